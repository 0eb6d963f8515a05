"""Per-loop connections of the filesystem (API client + s3fs), and their cleanup."""

from __future__ import annotations

import asyncio
import contextlib
import errno
from dataclasses import dataclass

import s3fs  # type: ignore[import-untyped]

from .client import AsyncAOSClient
from .paths import AOSPath


@dataclass
class Conn:
    """Clients bound to one event loop in one process."""

    loop: asyncio.AbstractEventLoop
    pid: int
    api: AsyncAOSClient
    s3: s3fs.S3FileSystem


def not_found(p: AOSPath | str, why: str = "") -> FileNotFoundError:
    return FileNotFoundError(
        errno.ENOENT, f"No such file or directory: aos://{p}" + (f" ({why})" if why else "")
    )


def close(conn: Conn) -> None:
    """Close a garbage-collected filesystem's connections on their loop, if it still runs."""
    loop = conn.loop
    if loop.is_closed() or not loop.is_running():
        return

    async def shut() -> None:
        await conn.api.aclose()
        client = getattr(conn.s3, "_s3", None)
        if client is not None:
            await client.__aexit__(None, None, None)

    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        loop.create_task(shut())
        return
    # The coroutine is made on the loop's own thread, when (and only if) the loop runs the
    # callback: a loop that stops first (interpreter exit) leaves no never-awaited coroutine
    # behind, whose warning at shutdown can deadlock on the import lock.
    with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
        loop.call_soon_threadsafe(lambda: loop.create_task(shut()))
