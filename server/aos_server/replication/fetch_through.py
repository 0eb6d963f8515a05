"""A BlobStore that serves reads of blobs it lacks from the endpoints that hold them.

It wraps the endpoint's own store: every write and every read of a local blob goes straight to
it; only a read of an absent blob streams from another endpoint (plaintext, the byte range
asked for), so S3 clients of any endpoint read every object of the project at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from ..backends.blobs.base import BlobStore, PartInfo, StagedBlob, SweepReport, Verify
from ..domain.ranges import RangeSpec
from ..errors import ObjectNotFound
from .peers import Peers


class FetchThroughBlobStore(BlobStore):
    def __init__(self, inner: BlobStore, peers: Peers) -> None:
        self.inner = inner
        self.peers = peers

    def __getattr__(self, name: str) -> Any:  # store-specific helpers (paths, copy, …)
        return getattr(self.inner, name)

    async def open_read(
        self, key: str, byte_range: RangeSpec | None = None
    ) -> AsyncIterator[bytes]:
        local = self.inner.open_read(key, byte_range)
        try:
            first = await anext(local)
        except ObjectNotFound:
            async with self.peers.fetch(key, stored=False, byte_range=byte_range) as fetched:
                async for chunk in fetched.chunks():
                    yield chunk
            return
        except StopAsyncIteration:
            return
        try:
            yield first
            async for chunk in local:
                yield chunk
        finally:
            close = getattr(local, "aclose", None)
            if close is not None:
                await close()

    # -- everything else is the endpoint's own store ---------------------------------------------
    async def stage(
        self,
        chunks: AsyncIterator[bytes],
        *,
        compress: bool = False,
        encrypt: bool = False,
        verify: Verify | None = None,
    ) -> StagedBlob:
        return await self.inner.stage(chunks, compress=compress, encrypt=encrypt, verify=verify)

    async def delete(self, key: str) -> None:
        await self.inner.delete(key)

    async def exists(self, key: str) -> bool:
        return await self.inner.exists(key)

    async def local_path(self, key: str) -> Path | None:
        return await self.inner.local_path(key)

    async def stage_part(
        self,
        upload_id: str,
        part_number: int,
        chunks: AsyncIterator[bytes],
        *,
        verify: Verify | None = None,
    ) -> PartInfo:
        return await self.inner.stage_part(upload_id, part_number, chunks, verify=verify)

    async def assemble(
        self,
        upload_id: str,
        part_numbers: Sequence[int],
        *,
        compress: bool = False,
        encrypt: bool = False,
    ) -> StagedBlob:
        return await self.inner.assemble(
            upload_id, part_numbers, compress=compress, encrypt=encrypt
        )

    async def abort_upload(self, upload_id: str) -> None:
        await self.inner.abort_upload(upload_id)

    async def sweep(self, *, older_than: float) -> SweepReport:
        return await self.inner.sweep(older_than=older_than)

    async def list_keys(self) -> AsyncIterator[str]:
        async for key in self.inner.list_keys():
            yield key

    async def read_small(self, key: str, limit: int) -> bytes | None:
        return await self.inner.read_small(key, limit)

    async def close(self) -> None:
        await self.inner.close()

    @property
    def supports_sendfile(self) -> bool:
        return self.inner.supports_sendfile
