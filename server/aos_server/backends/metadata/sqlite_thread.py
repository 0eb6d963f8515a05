"""One sqlite3 connection owned by one thread, fed by the event loop through a queue.

The same idea as aiosqlite, with one thing it does not offer: a statement can be queued without
waiting for it (`submit`). The writer uses that to pipeline a session's inserts: they run in
order on the thread while the session goes on, and it waits once, at its next read or at its end,
instead of one round trip per statement. Its writes are serialised, so every round trip spent
waiting inside a write session is time every other writer waits too.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
_Job = tuple["asyncio.Future[Any] | None", Callable[[], Any]]
_STOP = object()


def _resolve(fut: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if fut.done():  # the waiter was cancelled; the statement ran anyway
        return
    if ok:
        fut.set_result(value)
    else:
        fut.set_exception(value)


def _serve(jobs: queue.SimpleQueue[_Job], loop: asyncio.AbstractEventLoop) -> None:
    while True:
        fut, job = jobs.get()
        try:
            result, ok = job(), True
        except BaseException as exc:  # handed to the waiter, whatever it is
            result, ok = exc, False
        if fut is not None:
            loop.call_soon_threadsafe(_resolve, fut, ok, result)
        if result is _STOP:
            return


class SqliteThread:
    """A sqlite3 connection in a thread of its own; every call runs there, in queue order."""

    def __init__(self, path: str, pragmas: Sequence[str]) -> None:
        self.path = path
        self.pragmas = list(pragmas)
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._conn: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(
            target=_serve, args=(self._jobs, self._loop), name="aos-sqlite", daemon=True
        )
        self._thread.start()
        self._conn = await self.call(self._connect)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        for pragma in self.pragmas:
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def submit(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Queue `fn(*args)` to run on the connection's thread; its future resolves after."""
        if self._loop is None:
            raise RuntimeError("the database connection is not open")
        fut: asyncio.Future[T] = self._loop.create_future()
        self._jobs.put((fut, lambda: fn(*args)))
        return fut

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        return await self.submit(fn, *args)

    # The statements, as run on the thread (`conn` is only ever touched there).
    def execute(self, sql: str, params: Sequence[Any] = ()) -> asyncio.Future[int]:
        return self.submit(_execute, self._connection(), sql, params)

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> asyncio.Future[list[Any]]:
        return self.submit(_fetchall, self._connection(), sql, params)

    def script(self, sql: str) -> asyncio.Future[None]:
        return self.submit(_script, self._connection(), sql)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the database connection is not open")
        return self._conn

    async def close(self) -> None:
        if self._thread is None:
            return
        conn, self._conn = self._conn, None

        def stop() -> object:
            if conn is not None:
                conn.close()
            return _STOP

        await self.call(stop)
        self._thread = None


def _execute(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> int:
    return conn.execute(sql, params).rowcount


def _fetchall(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[Any]:
    return conn.execute(sql, params).fetchall()


def _script(conn: sqlite3.Connection, sql: str) -> None:
    conn.executescript(sql)
