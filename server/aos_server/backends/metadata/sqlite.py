"""SQLite MetadataStore (the embedded default): WAL, one writer, a separate reader, migrations."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from .base import MetadataSession, MetadataStore
from .rows import Row
from .search_sqlite import SqliteSearch
from .sql import SQLSession, UniqueViolation
from .sqlite_thread import SqliteThread

T = TypeVar("T")

MIGRATIONS = "aos_server.backends.metadata.migrations"


def migrations(dialect: str) -> list[tuple[int, str]]:
    """(version, SQL script) pairs shipped in the package, ascending."""
    folder = resources.files(MIGRATIONS).joinpath(dialect)
    out = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            out.append((int(entry.name.split("_", 1)[0]), entry.read_text()))
    return sorted(out)


class _Conn:
    """`SQLConnection` over one `SqliteThread`.

    On a write session's connection (`pipelined`), `write()` queues its statement without
    waiting; the thread runs it in order, and its error (if any) is raised at the next statement
    the session waits for, or at `flush()`, its end. The session fails either way and its
    savepoint is rolled back, so a later raise changes only where the error is seen.
    """

    def __init__(self, db: SqliteThread, *, pipelined: bool = False) -> None:
        self.db = db
        self.pipelined = pipelined
        self._pending: list[tuple[asyncio.Future[int], Unique]] = []

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self._settle(self.db.execute(sql, params))

    async def write(self, sql: str, params: Sequence[Any] = (), *, unique: Unique = None) -> None:
        fut = self.db.execute(sql, params)
        if not self.pipelined:
            await self._settle(fut, unique)
            return
        fut.add_done_callback(_consume)  # seen through `_settle`, or dropped with the session
        self._pending.append((fut, unique))

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        rows: list[Row] = await self._settle(self.db.fetchall(sql, params))
        return rows

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self._settle(self.db.fetchall(sql, params))
        return rows[0] if rows else None

    async def flush(self) -> None:
        """Wait for the queued writes; raise the first one's error."""
        await self._settle(None)

    async def _settle(self, fut: asyncio.Future[T] | None, unique: Unique = None) -> T:
        # The queued writes ran before `fut` (one thread, in order): their errors come first.
        pending, self._pending = self._pending, []
        if pending and fut is not None:
            fut.add_done_callback(_consume)
        for queued, on_unique in pending:
            await _checked(queued, on_unique)
        return await _checked(fut, unique) if fut is not None else None  # type: ignore[return-value]


Unique = Callable[[], Exception] | None


async def _checked(fut: asyncio.Future[T], unique: Unique) -> T:
    try:
        return await fut
    except sqlite3.IntegrityError as exc:
        if "UNIQUE" in str(exc):
            raise (unique() if unique is not None else UniqueViolation(str(exc))) from exc
        raise


def _consume(fut: asyncio.Future[Any]) -> None:
    if not fut.cancelled():
        fut.exception()


class SqliteSession(SqliteSearch, SQLSession):
    """The portable session plus what only SQLite has (FTS5 search)."""


class SqliteMetadataStore(MetadataStore):
    """Metadata in one SQLite file.

    Writes are serialised through one connection (`BEGIN IMMEDIATE`); reads use another, so a
    reader never sees a writer's uncommitted state. With `synchronous="FULL"` (the default) every
    commit is on disk before the API answers; "NORMAL" survives process crashes only.

    Group commit: write sessions that queue up behind each other share one transaction, each in
    a savepoint of its own (a failing session rolls back only itself), and one COMMIT, so
    concurrent writers pay for one fsync between them. A session returns only once the commit
    that holds it is durable; when that commit fails, every session in it fails.
    """

    def __init__(self, path: Path | str, *, synchronous: str = "FULL") -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError("synchronous must be FULL or NORMAL")
        self.synchronous = synchronous
        self.path = str(path)
        self._writer: SqliteThread | None = None
        self._reader: SqliteThread | None = None
        self._lock = asyncio.Lock()
        self._queued = 0  # write sessions waiting for the lock
        self._batch: asyncio.Future[None] | None = None  # the open group transaction
        self._commit_task: asyncio.Task[None] | None = None

    async def _connect(self) -> SqliteThread:
        db = SqliteThread(
            self.path,
            [
                "journal_mode = WAL",
                f"synchronous = {self.synchronous}",
                "busy_timeout = 10000",
                "foreign_keys = OFF",
            ],
        )
        await db.open()
        return db

    async def open(self) -> None:
        if self.path != ":memory:":
            # SECURITY: a directory made here is private (0700), like the data directory.
            await asyncio.to_thread(
                Path(self.path).parent.mkdir, mode=0o700, parents=True, exist_ok=True
            )
        self._writer = await self._connect()
        await self._migrate(self._writer)
        # In-memory databases are private to a connection: share the writer.
        self._reader = self._writer if self.path == ":memory:" else await self._connect()

    async def _migrate(self, db: SqliteThread) -> None:
        await db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
            " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        done = {row[0] for row in await db.fetchall("SELECT version FROM schema_migrations")}
        for version, script in await asyncio.to_thread(migrations, "sqlite"):
            if version in done:
                continue
            await db.script(
                f"BEGIN IMMEDIATE;\n{script}\n"
                f"INSERT INTO schema_migrations (version) VALUES ({version});\nCOMMIT;"
            )

    async def close(self) -> None:
        if self._writer is not None:
            async with self._lock:
                if self._batch is not None:
                    await self._commit(self._writer)
        for db in {id(d): d for d in (self._reader, self._writer) if d is not None}.values():
            await db.close()
        self._reader = self._writer = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[MetadataSession]:
        if self._reader is None:
            raise RuntimeError("the metadata store is not open")
        yield SqliteSession(_Conn(self._reader))

    @asynccontextmanager
    async def write(self) -> AsyncIterator[MetadataSession]:
        db = self._writer
        if db is None:
            raise RuntimeError("the metadata store is not open")
        self._queued += 1
        try:
            await self._lock.acquire()
        finally:
            self._queued -= 1
        try:
            if self._batch is None:
                await asyncio.shield(db.execute("BEGIN IMMEDIATE"))
                self._batch = asyncio.get_running_loop().create_future()
                # A batch whose commit fails with nobody left waiting must not warn.
                self._batch.add_done_callback(_consume)
            batch = self._batch
            conn = _Conn(db, pipelined=True)
            await conn.write("SAVEPOINT session")
            try:
                yield SqliteSession(conn)
                await asyncio.shield(conn.flush())
            except BaseException:
                # Shielded: a cancelled request must still undo its own part (queued after
                # whatever the session had queued, so it undoes that too).
                await asyncio.shield(db.execute("ROLLBACK TO session"))
                await asyncio.shield(db.execute("RELEASE session"))
                raise
            await asyncio.shield(db.execute("RELEASE session"))
        finally:
            try:
                await self._end_turn(db)
            finally:
                self._lock.release()
        await asyncio.shield(batch)

    async def _end_turn(self, db: SqliteThread) -> None:
        """Commit now if nobody else is queued, else once the queued sessions have joined in."""
        if self._batch is None:
            return
        if self._queued == 0:
            await asyncio.shield(self._commit(db))
        elif self._commit_task is None:
            # Queued behind the waiting sessions (the lock is fair), so they join this batch;
            # owning the commit, it does not depend on any waiter staying alive.
            self._commit_task = asyncio.create_task(self._commit_when_turn(db))

    async def _commit_when_turn(self, db: SqliteThread) -> None:
        async with self._lock:
            self._commit_task = None
            if self._batch is not None:
                with contextlib.suppress(Exception):  # the sessions in the batch see the error
                    await self._commit(db)

    async def _commit(self, db: SqliteThread) -> None:
        batch, self._batch = self._batch, None
        if batch is None:
            return
        try:
            await db.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(Exception):
                await db.execute("ROLLBACK")
            if not batch.done():
                batch.set_exception(exc)
            raise
        if not batch.done():
            batch.set_result(None)
        self.events_committed()
