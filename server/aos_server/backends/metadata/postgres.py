"""PostgreSQL MetadataStore (scale-out): asyncpg pool, native types, migrations under a lock.

The session logic is the portable one in `sql.py`; this module only adapts it: `?` placeholders
become `$n` (translated once per statement text), unique violations become `UniqueViolation`,
and two connection codecs let the shared row mapping keep speaking its own forms (timestamps as
fixed-width UTC ISO text, booleans as integers) while the columns are TIMESTAMPTZ and BOOLEAN.

Several processes may share one database: each opens its own pool, migrations run under a
session advisory lock, and the event log is appended under a transaction advisory lock so that
sequence order is commit order (a reader paging by sequence number never skips a late commit).
The schema is the first one on the connection's `search_path`; set it in the DSN
(`postgresql://host/db?search_path=aos`) to keep several deployments in one database.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import asyncpg

from ...domain.ids import new_id
from ...errors import Busy
from .base import MetadataSession, MetadataStore
from .rows import Row, ts
from .search_postgres import PostgresSearch
from .sql import SQLSession, UniqueViolation
from .sqlite import migrations

_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_PLACEHOLDER = re.compile(r"\?")


@lru_cache(maxsize=4096)
def dollar_placeholders(sql: str) -> str:
    """Rewrite `?` placeholders as `$1, $2, …`, leaving quoted literals alone."""
    parts = sql.split("'")  # even indexes lie outside string literals ('' toggles twice)
    counter = 0

    def number(_: re.Match[str]) -> str:
        nonlocal counter
        counter += 1
        return f"${counter}"

    for i in range(0, len(parts), 2):
        parts[i] = _PLACEHOLDER.sub(number, parts[i])
    return "'".join(parts)


def _encode_ts(value: str | datetime) -> tuple[int]:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        raise ValueError(f"naive timestamp {value!r}: the store keeps UTC instants only")
    return ((when - _PG_EPOCH) // _MICROSECOND,)


def _decode_ts(value: tuple[int]) -> str | None:
    return ts(_PG_EPOCH + value[0] * _MICROSECOND)


async def _init_connection(conn: asyncpg.Connection) -> None:
    """Codecs that keep the shared row mapping's forms over PostgreSQL's native types."""
    await conn.set_type_codec(
        "timestamptz",
        schema="pg_catalog",
        encoder=_encode_ts,
        decoder=_decode_ts,
        format="tuple",
    )
    await conn.set_type_codec(
        "bool",
        schema="pg_catalog",
        encoder=lambda v: "t" if v else "f",
        decoder=lambda v: v == "t",
        format="text",
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Skip the pool's RESET ALL round trip on release: sessions never change session state
    (an open transaction is still rolled back by the pool before this runs)."""


def _count(status: str) -> int:
    """Rows touched, from a command tag such as `UPDATE 3` or `INSERT 0 1`."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def _busy(exc: Exception) -> Busy:
    # Two writers can wait for each other: one holds the event lock (taken at its first
    # event) and waits on a row the other inserted before asking for that lock. PostgreSQL
    # aborts one of them; the transaction is retried where that is safe, else the client is
    # told to try again (503; S3 clients retry SlowDown by themselves).
    return Busy("The database was busy with a conflicting write; nothing was stored, try again")


class _Conn:
    """`SQLConnection` over one asyncpg connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return _count(await self.conn.execute(dollar_placeholders(sql), *params))
        except asyncpg.UniqueViolationError as exc:
            raise UniqueViolation(str(exc)) from exc
        except asyncpg.DeadlockDetectedError as exc:
            raise _busy(exc) from exc

    async def write(
        self,
        sql: str,
        params: Sequence[Any] = (),
        *,
        unique: Callable[[], Exception] | None = None,
    ) -> None:
        try:
            await self.execute(sql, params)
        except UniqueViolation as exc:
            if unique is None:
                raise
            raise unique() from exc

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            return list(await self.conn.fetch(dollar_placeholders(sql), *params))
        except asyncpg.UniqueViolationError as exc:
            raise UniqueViolation(str(exc)) from exc
        except asyncpg.DeadlockDetectedError as exc:
            raise _busy(exc) from exc

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        try:
            row: Row | None = await self.conn.fetchrow(dollar_placeholders(sql), *params)
        except asyncpg.UniqueViolationError as exc:
            raise UniqueViolation(str(exc)) from exc
        except asyncpg.DeadlockDetectedError as exc:
            raise _busy(exc) from exc
        return row


class PostgresSession(PostgresSearch, SQLSession):
    """The portable session, plus full-text search (tsvector) and the lock that keeps event
    sequence order = commit order."""

    def __init__(self, conn: _Conn, event_lock: int) -> None:
        super().__init__(conn)
        self._pg = conn
        self._event_lock = event_lock

    async def _before_event(self) -> None:
        if not self.events_appended:
            # Identity values are handed out at insert time, not at commit: without this lock a
            # transaction could commit seq 7 after a reader has already moved past seq 8.
            try:
                await self._pg.conn.execute("SELECT pg_advisory_xact_lock($1)", self._event_lock)
            except asyncpg.DeadlockDetectedError as exc:
                raise _busy(exc) from exc


class PostgresMetadataStore(MetadataStore):
    """Metadata in PostgreSQL through an asyncpg connection pool.

    Reads run in REPEATABLE READ READ ONLY transactions (one consistent snapshot each); writes run
    in READ COMMITTED transactions whose integrity rests on the schema's unique constraints, as
    the services expect (a lost race surfaces as `AlreadyExists`).
    """

    def __init__(self, dsn: str, *, max_size: int = 10) -> None:
        self.dsn = dsn
        self.max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None
        self._event_lock = 0
        self._channel = ""
        self._origin = new_id()  # tells our own commit notifications from other processes'

    async def open(self) -> None:
        # asyncpg reads client files (~/.pgpass, the TLS files of sslmode=prefer) with blocking
        # calls while it connects. So every connection is made here, at start, and kept: the
        # pool neither grows nor expires connections while requests are served. The connects
        # run as tasks of their own: they are asyncpg's start-up I/O, not this process's.
        self._pool = await asyncio.ensure_future(
            asyncpg.create_pool(
                self.dsn,
                min_size=self.max_size,
                max_size=self.max_size,
                max_inactive_connection_lifetime=0,
                init=_init_connection,
                reset=_keep_session,
            )
        )
        try:
            async with self._pool.acquire() as conn:
                schema = await conn.fetchval("SELECT current_schema()")
                if schema is None:
                    raise RuntimeError(
                        "No schema of the connection's search_path exists; create it "
                        "(CREATE SCHEMA …) or fix search_path in the metadata URL"
                    )
                self._event_lock = await conn.fetchval(
                    "SELECT hashtext('aos-events:' || $1::text)::bigint", schema
                )
                await self._migrate(conn, schema)
            # Other processes' commits wake this process's event subscribers too.
            self._channel = f"aos_events:{schema}"
            self._listener = await asyncio.ensure_future(asyncpg.connect(self.dsn))
            await self._listener.add_listener(self._channel, self._notified)
        except BaseException:
            await self.close()
            raise

    async def _migrate(self, conn: asyncpg.Connection, schema: str) -> None:
        # Several processes may start at once: the first applies, the others wait and find
        # nothing left to do. The lock is per schema, so deployments sharing a database don't
        # wait on each other.
        lock = await conn.fetchval("SELECT hashtext('aos-migrations:' || $1::text)::bigint", schema)
        await conn.execute("SELECT pg_advisory_lock($1)", lock)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for version, script in await asyncio.to_thread(migrations, "postgres"):
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(script)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version) VALUES ($1)", version
                    )
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", lock)

    def _notified(self, _conn: object, _pid: int, _channel: str, origin: str) -> None:
        if origin != self._origin:
            self.events_committed()

    async def close(self) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            await listener.close()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    def _require_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the metadata store is not open")
        return self._pool

    @asynccontextmanager
    async def read(self) -> AsyncIterator[MetadataSession]:
        async with self._require_pool().acquire() as conn:
            tr = conn.transaction(isolation="repeatable_read", readonly=True)
            await tr.start()
            try:
                yield PostgresSession(_Conn(conn), self._event_lock)
            finally:
                # Shielded: the connection goes back to the pool only once it is idle again.
                await asyncio.shield(tr.rollback())

    @asynccontextmanager
    async def write(self) -> AsyncIterator[MetadataSession]:
        async with self._require_pool().acquire() as conn:
            tr = conn.transaction()
            await tr.start()
            session = PostgresSession(_Conn(conn), self._event_lock)
            try:
                yield session
                if session.events_appended:
                    # Delivered to the listeners only when (and if) the transaction commits.
                    await conn.execute("SELECT pg_notify($1, $2)", self._channel, self._origin)
            except BaseException:
                # Shielded: a cancelled request must still roll back before the connection
                # returns to the pool.
                await asyncio.shield(tr.rollback())
                raise
            await asyncio.shield(tr.commit())
        if session.events_appended:
            self.events_committed()
