"""A BlobStore that serves reads of blobs it lacks from the endpoints that hold them.

It wraps the endpoint's own store: every write and every read of a local blob goes straight to
it; only a read of an absent blob streams from another endpoint (plaintext, the byte range
asked for), so S3 clients of any endpoint read every object of the project at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ..backends.blobs.base import BlobStore, WrappedBlobStore
from ..domain.ranges import RangeSpec
from ..errors import ObjectNotFound
from .peers import Peers


class FetchThroughBlobStore(WrappedBlobStore):
    """Everything but `open_read` is the endpoint's own store (`WrappedBlobStore`)."""

    def __init__(self, inner: BlobStore, peers: Peers) -> None:
        super().__init__(inner)
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
