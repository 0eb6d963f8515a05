"""`aos proxy`: a data endpoint as its own process.

It serves S3 (path-style, as `aos serve` does) from its own blob store and shares the
server's metadata store: every request is authenticated and authorized by the same S3 layer and
services against the same users, credentials and permissions, with no extra round trip. It
registers with the server (`POST /api/v2/endpoint/heartbeat`, endpoint credential) and beats
every few seconds; replicas for it are pulled by its worker (replication/worker.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from .app import blob_store, health, load_keyring, metadata_store
from .errors import InvalidInput, Unauthenticated
from .keys import AUTH, BLOBS, GRAPH, KEYRING, META, MULTIPART, OBJECTS, RESOURCES, SETTINGS
from .replication.endpoint import HEARTBEAT_SECONDS, run_endpoint
from .replication.keys import ENDPOINTS
from .replication.peers import CREDENTIAL_HEADER
from .replication.routes import install_blob_routes
from .services.auth import AuthService
from .services.dag import GraphService
from .services.endpoints import EndpointService
from .services.multipart import MultipartService
from .services.objects import ObjectService
from .services.resources import ResourceService
from .services.sweeper import Sweeper
from .settings import Settings
from .web.s3.routes import install_s3

log = logging.getLogger("aos.proxy")
REGISTER_ATTEMPTS = 30


def check_proxy_settings(settings: Settings) -> tuple[str, str]:
    """(server URL, credential), or `InvalidInput` saying what is missing."""
    missing = [
        name
        for name, value in (
            ("AOS_SERVER_URL (--server-url)", settings.server_url),
            ("AOS_ENDPOINT_CREDENTIAL", settings.endpoint_credential),
            ("AOS_METADATA_URL (--database), the server's metadata store", settings.metadata_url),
            ("AOS_MASTER_KEY, the server's master key", settings.master_key),
        )
        if not value
    ]
    if missing:
        raise InvalidInput(
            "`aos proxy` needs " + ", ".join(missing) + " (see docs/deploy.md, multi-site)"
        )
    secret = settings.endpoint_credential
    return (settings.server_url or "").rstrip("/"), secret.get_secret_value() if secret else ""


async def register(server_url: str, credential: str, public_url: str) -> str:
    """Heartbeat once (waiting for the server to come up); returns this endpoint's id."""
    url = f"{server_url}/api/v2/endpoint/heartbeat"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        for attempt in range(REGISTER_ATTEMPTS):
            try:
                async with session.post(
                    url, json={"public_url": public_url}, headers={CREDENTIAL_HEADER: credential}
                ) as response:
                    body = await response.json(content_type=None)
                    if response.status == 200:
                        return str(body["id"])
                    if response.status in (401, 403):
                        raise Unauthenticated(
                            f"The server refused this endpoint's credential: {body.get('detail')}"
                        )
                    log.warning("registering with %s: HTTP %s", url, response.status)
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.warning("registering with %s failed (%s); retrying", url, exc)
            await asyncio.sleep(min(1.0 + attempt, 5.0))
    raise InvalidInput(f"The server at {server_url} did not answer; check AOS_SERVER_URL")


async def _heartbeats(server_url: str, credential: str, public_url: str) -> None:
    url = f"{server_url}/api/v2/endpoint/heartbeat"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                async with session.post(
                    url, json={"public_url": public_url}, headers={CREDENTIAL_HEADER: credential}
                ) as response:
                    if response.status != 200:
                        log.warning("heartbeat: HTTP %s from %s", response.status, url)
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.warning("heartbeat to %s failed: %s", url, exc)


async def _proxy_services(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    server_url, credential = check_proxy_settings(settings)
    keyring = await asyncio.to_thread(load_keyring, settings)
    meta_dsn, blobs_dsn = await asyncio.to_thread(
        lambda: (settings.metadata_dsn, settings.blobs_dsn)
    )
    meta = metadata_store(meta_dsn, settings)
    await meta.open()
    blobs = blob_store(blobs_dsn, keyring, settings, meta)
    tasks: list[asyncio.Task[None]] = []
    try:
        resources = ResourceService(meta)
        objects = ObjectService.configured(meta, blobs, resources, settings)
        app[KEYRING], app[META], app[BLOBS] = keyring, meta, blobs
        app[AUTH] = AuthService(meta, keyring)
        app[RESOURCES] = resources
        app[GRAPH] = GraphService(meta)
        app[OBJECTS] = objects
        app[MULTIPART] = MultipartService(meta, blobs, objects)
        app[ENDPOINTS] = EndpointService(meta)
        endpoint_id = await register(server_url, credential, settings.base_url)
        log.info("registered with %s as endpoint %s", server_url, endpoint_id)
        async with run_endpoint(app, endpoint_id, credential):
            tasks.append(asyncio.create_task(Sweeper(meta, blobs).forever(), name="aos-sweeper"))
            tasks.append(
                asyncio.create_task(
                    _heartbeats(server_url, credential, settings.base_url), name="aos-heartbeat"
                )
            )
            yield
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await blobs.close()
        await meta.close()


def create_proxy_app(settings: Settings) -> web.Application:
    """A data endpoint: health at /health, blob exchange at /_aos/blobs, S3 at /."""
    app = web.Application(client_max_size=8 << 20)
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_proxy_services)
    app.router.add_get("/health", health)
    install_blob_routes(app)
    install_s3(app)
    return app


async def run_proxy(settings: Settings, *, ready: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM."""
    from .cli import run_until_signal

    runner = web.AppRunner(create_proxy_app(settings), access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    print(
        f"AOS-Py data endpoint is running at {settings.base_url} (S3, path-style); "
        f"server {settings.server_url}",
        flush=True,
    )
    await run_until_signal(runner, ready)
