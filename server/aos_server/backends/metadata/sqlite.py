"""SQLite MetadataStore (the embedded default): WAL, one writer, a separate reader, migrations."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from .base import MetadataSession, MetadataStore
from .sql import Row, SQLSession, UniqueViolation

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

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            cur = await self.db.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc):
                raise UniqueViolation(str(exc)) from exc
            raise
        count = cur.rowcount
        await cur.close()
        return count

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self.db.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        try:
            async with self.db.execute(sql, params) as cur:
                row = await cur.fetchone()
                return row
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc):
                raise UniqueViolation(str(exc)) from exc
            raise


class SqliteMetadataStore(MetadataStore):
    """Metadata in one SQLite file.

    Writes are serialised through one connection (`BEGIN IMMEDIATE`); reads use another, so a
    reader never sees a writer's uncommitted state. With `synchronous="FULL"` (the default) every
    commit is on disk before the API answers; "NORMAL" survives process crashes only.
    """

    def __init__(self, path: Path | str, *, synchronous: str = "FULL") -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError("synchronous must be FULL or NORMAL")
        self.synchronous = synchronous
        self.path = str(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

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
            await asyncio.to_thread(Path(self.path).parent.mkdir, parents=True, exist_ok=True)
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
        for db in {id(d): d for d in (self._reader, self._writer) if d is not None}.values():
            await db.close()
        self._reader = self._writer = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[MetadataSession]:
        if self._reader is None:
            raise RuntimeError("the metadata store is not open")
        yield SQLSession(_Conn(self._reader))

    @asynccontextmanager
    async def write(self) -> AsyncIterator[MetadataSession]:
        db = self._writer
        if db is None:
            raise RuntimeError("the metadata store is not open")
        async with self._lock:
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield SQLSession(_Conn(db))
            except BaseException:
                # Shielded: a cancelled request must still roll back before the lock is freed.
                await asyncio.shield(db.execute("ROLLBACK"))
                raise
            await asyncio.shield(db.execute("COMMIT"))
