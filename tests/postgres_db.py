"""Throw-away PostgreSQL schemas for tests: one uniquely named schema per use, dropped after.

Tests point the store at it through `search_path` in the DSN, so parallel runs (and other
projects' tests) sharing the database never see each other's tables.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import asyncpg
import pytest

BASE_DSN = os.environ.get("AOS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def dsn_for(schema: str) -> str:
    return f"{BASE_DSN}{'&' if '?' in BASE_DSN else '?'}search_path={schema}"


async def _connect() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(BASE_DSN, timeout=5)
    except (OSError, TimeoutError) as exc:
        # Only an unreachable server skips; a refused login or a missing database fails.
        pytest.skip(f"PostgreSQL is unreachable at {BASE_DSN}: {exc}")


async def create_schema() -> str:
    """Create `aos_test_<random>` and return its name."""
    name = f"aos_test_{uuid.uuid4().hex[:16]}"
    conn = await _connect()
    try:
        await conn.execute(f'CREATE SCHEMA "{name}"')
    finally:
        await conn.close()
    return name


async def drop_schema(name: str) -> None:
    conn = await _connect()
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        await conn.close()


@asynccontextmanager
async def fresh_schema() -> AsyncIterator[str]:
    """A new schema for the block; yields its DSN and drops it with everything in it."""
    name = await create_schema()
    try:
        yield dsn_for(name)
    finally:
        await drop_schema(name)


@contextmanager
def fresh_schema_sync() -> Iterator[str]:
    """`fresh_schema` for synchronous fixtures (servers running in threads)."""
    name = asyncio.run(create_schema())
    try:
        yield dsn_for(name)
    finally:
        asyncio.run(drop_schema(name))
