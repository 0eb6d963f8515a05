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


def test_fast_resource_construction_matches_pydantic() -> None:
    """rows.py builds listing rows without model_construct's per-field loop; the result must
    be indistinguishable from what pydantic builds (this guards against pydantic changes)."""
    from aos_fs.models import Kind, Resource
    from aos_server.backends.metadata.rows import _constructed
    from tests.contracts.metadata_store import make_resource

    source = make_resource(Kind.OBJECT, "x.csv", revision=1, size=3, title="t")
    values = {name: getattr(source, name) for name in Resource.model_fields}
    fast, slow = _constructed(dict(values)), Resource.model_construct(**values)
    assert fast == slow
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_copy(update={"title": "u"}).title == "u"
