"""BlobStore contract: every blob backend subclasses this and provides the `store` fixture."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

import pytest

from aos_server.backends.blobs.base import BlobStore
from aos_server.backends.blobs.sealed import CHUNK
from aos_server.domain.ids import new_id
from aos_server.domain.ranges import ByteRange, OffsetRange, RangeSpec, SuffixRange
from aos_server.errors import ObjectNotFound
from tests.factories import payload


async def chunks(data: bytes, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def read_all(store: BlobStore, key: str, spec: RangeSpec | None = None) -> bytes:
    return b"".join([c async for c in store.open_read(key, spec)])


async def put(store: BlobStore, data: bytes) -> str:
    staged = await store.stage(chunks(data))
    key = new_id()
    await staged.commit(key)
    return key


SIZES = [
    pytest.param(0, id="empty"),
    pytest.param(1, id="one-byte"),
    pytest.param(CHUNK - 1, id="chunk-minus-1"),
    pytest.param(CHUNK, id="one-chunk"),
    pytest.param(3 * CHUNK + 17, id="odd-chunks"),
]

RANGES = [
    pytest.param(ByteRange(start=0, end=0), id="first-byte"),
    pytest.param(ByteRange(start=CHUNK - 1, end=CHUNK), id="across-chunk-boundary"),
    pytest.param(ByteRange(start=CHUNK, end=2 * CHUNK - 1), id="exact-chunk"),
    pytest.param(ByteRange(start=CHUNK + 1, end=10**12), id="past-end-clipped"),
    pytest.param(OffsetRange(start=2 * CHUNK - 1), id="offset-range"),
    pytest.param(SuffixRange(length=CHUNK + 2), id="suffix-range"),
]


class BlobStoreContract:
    @pytest.fixture
    def store(self) -> BlobStore:  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    @pytest.mark.parametrize("size", SIZES)
    async def test_round_trip_and_hashes(self, store: BlobStore, size: int) -> None:
        data = payload(size, seed=size)
        staged = await store.stage(chunks(data))
        assert staged.size == size
        assert staged.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
        assert staged.sha256 == hashlib.sha256(data).hexdigest()
        key = new_id()
        assert not await store.exists(key)
        await staged.commit(key)
        assert await store.exists(key)
        assert await read_all(store, key) == data

    async def test_read_small_is_whole_or_nothing(self, store: BlobStore) -> None:
        """`read_small` may decline (None), but whatever it returns is the whole blob."""
        small, large = payload(1000, seed=5), payload(5000, seed=6)
        k_small, k_large = await put(store, small), await put(store, large)
        got = await store.read_small(k_small, 4096)
        assert got is None or got == small
        assert await store.read_small(k_large, 4096) is None  # over the limit: never partial
        assert await store.read_small(new_id(), 4096) is None  # missing

    @pytest.mark.parametrize("spec", RANGES)
    async def test_ranges(self, store: BlobStore, spec: RangeSpec) -> None:
        data = payload(3 * CHUNK + 5, seed=1)
        key = await put(store, data)
        if isinstance(spec, SuffixRange):
            expected = data[-spec.length :]
        elif isinstance(spec, OffsetRange):
            expected = data[spec.start :]
        else:
            expected = data[spec.start : spec.end + 1]
        assert await read_all(store, key, spec) == expected

    async def test_failing_source_leaves_nothing(self, store: BlobStore) -> None:
        async def broken() -> AsyncIterator[bytes]:
            yield b"x" * CHUNK
            raise ConnectionResetError("client went away")

        before = [k async for k in store.list_keys()]
        with pytest.raises(ConnectionResetError):
            await store.stage(broken())
        assert [k async for k in store.list_keys()] == before
        assert (await store.sweep(older_than=0)).temp_files == 0

    async def test_cancelled_stage_leaves_nothing(self, store: BlobStore) -> None:
        started = asyncio.Event()

        async def endless() -> AsyncIterator[bytes]:
            while True:
                started.set()
                yield b"y" * 65536
                await asyncio.sleep(0.001)

        task = asyncio.create_task(store.stage(endless()))
        await started.wait()
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await store.sweep(older_than=0)).temp_files == 0

    async def test_discard_and_delete(self, store: BlobStore) -> None:
        staged = await store.stage(chunks(b"discard me"))
        await staged.discard()
        await staged.discard()  # twice is fine
        assert (await store.sweep(older_than=0)).temp_files == 0
        key = await put(store, b"delete me")
        await store.delete(key)
        await store.delete(key)
        with pytest.raises(ObjectNotFound):
            await read_all(store, key)

    async def test_concurrent_writers(self, store: BlobStore) -> None:
        datas = [payload(CHUNK + i, seed=i) for i in range(6)]
        keys = await asyncio.gather(*(put(store, d) for d in datas))
        for key, data in zip(keys, datas, strict=True):
            assert await read_all(store, key) == data

    async def test_same_key_last_commit_wins_whole(self, store: BlobStore) -> None:
        key = new_id()
        a, b = payload(2 * CHUNK, seed=1), payload(2 * CHUNK, seed=2)
        sa, sb = await asyncio.gather(store.stage(chunks(a)), store.stage(chunks(b)))
        await sa.commit(key)
        await sb.commit(key)
        assert await read_all(store, key) == b

    async def test_multipart(self, store: BlobStore) -> None:
        upload = new_id()
        parts = {n: payload(CHUNK + n, seed=n) for n in (1, 2, 3)}
        await store.stage_part(upload, 2, chunks(b"replaced soon"))
        for n, data in parts.items():
            info = await store.stage_part(upload, n, chunks(data))
            assert info.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
        staged = await store.assemble(upload, [1, 3])
        whole = parts[1] + parts[3]
        assert staged.sha256 == hashlib.sha256(whole).hexdigest()
        key = new_id()
        await staged.commit(key)
        assert await read_all(store, key) == whole
        await store.abort_upload(upload)
        await store.abort_upload(upload)

    async def test_keys_are_checked(self, store: BlobStore) -> None:
        from aos_server.errors import InvalidInput

        staged = await store.stage(chunks(b"x"))
        with pytest.raises(InvalidInput):
            await staged.commit("../escape")
        await staged.discard()
