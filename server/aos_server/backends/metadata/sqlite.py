"""SQLite MetadataStore (the embedded default): WAL, one writer, a separate reader, migrations."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from .base import MetadataSession, MetadataStore
from .rows import Row
from .search_sqlite import SqliteSearch
from .sql import SQLSession, UniqueViolation

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
    """`SQLConnection` over one aiosqlite connection."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    # One thread hop per statement: aiosqlite's cursor API costs a hop for execute, one for each
    # fetch and one for close, and those hops are most of the time a small query takes.
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            cur = await self.db.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc):
                raise UniqueViolation(str(exc)) from exc
            raise
        # The statement has run to completion; the cursor is released when collected.
        return int(cur.rowcount)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self.db.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        try:
            rows = await self.db.execute_fetchall(sql, params)
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc):
                raise UniqueViolation(str(exc)) from exc
            raise
        for row in rows:
            return row
        return None


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
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._queued = 0  # write sessions waiting for the lock
        self._batch: asyncio.Future[None] | None = None  # the open group transaction
        self._commit_task: asyncio.Task[None] | None = None

    async def _connect(self) -> aiosqlite.Connection:
        db = await aiosqlite.connect(self.path, isolation_level=None)
        db.row_factory = sqlite3.Row
        for pragma in (
            "journal_mode = WAL",
            f"synchronous = {self.synchronous}",
            "busy_timeout = 10000",
            "foreign_keys = OFF",
        ):
            await db.execute(f"PRAGMA {pragma}")
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

    async def _migrate(self, db: aiosqlite.Connection) -> None:
        await db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
            " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        async with db.execute("SELECT version FROM schema_migrations") as cur:
            done = {row[0] for row in await cur.fetchall()}
        for version, script in await asyncio.to_thread(migrations, "sqlite"):
            if version in done:
                continue
            await db.executescript(
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
            await asyncio.shield(db.execute("SAVEPOINT session"))
            try:
                yield SqliteSession(_Conn(db))
            except BaseException:
                # Shielded: a cancelled request must still undo its own part.
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

    async def _end_turn(self, db: aiosqlite.Connection) -> None:
        """Commit now if nobody else is queued, else once the queued sessions have joined in."""
        if self._batch is None:
            return
        if self._queued == 0:
            await asyncio.shield(self._commit(db))
        elif self._commit_task is None:
            # Queued behind the waiting sessions (the lock is fair), so they join this batch;
            # owning the commit, it does not depend on any waiter staying alive.
            self._commit_task = asyncio.create_task(self._commit_when_turn(db))

    async def _commit_when_turn(self, db: aiosqlite.Connection) -> None:
        async with self._lock:
            self._commit_task = None
            if self._batch is not None:
                with contextlib.suppress(Exception):  # the sessions in the batch see the error
                    await self._commit(db)

    async def _commit(self, db: aiosqlite.Connection) -> None:
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


def _consume(fut: asyncio.Future[None]) -> None:
    if not fut.cancelled():
        fut.exception()
