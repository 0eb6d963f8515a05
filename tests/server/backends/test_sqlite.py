"""The SQLite metadata store against the shared contract."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aos_server.backends.metadata.sqlite import SqliteMetadataStore
from tests.contracts.metadata_store import MetadataStoreContract


class TestSqlite(MetadataStoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[SqliteMetadataStore]:
        store = SqliteMetadataStore(tmp_path / "aos.db")
        await store.open()
        yield store
        await store.close()


async def test_migrations_are_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        store = SqliteMetadataStore(tmp_path / "aos.db")
        await store.open()
        async with store.read() as s:
            assert await s.list_licenses() == []
        await store.close()
