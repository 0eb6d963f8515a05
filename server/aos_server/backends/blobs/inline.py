"""Small objects' bytes kept in the metadata database, beside their revisions.

Writing a small blob as a file costs a file fsync and a directory fsync, and on ext4 those cost
about a millisecond of kernel time each; the bytes of a 4 KiB object cost far less than that in a
database row. `ObjectService` writes such bytes in the same transaction as their revision, under
a key with `INLINE_PREFIX`: one group commit makes both durable, or neither. This store answers
those keys from the database and passes every other call to the store it wraps, so the rest of
the server (S3 reads, bundles, replication, the orphan sweep) reads them like any blob.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from ...domain.ranges import RangeSpec, resolve
from ...errors import ObjectNotFound
from ..metadata.base import MetadataStore
from .base import BlobStore, WrappedBlobStore

INLINE_PREFIX = "in-"
_PAGE = 1000


def is_inline(key: str) -> bool:
    return key.startswith(INLINE_PREFIX)


class InlineBlobStore(WrappedBlobStore):
    """`inner` for files, the metadata store for keys that start with `INLINE_PREFIX` (only
    the calls that take a blob key are overridden; writes and multipart go to `inner`)."""

    def __init__(self, inner: BlobStore, meta: MetadataStore) -> None:
        super().__init__(inner)
        self.meta = meta

    async def _data(self, key: str) -> bytes:
        async with self.meta.read() as s:
            data = await s.get_inline_blob(key)
        if data is None:
            raise ObjectNotFound(f"The bytes of blob {key} are missing from the store")
        return data

    async def open_read(
        self, key: str, byte_range: RangeSpec | None = None
    ) -> AsyncIterator[bytes]:
        if not is_inline(key):
            async for chunk in self.inner.open_read(key, byte_range):
                yield chunk
            return
        data = await self._data(key)
        offset, length = resolve(byte_range, len(data)) if byte_range else (0, len(data))
        if length:
            yield data[offset : offset + length]

    async def read_small(self, key: str, limit: int) -> bytes | None:
        if not is_inline(key):
            return await self.inner.read_small(key, limit)
        data = await self._data(key)
        return data if len(data) <= limit else None

    async def delete(self, key: str) -> None:
        if not is_inline(key):
            await self.inner.delete(key)
            return
        async with self.meta.write() as s:
            await s.delete_inline_blob(key)

    async def exists(self, key: str) -> bool:
        if not is_inline(key):
            return await self.inner.exists(key)
        async with self.meta.read() as s:
            return await s.get_inline_blob(key) is not None

    async def local_path(self, key: str) -> Path | None:
        return None if is_inline(key) else await self.inner.local_path(key)

    async def list_keys(self) -> AsyncIterator[str]:
        async for key in self.inner.list_keys():
            yield key
        after = ""
        while True:
            async with self.meta.read() as s:
                keys = await s.inline_blob_keys(after=after, limit=_PAGE)
            for key in keys:
                yield key
            if len(keys) < _PAGE:
                return
            after = keys[-1]
