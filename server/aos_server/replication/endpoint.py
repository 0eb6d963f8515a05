"""Make a running app a data endpoint: its reads fetch through, its writes record replicas,
its worker pulls the replicas meant for it, and it serves its blobs to other endpoints."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from ..keys import BLOBS, BUNDLES, KEYRING, META, OBJECTS, SETTINGS
from ..services.endpoints import EndpointService, Placement
from .fetch_through import FetchThroughBlobStore
from .keys import ENDPOINTS, LOCAL_BLOBS, REPLICATOR
from .peers import Peers
from .routes import install_blob_routes
from .worker import Replicator

log = logging.getLogger("aos.replication")
HEARTBEAT_SECONDS = 10.0


@contextlib.asynccontextmanager
async def run_endpoint(
    app: web.Application, endpoint_id: str, credential: str
) -> AsyncIterator[None]:
    """While the block runs, `app` (with its services in place) acts as endpoint `endpoint_id`."""
    settings = app[SETTINGS]
    meta, local = app[META], app[BLOBS]
    peers = Peers(meta, endpoint_id, credential)
    blobs = FetchThroughBlobStore(local, peers)
    app[LOCAL_BLOBS] = local
    app[BLOBS] = blobs
    app[OBJECTS].blobs = blobs
    app[OBJECTS].placement = Placement(endpoint_id)
    if BUNDLES in app:
        app[BUNDLES].blobs = blobs
    replicator = Replicator(
        meta,
        local,
        peers,
        concurrency=settings.replication_concurrency,
        poll_seconds=settings.replication_poll_seconds,
        backoff_seconds=settings.replication_backoff_seconds,
        compress=settings.compress,
        encrypt=settings.encrypt,
    )
    app[REPLICATOR] = replicator
    task = asyncio.create_task(replicator.forever(), name="aos-replication")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await peers.close()


def default_credential(app: web.Application) -> str:
    """The embedded endpoint's credential: derived from the master key, so every server
    process of one deployment holds the same one without storing it."""
    raw = app[KEYRING].derive("endpoint-credential:default")
    return "aosep_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def default_endpoint(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx of `aos serve`/`aos server`: the embedded S3 endpoint is the default one."""
    service = EndpointService(app[META])
    app[ENDPOINTS] = service
    credential = default_credential(app)
    settings = app[SETTINGS]
    url = settings.base_url
    record = await service.ensure_default(url, credential)
    if settings.port == 0 and not settings.public_url:
        # The port is chosen when the socket binds, after this runs: learn the URL from the
        # first request instead (loopback tests and `--port 0`).
        async def learn(request: web.Request, _response: web.StreamResponse) -> None:
            nonlocal url
            if url == settings.base_url:
                url = str(request.url.origin())
                await service.heartbeat(credential, url)

        app.on_response_prepare.append(learn)

    async def beat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await service.heartbeat(credential, url)
            except Exception:
                log.warning("heartbeat of the default endpoint failed", exc_info=True)

    heart = asyncio.create_task(beat(), name="aos-heartbeat")
    try:
        async with run_endpoint(app, record.id, credential):
            yield
    finally:
        heart.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heart


def install_endpoint(app: web.Application) -> None:
    """For create_app: after the services context, before the S3 catch-all routes."""
    app.cleanup_ctx.append(default_endpoint)
    install_blob_routes(app)
