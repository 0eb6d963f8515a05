"""A blob's stored form (sealed: compressed and/or encrypted chunks, or plain), read and written
as it lies on disk, so replicas travel without being opened, and are checked on arrival.

Only local-disk stores expose it; for other stores replication moves the plaintext (see
docs/replication.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from ..backends.blobs.base import BlobStore
from ..backends.blobs.local import LocalBlobStore
from ..backends.blobs.sealed import CHUNK, SealedReader
from ..domain.ids import new_id
from ..errors import IntegrityError


async def locate_stored(store: BlobStore, key: str) -> tuple[Path, bool] | None:
    """(file, sealed) of blob `key` when `store` keeps it on local disk, else `None`."""
    if not isinstance(store, LocalBlobStore):
        return None
    plain, sealed = store.path(key, sealed=False), store.path(key, sealed=True)

    def find() -> tuple[Path, bool] | None:
        if plain.exists():
            return plain, False
        if sealed.exists():
            return sealed, True
        return None

    return await asyncio.to_thread(find)


def accepts_stored(store: BlobStore) -> bool:
    return isinstance(store, LocalBlobStore)


def _sync(f: BinaryIO) -> None:
    f.flush()
    os.fsync(f.fileno())


def _plaintext_digest(path: Path, master: bytes | None) -> tuple[int, str]:
    """(size, SHA-256) of a sealed file's plaintext; every chunk's tag and the index are
    checked on the way (AES-GCM), so a bit flipped in transit fails here."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        reader = SealedReader(f, master)
        for index in range((reader.size + CHUNK - 1) // CHUNK):
            h.update(reader.chunk(index))
        return reader.size, h.hexdigest()


async def receive_stored(
    store: BlobStore,
    key: str,
    chunks: AsyncIterator[bytes],
    *,
    sealed: bool,
    size: int,
    sha256: str,
) -> None:
    """Write the stored form of blob `key` into local-disk `store`; it becomes visible only
    after its plaintext matched `size` and `sha256` (raises `IntegrityError` otherwise)."""
    if not isinstance(store, LocalBlobStore):
        raise TypeError("stored-form replicas need a local-disk blob store")
    tmp = store.tmp / f"{new_id()}.partial"
    await asyncio.to_thread(store.tmp.mkdir, parents=True, exist_ok=True)
    f = await asyncio.to_thread(tmp.open, "wb")
    h = hashlib.sha256()
    received = 0

    def write(data: bytes) -> None:
        f.write(data)
        h.update(data)

    try:
        try:
            async for chunk in chunks:
                received += len(chunk)
                await asyncio.to_thread(write, chunk)
            await asyncio.to_thread(_sync, f)
        finally:
            await asyncio.to_thread(f.close)
        if sealed:
            got_size, got = await asyncio.to_thread(_plaintext_digest, tmp, store.master)
        else:
            got_size, got = received, h.hexdigest()
        if got_size != size or got != sha256:
            raise IntegrityError(
                f"The replica of blob {key} does not match its revision: {got_size} bytes with "
                f"SHA-256 {got}, expected {size} bytes with {sha256}"
            )
        final = store.path(key, sealed=sealed)

        def move() -> None:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
            fd = os.open(final.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

        await asyncio.to_thread(move)
    finally:
        await asyncio.to_thread(tmp.unlink, missing_ok=True)
