"""create_app(settings): the only place that chooses backend implementations."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from aiohttp import web

from .backends.metadata.base import MetadataStore

if TYPE_CHECKING:
    from .backends.blobs.base import BlobStore
from .backends.metadata.sqlite import SqliteMetadataStore
from .domain.permissions import Actor
from .errors import InvalidInput
from .events import EventBus, StoreLogBus
from .keyring import Keyring
from .keys import (
    ACCOUNTS,
    AUTH,
    BLOBS,
    BOOTSTRAP,
    BUNDLES,
    CRATES,
    EVENT_BUS,
    EVENTS,
    GOVERNANCE,
    GRAPH,
    HOOKS,
    KEYRING,
    META,
    MULTIPART,
    OBJECTS,
    OIDC,
    RESOURCES,
    SEARCH,
    SETTINGS,
    WORKSPACES,
)
from .licenses import DEFAULT_LICENSES
from .oidc_settings import load_providers
from .replication.endpoint import install_endpoint
from .services.accounts import Accounts
from .services.auth import AuthService
from .services.bundles import BundleService
from .services.crates import CrateService
from .services.dag import GraphService
from .services.egress import EgressPolicy
from .services.events import EventService
from .services.governance import Governance
from .services.hook_runner import HookRunner, Presigner
from .services.hooks import HookService
from .services.multipart import MultipartService
from .services.objects import ObjectService
from .services.oidc import OIDCService
from .services.resources import ResourceService
from .services.search import SearchService
from .services.sweeper import Sweeper
from .services.workspaces import WorkspaceService
from .settings import Settings
from .web.api import build_api
from .web.landing import install_landing
from .web.s3.routes import install_s3

log = logging.getLogger("aos")


def metadata_store(dsn: str, settings: Settings) -> MetadataStore:
    url = urlparse(dsn)
    if url.scheme == "sqlite":
        return SqliteMetadataStore(
            Path(url.path) if url.path else ":memory:", synchronous=settings.sqlite_synchronous
        )
    if url.scheme in ("postgresql", "postgres"):
        # Imported when chosen, so asyncpg stays an optional dependency (extra `postgres`).
        from .backends.metadata.postgres import PostgresMetadataStore

        return PostgresMetadataStore(dsn, max_size=settings.postgres_pool_size)
    raise InvalidInput(
        f"Unsupported metadata URL {dsn!r}; use sqlite:///path/to/aos.db or "
        "postgresql://user@host:5432/database"
    )


def event_bus(dsn: str, meta: MetadataStore) -> EventBus:
    url = urlparse(dsn)
    if url.scheme == "memory":
        return StoreLogBus(meta)
    if url.scheme == "nats":
        # Imported when chosen, so nats-py stays an optional dependency (extra `nats`).
        from .events.jetstream import JetStreamBus

        return JetStreamBus.from_url(dsn, meta)
    raise InvalidInput(
        f"Unsupported events URL {dsn!r}; use memory:// (the durable log in the metadata store)"
        " or nats://host:4222?stream=NAME (NATS JetStream)"
    )


def blob_store(dsn: str, keyring: Keyring, settings: Settings, meta: MetadataStore) -> BlobStore:
    """The store for `dsn`, with small objects' bytes in the metadata database beside it."""
    from .backends.blobs.inline import InlineBlobStore

    return InlineBlobStore(_file_store(dsn, keyring, settings), meta)


def _file_store(dsn: str, keyring: Keyring, settings: Settings) -> BlobStore:
    # Backends are imported when chosen, so optional dependencies stay optional.
    url = urlparse(dsn)
    if url.scheme == "file":
        from .backends.blobs.local import LocalBlobStore

        return LocalBlobStore(Path(url.path), master_key=keyring.derive("blob-keys"))
    if url.scheme == "s3":
        from .backends.blobs.s3 import S3BlobStore

        secret = settings.upstream_s3_secret_key
        return S3BlobStore.from_url(
            dsn,
            master_key=keyring.derive("blob-keys"),
            access_key=settings.upstream_s3_access_key,
            secret_key=secret.get_secret_value() if secret else None,
            region=settings.upstream_s3_region,
            part_size=settings.upstream_s3_part_size,
        )
    raise InvalidInput(
        f"Unsupported blobs URL {dsn!r}; use file:///path/to/blobs or "
        "s3://bucket/prefix?endpoint=https://host:port"
    )


def load_keyring(settings: Settings) -> Keyring:
    if settings.master_key is not None:
        return Keyring(base64.b64decode(settings.master_key.get_secret_value()))
    return Keyring.load_or_create(settings.data_dir / "master.key")


async def _services(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    keyring = await asyncio.to_thread(load_keyring, settings)
    # The default DSNs resolve paths on disk: off the loop, like every other file access.
    meta_dsn, blobs_dsn = await asyncio.to_thread(
        lambda: (settings.metadata_dsn, settings.blobs_dsn)
    )
    meta = metadata_store(meta_dsn, settings)
    await meta.open()
    try:
        async with meta.write() as s:
            for lic in DEFAULT_LICENSES:
                if await s.get_license(lic.tag) is None:
                    await s.upsert_license(lic)
        blobs = blob_store(blobs_dsn, keyring, settings, meta)
        resources = ResourceService(meta)
        auth = AuthService(meta, keyring)
        app[KEYRING] = keyring
        app[META] = meta
        app[BLOBS] = blobs
        app[AUTH] = auth
        app[ACCOUNTS] = Accounts.create(meta, keyring)
        app[RESOURCES] = resources
        app[GRAPH] = GraphService(meta)
        app[SEARCH] = SearchService(meta)
        objects = ObjectService.configured(meta, blobs, resources, settings)
        app[OBJECTS] = objects
        app[CRATES] = CrateService(resources, objects, app[GRAPH])
        app[MULTIPART] = MultipartService(meta, blobs, objects)
        app[GOVERNANCE] = Governance.build(meta, resources)
        app[BUNDLES] = BundleService(meta, blobs, auth)
        bus = event_bus(settings.events_url, meta)
        await bus.start()
        app[EVENT_BUS] = bus
        app[EVENTS] = EventService(meta, bus)
        hooks = HookService(meta, keyring, public_url=settings.public_url)
        app[HOOKS] = hooks
        runner = HookRunner(
            meta,
            bus,
            hooks,
            auth,
            resources,
            app[GRAPH],
            presign=_presigner(auth, settings),
            api_url=settings.base_url,
            egress=EgressPolicy(settings.hooks_allowed_networks),
        )
        app[BOOTSTRAP] = await auth.bootstrap(
            token=settings.admin_token.get_secret_value() if settings.admin_token else None,
            access_key=settings.admin_access_key,
            secret_key=(
                settings.admin_secret_key.get_secret_value() if settings.admin_secret_key else None
            ),
        )
        app[OIDC] = OIDCService(
            meta,
            keyring,
            await asyncio.to_thread(
                load_providers, settings.oidc_providers, settings.oidc_providers_file
            ),
            new_users_active=settings.oidc_new_users_active,
            token_days=settings.oidc_token_days,
        )
        sweeper = asyncio.create_task(Sweeper(meta, blobs).forever(), name="aos-sweeper")
        hook_task = asyncio.create_task(runner.forever(), name="aos-hooks")
        app[WORKSPACES] = WorkspaceService(
            meta, keyring, resources, app[GRAPH], hooks, s3_endpoint=settings.public_url
        )
        ws_task = asyncio.create_task(
            app[WORKSPACES].forever(settings.workspace_sweep_seconds), name="aos-workspaces"
        )
        try:
            yield
        finally:
            for task in (sweeper, hook_task, ws_task):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await app[OIDC].close()
            await bus.close()
            await blobs.close()
    finally:
        await meta.close()


def _presigner(auth: AuthService, settings: Settings) -> Presigner:
    """Presigned GET URLs for hook payloads, signed with the hook owner's S3 keys."""
    from .web.s3.sigv4 import aws_quote, presign

    async def presign_get(base_url: str, user_id: str, project: str, key: str, seconds: int) -> str:
        access, secret = await auth.signing_credentials(Actor(user_id=user_id))
        raw_path = "/" + aws_quote(project, safe="") + "/" + aws_quote(key, safe="/~")
        return presign(
            method="GET",
            base_url=base_url,
            raw_path=raw_path,
            access_key=access,
            secret=secret,
            expires=min(seconds, settings.max_presign_seconds),
        )

    return presign_get


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app(settings: Settings) -> web.Application:
    """The whole embedded service: JSON API at /api/v2, health at /health, S3 at /."""
    # S3 bodies are streamed; client_max_size bounds only what a handler reads whole (XML, JSON).
    app = web.Application(client_max_size=8 << 20)
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_services)
    app.router.add_get("/health", health)
    app.add_subapp("/api/v2", build_api(app))
    install_landing(app)
    install_endpoint(app)  # the embedded S3 endpoint is the default data endpoint
    install_s3(app)  # last: the S3 routes catch every other path
    return app
