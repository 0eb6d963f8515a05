"""The local-disk blob store, plain and sealed (compressed, encrypted, both)."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import pytest

from aos_server.backends.blobs.local import LocalBlobStore
from aos_server.backends.blobs.sealed import CHUNK, SealedReader
from aos_server.domain.ids import new_id
from aos_server.domain.ranges import SuffixRange
from aos_server.errors import IntegrityError
from tests.contracts.blob_store import BlobStoreContract, chunks, read_all
from tests.factories import payload

MASTER = os.urandom(32)


class _Configured(LocalBlobStore):
    """A store that seals every blob the way a server setting would ask it to."""

    def __init__(self, root: Path, *, compress: bool, encrypt: bool) -> None:
        super().__init__(root, master_key=MASTER)
        self._flags = {"compress": compress, "encrypt": encrypt}

    async def stage(self, chunks, *, compress=False, encrypt=False):  # type: ignore[no-untyped-def, override]
        return await super().stage(
            chunks,
            compress=compress or self._flags["compress"],
            encrypt=encrypt or self._flags["encrypt"],
        )


@pytest.mark.parametrize(
    ("compress", "encrypt"),
    [
        pytest.param(False, False, id="plain"),
        pytest.param(True, False, id="zstd"),
        pytest.param(False, True, id="encrypted"),
        pytest.param(True, True, id="zstd-encrypted"),
    ],
)
class TestLocal(BlobStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path, compress: bool, encrypt: bool) -> LocalBlobStore:
        return _Configured(tmp_path, compress=compress, encrypt=encrypt)


async def _sealed(tmp_path: Path, data: bytes, **flags: bool) -> tuple[LocalBlobStore, str, Path]:
    store = LocalBlobStore(tmp_path, master_key=MASTER)
    staged = await store.stage(chunks(data), **flags)
    key = new_id()
    await staged.commit(key)
    return store, key, store.path(key, sealed=True)


async def test_plain_blobs_can_be_sent_with_sendfile(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    staged = await store.stage(chunks(b"plain"))
    key = new_id()
    await staged.commit(key)
    assert await store.local_path(key) is not None
    _, sealed_key, _ = await _sealed(tmp_path, b"sealed", encrypt=True)
    assert await store.local_path(sealed_key) is None
    # Small plain blobs are read whole in one step; sealed ones always stream (decrypted).
    assert await store.read_small(key, 1024) == b"plain"
    assert await store.read_small(sealed_key, 1024) is None


async def test_tampered_chunk_is_detected(tmp_path: Path) -> None:
    data = payload(3 * CHUNK, seed=5)
    store, key, path = await _sealed(tmp_path, data, encrypt=True)
    raw = bytearray(path.read_bytes())
    raw[CHUNK + 200] ^= 0x01  # a byte inside the second sealed chunk
    path.write_bytes(bytes(raw))
    assert await read_all(store, key, SuffixRange(length=100)) == data[-100:]  # chunk 3 is fine
    with pytest.raises(IntegrityError):
        await read_all(store, key)


async def test_wrong_master_key_is_refused(tmp_path: Path) -> None:
    _, key, _ = await _sealed(tmp_path, b"secret", encrypt=True)
    other = LocalBlobStore(tmp_path, master_key=os.urandom(32))
    with pytest.raises(IntegrityError, match="master key"):
        await read_all(other, key)


async def test_data_key_and_plaintext_never_on_disk(tmp_path: Path) -> None:
    marker = b"UNIQUE-PLAINTEXT-MARKER-" * 100
    _, _, path = await _sealed(tmp_path, marker, encrypt=True)
    raw = path.read_bytes()
    assert b"UNIQUE-PLAINTEXT-MARKER" not in raw

    def data_key() -> bytes | None:
        with path.open("rb") as f:
            return SealedReader(f, MASTER).sealer.data_key

    key = await asyncio.to_thread(data_key)
    assert key is not None
    assert key not in raw


async def test_range_read_opens_only_the_chunks_it_needs(tmp_path: Path) -> None:
    data = payload(8 * CHUNK, seed=9)
    _, _, path = await _sealed(tmp_path, data, encrypt=True, compress=True)

    def last_chunk() -> tuple[bytes, int]:
        with path.open("rb") as f:
            reader = SealedReader(f, MASTER)
            return reader.chunk(7), reader.unsealed

    chunk, opened = await asyncio.to_thread(last_chunk)
    assert chunk[-10:] == data[-10:]
    assert opened == 1


async def test_truncated_sealed_blob_is_detected(tmp_path: Path) -> None:
    data = payload(2 * CHUNK, seed=2)
    store, key, path = await _sealed(tmp_path, data, encrypt=True)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(IntegrityError):
        await read_all(store, key)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("size", [0, 4096, 64 * 1024, 900 * 1024])
@pytest.mark.parametrize("sealed", [False, True], ids=["plain", "sealed"])
async def test_a_small_body_touches_the_disk_only_when_committed(
    tmp_path: Path, size: int, sealed: bool
) -> None:
    """Bodies that fit one pipeline buffer are hashed at once and written by `commit` alone:
    nothing is on disk before it, nothing after a discard, and the blob is whole after it."""
    store = LocalBlobStore(tmp_path, master_key=MASTER)
    data = payload(size)
    flags = {"compress": sealed, "encrypt": sealed}
    kept = await store.stage(chunks(data, 1000), **flags)
    dropped = await store.stage(chunks(data, 1000), **flags)
    assert (kept.size, kept.md5) == (size, hashlib.md5(data, usedforsecurity=False).hexdigest())
    assert kept.sha256 == hashlib.sha256(data).hexdigest()
    assert _files(tmp_path) == []
    await dropped.discard()
    key = new_id()
    await kept.commit(key)
    assert _files(tmp_path) == [store.path(key, sealed=sealed)]
    assert await read_all(store, key) == data


async def test_a_small_body_that_fails_its_check_leaves_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)

    def refuse(md5: str, sha256: str) -> None:
        raise IntegrityError("Content-MD5 mismatch")

    with pytest.raises(IntegrityError):
        await store.stage(chunks(b"x" * 5000), verify=refuse)
    assert _files(tmp_path) == []
