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
from .errors import InvalidInput
from .keyring import Keyring
from .keys import (
    AUTH,
    BLOBS,
    BOOTSTRAP,
    BUNDLES,
    GRAPH,
    KEYRING,
    META,
    MULTIPART,
    OBJECTS,
    RESOURCES,
    SETTINGS,
)
from .licenses import DEFAULT_LICENSES
from .services.auth import AuthService
from .services.bundles import BundleService
from .services.dag import GraphService
from .services.multipart import MultipartService
from .services.objects import ObjectService
from .services.resources import ResourceService
from .services.sweeper import Sweeper
from .settings import Settings
from .web.api import build_api
from .web.s3.routes import install_s3

log = logging.getLogger("aos")


def metadata_store(dsn: str, settings: Settings) -> MetadataStore:
    url = urlparse(dsn)
    if url.scheme == "sqlite":
        return SqliteMetadataStore(
            Path(url.path) if url.path else ":memory:", synchronous=settings.sqlite_synchronous
        )
    raise InvalidInput(f"Unsupported metadata URL {dsn!r}; use sqlite:///path/to/aos.db")


def blob_store(dsn: str, keyring: Keyring) -> BlobStore:
    # Backends are imported when chosen, so optional dependencies stay optional.
    url = urlparse(dsn)
    if url.scheme == "file":
        from .backends.blobs.local import LocalBlobStore

        return LocalBlobStore(Path(url.path), master_key=keyring.derive("blob-keys"))
    raise InvalidInput(f"Unsupported blobs URL {dsn!r}; use file:///path/to/blobs")


def load_keyring(settings: Settings) -> Keyring:
    if settings.master_key is not None:
        return Keyring(base64.b64decode(settings.master_key.get_secret_value()))
    return Keyring.load_or_create(settings.data_dir / "master.key")


async def _services(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    keyring = await asyncio.to_thread(load_keyring, settings)
    meta = metadata_store(settings.metadata_dsn, settings)
    await meta.open()
    try:
        async with meta.write() as s:
            for lic in DEFAULT_LICENSES:
                if await s.get_license(lic.tag) is None:
                    await s.upsert_license(lic)
        blobs = blob_store(settings.blobs_dsn, keyring)
        resources = ResourceService(meta)
        auth = AuthService(meta, keyring)
        app[KEYRING] = keyring
        app[META] = meta
        app[BLOBS] = blobs
        app[AUTH] = auth
        app[RESOURCES] = resources
        app[GRAPH] = GraphService(meta)
        objects = ObjectService(
            meta, blobs, resources, compress=settings.compress, encrypt=settings.encrypt
        )
        app[OBJECTS] = objects
        app[MULTIPART] = MultipartService(meta, blobs, objects)
        app[BUNDLES] = BundleService(meta, blobs, auth)
        app[BOOTSTRAP] = await auth.bootstrap(
            token=settings.admin_token.get_secret_value() if settings.admin_token else None,
            access_key=settings.admin_access_key,
            secret_key=(
                settings.admin_secret_key.get_secret_value() if settings.admin_secret_key else None
            ),
        )
        sweeper = asyncio.create_task(Sweeper(meta, blobs).forever(), name="aos-sweeper")
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
    finally:
        await meta.close()


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
    install_s3(app)  # last: the S3 routes catch every other path
    return app
