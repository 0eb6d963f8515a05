"""One sqlite3 connection owned by one thread, fed by the event loop through a queue.

The same idea as aiosqlite, with two things it does not offer:

- A statement can be queued without waiting for it (`submit`). The writer uses that to pipeline
  a session's inserts: they run in order on the thread while the session goes on, and it waits
  once, at its next read or at its end, instead of one round trip per statement. Its writes are
  serialised, so every round trip spent waiting inside a write session is time every other
  writer waits too.
- A statement that has proven quick runs at once on the event loop's thread when the connection
  is idle (nothing queued, nothing running), instead of a round trip through the thread. A point
  lookup by key takes tens of microseconds; the round trip costs more CPU than that, plus a full
  lap of a busy event loop before the caller resumes. A statement runs on the thread the first
  two times its text is seen (the first run, which compiles it, is not judged), and for good
  once two of its runs took longer than `QUICK` (a listing over many rows, a search), so a slow
  query holds the loop at most twice; one slow run alone may be a garbage collection. Runs are
  timed in the running thread's CPU time: wall time would count the waits for the GIL, which
  under load exceed any statement's own cost. Statements that wait on the disk or on locks by
  nature (BEGIN, COMMIT, ROLLBACK, scripts) always go to the thread.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
_Job = tuple["asyncio.Future[Any]", Callable[[], Any]]
_STOP = object()

# A statement whose runs all took less than this may run on the event loop's thread.
QUICK = 0.001
# Slow runs after which a statement always goes to the thread.
STRIKES = 2
# Statement texts remembered (texts built with a variable number of parameters are many).
_MAX_TEXTS = 4096
_ALWAYS_THREAD = ("BEGIN", "COMMIT", "ROLLBACK", "END")


class SqliteThread:
    """A sqlite3 connection in a thread of its own; every call runs there, in queue order,
    except quick statements on an idle connection, which run in place (`inline`)."""

    def __init__(self, path: str, pragmas: Sequence[str], *, inline: bool = True) -> None:
        self.path = path
        self.pragmas = list(pragmas)
        self.inline = inline
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._conn: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Jobs queued or running on the thread; counted down on the loop once a job's result
        # is back, so zero means the thread does not touch the connection.
        self._busy = 0
        self._seen: set[str] = set()  # texts run once (a first run is not judged)
        self._quick: set[str] = set()  # texts whose runs were all quick
        self._strikes: dict[str, int] = {}  # slow runs per text
        self._slow: set[str] = set()  # texts with `STRIKES` slow runs: never inline again

    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(
            target=self._serve, args=(self._loop,), name="aos-sqlite", daemon=True
        )
        self._thread.start()
        self._conn = await self.call(self._connect)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        for pragma in self.pragmas:
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def _serve(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            fut, job = self._jobs.get()
            try:
                result, ok = job(), True
            except BaseException as exc:  # handed to the waiter, whatever it is
                result, ok = exc, False
            loop.call_soon_threadsafe(self._finished, fut, ok, result)
            if result is _STOP:
                return

    def _finished(self, fut: asyncio.Future[Any], ok: bool, value: Any) -> None:
        self._busy -= 1
        if fut.done():  # the waiter was cancelled; the statement ran anyway
            return
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(value)

    def submit(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Queue `fn(*args)` to run on the connection's thread; its future resolves after."""
        if self._loop is None:
            raise RuntimeError("the database connection is not open")
        fut: asyncio.Future[T] = self._loop.create_future()
        self._busy += 1
        self._jobs.put((fut, lambda: fn(*args)))
        return fut

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        return await self.submit(fn, *args)

    # The statements (`conn` is only ever touched by one thread at a time).
    def execute(self, sql: str, params: Sequence[Any] = ()) -> asyncio.Future[int]:
        return self._statement(_execute, sql, params)

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> asyncio.Future[list[Any]]:
        return self._statement(_fetchall, sql, params)

    def script(self, sql: str) -> asyncio.Future[None]:
        return self.submit(_script, self._connection(), sql)

    def _statement(
        self, fn: Callable[[sqlite3.Connection, str, Sequence[Any]], T], sql: str, params: Any
    ) -> asyncio.Future[T]:
        conn = self._connection()
        if self._busy == 0 and sql in self._quick and self._loop is not None:
            return self._run_inline(self._loop, fn, conn, sql, params)
        if not self.inline or sql in self._slow or sql.startswith(_ALWAYS_THREAD):
            return self.submit(fn, conn, sql, params)
        return self.submit(self._timed_run, fn, conn, sql, params)

    def _run_inline(
        self,
        loop: asyncio.AbstractEventLoop,
        fn: Callable[[sqlite3.Connection, str, Sequence[Any]], T],
        conn: sqlite3.Connection,
        sql: str,
        params: Any,
    ) -> asyncio.Future[T]:
        """Run a quick statement here, on the loop's thread (the connection is idle)."""
        fut: asyncio.Future[T] = loop.create_future()
        start = time.thread_time()
        try:
            fut.set_result(fn(conn, sql, params))
        except BaseException as exc:  # the caller awaits it like any other result
            fut.set_exception(exc)
        self._timed(sql, time.thread_time() - start)
        return fut

    def _timed_run(
        self, fn: Callable[[sqlite3.Connection, str, Sequence[Any]], T], conn: Any, sql: str, p: Any
    ) -> T:
        start = time.thread_time()
        try:
            return fn(conn, sql, p)
        finally:
            # The loop's thread reads these sets meanwhile: each set operation is atomic.
            self._timed(sql, time.thread_time() - start)

    def _timed(self, sql: str, seconds: float) -> None:
        if sql not in self._seen:  # a first run pays for compiling the statement: not judged
            if len(self._seen) >= _MAX_TEXTS:
                self._seen.clear()
            self._seen.add(sql)
            return
        if seconds < QUICK:
            if sql not in self._slow:
                if len(self._quick) >= _MAX_TEXTS:
                    self._quick.clear()
                self._quick.add(sql)
            return
        # One slow run may be a garbage collection or a preempted thread; two are the query.
        strikes = self._strikes.get(sql, 0) + 1
        if len(self._strikes) >= _MAX_TEXTS:
            self._strikes.clear()
        self._strikes[sql] = strikes
        if strikes >= STRIKES:
            self._quick.discard(sql)
            if len(self._slow) >= _MAX_TEXTS:
                self._slow.clear()
            self._slow.add(sql)

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
