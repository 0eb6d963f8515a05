"""Zero-copy file sending for event loops without `loop.sendfile` (uvloop).

asyncio's own loop sends a file with `os.sendfile` from the loop; uvloop does not implement it,
and the fallback copies every byte through Python. Here a worker thread runs `os.sendfile` on a
duplicate of the socket's descriptor while the socket keeps up. The duplicate keeps the socket
alive for the thread even if the loop closes the connection meanwhile, so the thread can never
write into a descriptor number that has since been given to another connection (the file's
descriptor is duplicated for the same reason). When the client
stops reading for `STALL` seconds the thread hands back what is left, and the caller sends it
through the transport, where a slow reader costs no thread.
"""

from __future__ import annotations

import asyncio
import os
import select
from concurrent.futures import ThreadPoolExecutor

STALL = 0.5  # seconds a socket may stay full before the rest goes through the loop
_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="aos-sendfile")


def _send(sock_fd: int, file_fd: int, offset: int, count: int) -> int:
    """Send up to `count` bytes; return how many went (stops early on a stalled reader)."""
    sent = 0
    poller = select.poll()
    poller.register(sock_fd, select.POLLOUT)
    while sent < count:
        try:
            n = os.sendfile(sock_fd, file_fd, offset + sent, min(count - sent, 1 << 30))
        except BlockingIOError:
            if not poller.poll(STALL * 1000):
                break  # the reader is slow: let the loop feed it
            continue
        if n == 0:  # the file ended early
            break
        sent += n
    return sent


async def sendfile_in_thread(
    transport: asyncio.BaseTransport, file_fd: int, offset: int, count: int
) -> int:
    """Send `count` bytes of `file_fd` from `offset` on `transport`'s socket; returns the number
    sent (less than `count` when the reader stalled or the file is short). Anything the
    transport had buffered goes first."""
    sock = transport.get_extra_info("socket")
    buffered = getattr(transport, "get_write_buffer_size", None)  # uvloop's are no WriteTransport
    if sock is None or buffered is None:
        return 0
    # The response headers may still sit in the transport's buffer: they must go first.
    for _ in range(1000):
        if buffered() == 0:
            break
        await asyncio.sleep(0.001)
    else:
        return 0
    # SECURITY: the thread works on duplicates, closed only when it is done (even if this task
    # is cancelled and the caller closes the file and the loop the socket): a number it holds
    # can never come to mean another client's socket or another file.
    sock_dup, file_dup = os.dup(sock.fileno()), os.dup(file_fd)
    job = _POOL.submit(_send, sock_dup, file_dup, offset, count)

    def release(_: object) -> None:
        os.close(sock_dup)
        os.close(file_dup)

    job.add_done_callback(release)
    return await asyncio.wrap_future(job)
