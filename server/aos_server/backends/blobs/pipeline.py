"""The write pipeline every blob store shares: read the network, hash and write in parallel.

MD5 (the S3 ETag) cannot be split across cores, so it sets the pace; SHA-256 and the write run
beside it in other threads while the event loop goes on reading the next buffers. Buffers are
lists of the chunks as they arrived: nothing is joined or copied on the way.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

BUFFER = 1 << 20  # bytes handed to the worker threads at a time
QUEUE_DEPTH = 4  # buffers read ahead of the slowest worker (bounds memory per upload)


def _update(h: hashlib._Hash, bufs: Sequence[bytes]) -> None:
    for b in bufs:
        h.update(b)


class HashingSink:
    """Feeds every buffer to MD5, SHA-256 and a blocking `write`, each in a thread of its own.

    The three run decoupled, each at its own pace behind a bounded queue, so a slow moment of
    the disk does not stall the hashes (and the other way round): the stream moves at the speed
    of the slowest of them, not of their sum.
    """

    def __init__(self, write: Callable[[Sequence[bytes]], object]) -> None:
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha256 = hashlib.sha256()
        self.size = 0
        self._stages: list[Callable[[Sequence[bytes]], object]] = [
            lambda bufs: _update(self.md5, bufs),
            lambda bufs: _update(self.sha256, bufs),
            write,
        ]

    async def written(self) -> None:
        """Runs on the event loop after each buffer has passed `write` (e.g. to ship it on)."""


async def pump(chunks: AsyncIterator[bytes], sink: HashingSink) -> None:
    """Read `chunks` into `sink` with bounded read-ahead; the first error of any side wins."""
    queues: list[asyncio.Queue[list[bytes] | None]] = [
        asyncio.Queue(QUEUE_DEPTH) for _ in sink._stages
    ]

    async def work(
        fn: Callable[[Sequence[bytes]], object],
        q: asyncio.Queue[list[bytes] | None],
        then: Callable[[], Awaitable[None]] | None,
    ) -> None:
        while (bufs := await q.get()) is not None:
            await asyncio.to_thread(fn, bufs)
            if then is not None:
                await then()

    last = len(sink._stages) - 1
    workers = [
        asyncio.create_task(work(fn, q, sink.written if n == last else None))
        for n, (fn, q) in enumerate(zip(sink._stages, queues, strict=True))
    ]

    async def put(item: list[bytes] | None) -> None:
        for worker, q in zip(workers, queues, strict=True):
            if worker.done():
                worker.result()  # surface a write error instead of waiting forever
            await q.put(item)

    try:
        pending: list[bytes] = []
        size = 0
        async for chunk in chunks:
            pending.append(chunk)
            size += len(chunk)
            sink.size += len(chunk)
            if size >= BUFFER:
                await put(pending)
                pending, size = [], 0
        if pending:
            await put(pending)
        await put(None)
        for worker in workers:
            await worker
    finally:
        for worker in workers:
            if not worker.done():
                worker.cancel()
        for worker in workers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await worker


async def prefetch(chunks: AsyncIterator[bytes], limit: int = BUFFER) -> tuple[list[bytes], bool]:
    """Read up to about `limit` bytes of `chunks`; also says whether the stream has ended.

    Small bodies (most objects in practice) are then hashed and written in one thread hop
    instead of going through the pipeline's queues and workers.
    """
    head: list[bytes] = []
    size = 0
    while size < limit:
        try:
            chunk = await anext(chunks)
        except StopAsyncIteration:
            return head, True
        head.append(chunk)
        size += len(chunk)
    return head, False


async def chain(head: Sequence[bytes], rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in head:
        yield chunk
    async for chunk in rest:
        yield chunk


def absorb_all(sink: HashingSink, bufs: Sequence[bytes]) -> None:
    """The whole (small) stream through every stage of `sink`, in the calling thread."""
    for stage in sink._stages:
        stage(bufs)
    sink.size += sum(len(b) for b in bufs)
