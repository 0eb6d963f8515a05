"""The governance part of the metadata store, against SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aos_fs.models import Hashes, Kind, ObjectVersion, Status
from aos_server.backends.metadata.base import MetadataStore
from aos_server.backends.metadata.governance import QuotaRecord, RuleRecord
from aos_server.backends.metadata.sqlite import SqliteMetadataStore, migrations
from tests.contracts.metadata_store import add_child, make_resource
from tests.postgres_db import fresh_schema

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MetadataStore]:
    if request.param == "sqlite":
        sqlite = SqliteMetadataStore(tmp_path / "aos.db")
        await sqlite.open()
        yield sqlite
        await sqlite.close()
        return
    from aos_server.backends.metadata.postgres import PostgresMetadataStore

    async with fresh_schema() as dsn:
        pg = PostgresMetadataStore(dsn, max_size=2)
        await pg.open()
        yield pg
        await pg.close()


async def test_blob_registry_finds_content_by_form_and_project(store: MetadataStore) -> None:
    async with store.write() as s:
        await s.register_blob("K1", "ab" * 32, 10, sealed=False, project_id="P1", when=NOW)
        await s.register_blob("K1", "ab" * 32, 10, sealed=False, project_id="P1", when=NOW)
        await s.register_blob("K2", "cd" * 32, 10, sealed=True, project_id="P1", when=NOW)
    async with store.read() as s:
        assert await s.find_blob("ab" * 32, 10, sealed=False, project_id=None) == "K1"
        assert await s.find_blob("ab" * 32, 11, sealed=False, project_id=None) is None
        assert await s.find_blob("ab" * 32, 10, sealed=True, project_id=None) is None
        assert await s.find_blob("cd" * 32, 10, sealed=True, project_id="P1") == "K2"
        assert await s.find_blob("cd" * 32, 10, sealed=True, project_id="P2") is None
        assert await s.stored_blobs() == (2, 20)


async def test_usage_follows_revisions_deletes_and_restores(store: MetadataStore) -> None:
    async with store.write() as s:
        await s.charge_object("O1", "P", "U", 100, new=True)
        await s.charge_object("O1", "P", "U", 50, new=False)  # a second revision
        await s.charge_object("O2", "P", "V", 7, new=False)  # not accounted yet: starts now
    async with store.read() as s:
        assert await s.usage("PROJECT", "P") == (157, 2)
        assert await s.usage("USER", "U") == (150, 1)
        assert await s.usage("USER", "nobody") == (0, 0)
    async with store.write() as s:
        await s.set_object_live("O1", False)
        await s.set_object_live("O1", False)  # idempotent
    async with store.read() as s:
        assert await s.usage("PROJECT", "P") == (7, 1)
        assert await s.usage("USER", "U") == (0, 0)
    async with store.write() as s:
        await s.set_object_live("O1", True)
    async with store.read() as s:
        assert await s.usage("PROJECT", "P") == (157, 2)


async def test_limits_come_with_their_usage(store: MetadataStore) -> None:
    async with store.write() as s:
        await s.charge_object("O1", "P", "U", 100, new=True)
        await s.set_quota(QuotaRecord("PROJECT", "P", 1000, None, "admin", NOW))
        await s.set_quota(QuotaRecord("USER", "U", None, 5, "admin", NOW))
        await s.set_quota(QuotaRecord("USER", "other", 1, 1, "admin", NOW))
    async with store.read() as s:
        got = [
            (x.scope, x.max_bytes, x.max_objects, x.bytes, x.objects)
            for x in await s.limits("P", "U")
        ]
        assert got == [("PROJECT", 1000, None, 100, 1), ("USER", None, 5, 100, 1)]
        assert await s.limits("Q", None) == []


async def test_quotas_are_set_replaced_and_removed(store: MetadataStore) -> None:
    quota = QuotaRecord("PROJECT", "P", 1 << 40, None, "admin", NOW)
    async with store.write() as s:
        await s.set_quota(quota)
        await s.set_quota(QuotaRecord("PROJECT", "P", 5, 3, "admin", NOW))
    async with store.read() as s:
        got = await s.get_quota("PROJECT", "P")
        assert got is not None and (got.max_bytes, got.max_objects) == (5, 3)
        assert got.set_at == NOW
        assert await s.get_quota("USER", "P") is None
    async with store.write() as s:
        assert await s.delete_quota("PROJECT", "P") is True
        assert await s.delete_quota("PROJECT", "P") is False


async def test_rules_by_project_and_endpoint(store: MetadataStore) -> None:
    def rule(rid: str, project: str | None) -> RuleRecord:
        return RuleRecord(rid, project, project, f"r{rid}", "true", "m", "u", NOW)

    async with store.write() as s:
        for r in (rule("1", "P"), rule("2", None), rule("3", "Q")):
            await s.insert_rule(r)
    async with store.read() as s:
        assert [r.id for r in await s.rules_for_write("P")] == ["1", "2"]
        assert [r.id for r in await s.list_rules("P")] == ["1"]
        assert [r.id for r in await s.list_rules(None)] == ["2"]
        got = await s.get_rule("3")
        assert got is not None and got.created_at == NOW
    async with store.write() as s:
        assert await s.delete_rule("3") is True
        assert await s.get_rule("3") is None


def _backfill(dialect: str) -> list[str]:
    """The backfill statements of migration 008, as the migration runs them."""
    script = dict(migrations(dialect))[8]
    text = script.split("-- Backfill", 1)[1].split("\n", 1)[1]
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return [stmt.strip() for stmt in body.split(";") if stmt.strip()]


async def test_migration_backfills_usage_of_older_objects(store: MetadataStore) -> None:
    project = make_resource(Kind.PROJECT, "p")
    coll = make_resource(Kind.COLLECTION, "c")
    live = make_resource(Kind.OBJECT, "a", revision=2, created_by="U")
    gone = make_resource(Kind.OBJECT, "b", revision=1, created_by="U", deleted_at=NOW)
    empty = make_resource(Kind.OBJECT, "e", revision=0, created_by="U")
    async with store.write() as s:
        await s.insert_resource(project)
    await add_child(store, project, coll)
    for obj in (live, gone, empty):
        await add_child(store, coll, obj)
    async with store.write() as s:
        for obj, sizes in ((live, [100, 50]), (gone, [7])):
            for rev, size in enumerate(sizes, 1):
                version = ObjectVersion(
                    id=f"{obj.id}-{rev}",
                    object_id=obj.id,
                    revision=rev,
                    size=size,
                    content_type="x/y",
                    hashes=Hashes(),
                    etag="e",
                    status=Status.AVAILABLE,
                    created_at=NOW,
                )
                await s.insert_version(version, None)
        dialect = "sqlite" if isinstance(store, SqliteMetadataStore) else "postgres"
        for stmt in await asyncio.to_thread(_backfill, dialect):  # reads the migration file
            await s.c.execute(stmt)  # type: ignore[attr-defined]
    async with store.read() as s:
        assert await s.usage("PROJECT", project.id) == (150, 1)
        assert await s.usage("USER", "U") == (150, 1)
    async with store.write() as s:  # the deleted one comes back with its bytes on restore
        await s.set_object_live(gone.id, True)
    async with store.read() as s:
        assert await s.usage("PROJECT", project.id) == (157, 2)
