"""Bundles: stream collections, datasets or lists of objects as one .tar.gz or .zip.

A bundle is a capability link (a random secret, stored hashed) with an expiry and an optional
one-time use. Permissions are checked when the link is made *and* when it is used, as the
creator: revoking their access kills the link.
"""

from __future__ import annotations

import asyncio
import tarfile
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from stream_zip import ZIP_64, async_stream_zip

from aos_fs.models import Kind, Resource, Status

from ..backends.metadata.base import BundleRecord, MetadataSession, MetadataStore
from ..domain.ids import new_id, new_secret
from ..domain.permissions import Actor, Level
from ..errors import Gone, InvalidInput, NotFound, Unauthenticated
from . import permissions as perms
from .auth import AuthService, hash_secret
from .common import load, now

if TYPE_CHECKING:
    from stream_zip import AsyncMemberFile

    from ..backends.blobs.base import BlobStore

BundleFormat = Literal["tar.gz", "zip"]
_COMPRESS_OFF_LOOP = 256 * 1024


class BundleGone(Gone):
    """The link expired or its one use is spent."""

    code = "bundle_gone"


@dataclass(frozen=True)
class Member:
    path: str
    size: int
    modified: datetime
    blob_key: str
    content_type: str = "application/octet-stream"
    sha256: str | None = None


@dataclass(frozen=True)
class CreatedBundle:
    id: str
    secret: str
    format: BundleFormat
    expires_at: datetime
    once: bool


class BundleService:
    def __init__(self, meta: MetadataStore, blobs: BlobStore, auth: AuthService) -> None:
        self.meta = meta
        self.blobs = blobs
        self.auth = auth

    async def create(
        self,
        actor: Actor,
        resource_ids: list[str],
        *,
        format: BundleFormat,
        expires_in: int,
        once: bool,
        max_seconds: int,
    ) -> CreatedBundle:
        if actor.anonymous:
            raise Unauthenticated("Sign in to create bundles")
        if not resource_ids:
            raise InvalidInput("Name at least one resource to bundle", field="resource_ids")
        if not 1 <= expires_in <= max_seconds:
            raise InvalidInput(
                f"`expires_in` must lie between 1 and {max_seconds} seconds", field="expires_in"
            )
        async with self.meta.read() as s:
            for rid in resource_ids:
                res = await load(s, rid)
                await perms.require(s, actor, res, Level.READ)
        secret = new_secret(32)
        record = BundleRecord(
            id=new_id(),
            secret_hash=hash_secret(secret),
            user_id=actor.user_id,
            token_id=actor.token_id,
            resource_ids=list(resource_ids),
            format=format,
            once=once,
            expires_at=now() + timedelta(seconds=expires_in),
            used_at=None,
            created_at=now(),
        )
        async with self.meta.write() as s:
            await s.insert_bundle(record)
        return CreatedBundle(record.id, secret, format, record.expires_at, once)

    async def open(self, secret: str) -> tuple[BundleRecord, list[Member]]:
        """Check the link, claim a one-time use, and list what the archive will hold."""
        async with self.meta.read() as s:
            record = await s.get_bundle_by_hash(hash_secret(secret))
        if record is None:
            raise NotFound("No such bundle link; ask its creator for a new one")
        if record.expires_at <= now():
            raise BundleGone(f"This bundle link expired on {record.expires_at:%Y-%m-%d %H:%M} UTC")
        actor = await self.auth.actor_for_token_id(record.token_id, record.user_id or "")
        async with self.meta.read() as s:
            members = [m for rid in record.resource_ids async for m in members_of(s, actor, rid)]
        if record.once:
            async with self.meta.write() as s:
                if not await s.claim_bundle(record.id, now()):
                    raise BundleGone("This one-time bundle link was used already")
        return record, members

    def stream(self, record: BundleRecord, members: list[Member]) -> AsyncIterator[bytes]:
        if record.format == "zip":
            return self._zip(members)
        return self._tar_gz(members)

    async def _tar_gz(self, members: list[Member]) -> AsyncIterator[bytes]:
        gz = zlib.compressobj(6, zlib.DEFLATED, 31)

        async def deflate(data: bytes) -> bytes:
            if len(data) >= _COMPRESS_OFF_LOOP:
                return await asyncio.to_thread(gz.compress, data)
            return gz.compress(data)

        for m in members:
            info = tarfile.TarInfo(m.path)
            info.size = m.size
            info.mtime = int(m.modified.timestamp())
            info.mode = 0o644
            yield await deflate(info.tobuf(format=tarfile.PAX_FORMAT))
            async for chunk in self.blobs.open_read(m.blob_key):
                yield await deflate(chunk)
            if pad := (-m.size) % tarfile.BLOCKSIZE:
                yield await deflate(b"\0" * pad)
        yield await deflate(b"\0" * (2 * tarfile.BLOCKSIZE))
        yield gz.flush()

    async def _zip(self, members: list[Member]) -> AsyncIterator[bytes]:
        async def files() -> AsyncIterator[AsyncMemberFile]:
            for m in members:
                yield m.path, m.modified, 0o600, ZIP_64, self.blobs.open_read(m.blob_key)

        async for chunk in async_stream_zip(
            files(), get_compressobj=lambda: zlib.compressobj(1, zlib.DEFLATED, -15)
        ):
            yield chunk


async def members_of(s: MetadataSession, actor: Actor, resource_id: str) -> AsyncIterator[Member]:
    """Every object with bytes below `resource_id` (READ checked), paths from its name down."""
    res = await load(s, resource_id)
    if res.status == Status.DELETED:
        raise NotFound(f"{res.name!r} was deleted after the bundle link was made")
    await perms.require(s, actor, res, Level.READ)
    async for path, obj in _walk(s, res, res.name if res.kind != Kind.OBJECT else ""):
        version = await s.get_version(obj.id, obj.revision or 0)
        blob_key = await s.blob_key(version.id) if version else None
        if version is None or blob_key is None:
            continue  # metadata-only objects have no bytes to bundle
        yield Member(
            path,
            version.size,
            version.created_at,
            blob_key,
            version.content_type,
            version.hashes.sha256 if version.hashes else None,
        )


async def _walk(
    s: MetadataSession, res: Resource, base: str
) -> AsyncIterator[tuple[str, Resource]]:
    if res.kind == Kind.OBJECT:
        yield (f"{base}/{res.name}" if base else res.name), res
        return
    cursor: tuple[object, str] | None = None
    while True:
        page = await s.list_children(res.id, after=cursor, limit=1000)
        for child in page:
            sub = base if child.kind == Kind.OBJECT else f"{base}/{child.name}"
            async for item in _walk(s, child, sub):
                yield item
        if len(page) < 1000:
            return
        cursor = (page[-1].name, page[-1].id)
