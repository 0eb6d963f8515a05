"""The PostgreSQL metadata store against the shared contract, each test in a schema of its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from aos_fs.models import Kind, License
from aos_server.backends.metadata.postgres import (
    PostgresMetadataStore,
    dollar_placeholders,
)
from aos_server.backends.metadata.sqlite import migrations
from aos_server.errors import Busy
from tests.contracts.metadata_store import (
    MetadataStoreContract,
    add_child,
    belongs,
    make_resource,
)
from tests.postgres_db import fresh_schema

pytestmark = pytest.mark.postgres


@pytest.fixture
async def dsn() -> AsyncIterator[str]:
    async with fresh_schema() as dsn:
        yield dsn


class TestPostgres(MetadataStoreContract):
    @pytest.fixture
    async def store(self, dsn: str) -> AsyncIterator[PostgresMetadataStore]:
        store = PostgresMetadataStore(dsn, max_size=4)
        await store.open()
        yield store
        await store.close()


def test_placeholders_skip_literals() -> None:
    assert dollar_placeholders("SELECT ? WHERE a = '?' AND b = ?") == (
        "SELECT $1 WHERE a = '?' AND b = $2"
    )
    assert dollar_placeholders("x = 'it''s ?' OR y IN (?, ?)") == "x = 'it''s ?' OR y IN ($1, $2)"


async def test_migrations_are_idempotent_and_recorded(dsn: str) -> None:
    for _ in range(2):
        async with PostgresMetadataStore(dsn) as store, store.read() as s:
            assert await s.list_licenses() == []
    conn = await asyncpg.connect(dsn)
    try:
        versions = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")]
    finally:
        await conn.close()
    assert versions == [v for v, _ in await asyncio.to_thread(migrations, "postgres")]


async def test_many_processes_start_at_once(dsn: str) -> None:
    """Stores opening concurrently on an empty schema: one migrates, the others wait."""
    stores = [PostgresMetadataStore(dsn, max_size=2) for _ in range(5)]
    await asyncio.gather(*(s.open() for s in stores))
    try:
        async with stores[0].write() as s:
            await s.upsert_license(License(tag="X-1", name="x", url=""))
        for store in stores:
            async with store.read() as s:
                assert [lic.tag for lic in await s.list_licenses()] == ["X-1"]
    finally:
        await asyncio.gather(*(s.close() for s in stores))


async def test_event_appends_commit_in_sequence_order(dsn: str) -> None:
    """A second appender waits until the first commits, so no reader skips a late commit."""
    async with PostgresMetadataStore(dsn, max_size=4) as store:
        release = asyncio.Event()
        first_appended = asyncio.Event()

        async def slow_first() -> int:
            async with store.write() as s:
                seq = await s.append_event("test.first", None, None, {})
                first_appended.set()
                await release.wait()
            return seq

        async def second() -> int:
            async with store.write() as s:
                return await s.append_event("test.second", None, None, {})

        first = asyncio.create_task(slow_first())
        await first_appended.wait()
        follower = asyncio.create_task(second())
        await asyncio.sleep(0.2)
        assert not follower.done()
        async with store.read() as s:
            assert await s.read_events(after_seq=0, limit=10) == []
        release.set()
        a, b = await first, await follower
        assert a < b
        assert [e.type async for e in store.iter_events()] == ["test.first", "test.second"]


async def test_stats_are_plain_integers(dsn: str) -> None:
    async with PostgresMetadataStore(dsn) as store:
        project = make_resource(Kind.PROJECT, "stats")
        async with store.write() as s:
            await s.insert_resource(project)
        await add_child(store, project, make_resource(Kind.OBJECT, "o", size=5, revision=1))
        async with store.read() as s:
            stats = await s.stats(project.id)
        assert (stats.count, stats.size) == (1, 5)
        assert type(stats.size) is int


async def test_byte_order_listing_whatever_the_collation(dsn: str) -> None:
    async with PostgresMetadataStore(dsn) as store:
        project = make_resource(Kind.PROJECT, "collation")
        async with store.write() as s:
            await s.insert_resource(project)
        names = ["b", "B", "a", "_x", "a-b", "a.b", "Z"]
        for name in names:
            await add_child(store, project, make_resource(Kind.OBJECT, name))
        async with store.read() as s:
            listed = [r.name for r in await s.list_children(project.id)]
            prefixed = [r.name for r in await s.list_children(project.id, prefix="a")]
        assert listed == sorted(names)
        assert prefixed == ["a", "a-b", "a.b"]


async def test_missing_schema_is_a_clear_error() -> None:
    from tests.postgres_db import dsn_for

    store = PostgresMetadataStore(dsn_for("aos_test_does_not_exist"))
    with pytest.raises(RuntimeError, match="search_path"):
        await store.open()


async def test_commits_wake_event_subscribers_in_other_processes(dsn: str) -> None:
    async with (
        PostgresMetadataStore(dsn, max_size=2) as writer,
        PostgresMetadataStore(dsn, max_size=2) as other,
    ):
        woken = asyncio.Event()
        other.on_events_committed(woken.set)
        async with writer.write() as s:
            await s.upsert_license(License(tag="NO-EVENT", name="x", url=""))
        await asyncio.sleep(0.1)
        assert not woken.is_set()  # a commit without events wakes nobody
        async with writer.write() as s:
            await s.append_event("test.wake", None, None, {})
        await asyncio.wait_for(woken.wait(), 5)


async def test_open_and_sessions_keep_the_loop_free(dsn: str) -> None:
    from blockbuster import blockbuster_ctx

    with blockbuster_ctx(["aos_server"]):
        async with PostgresMetadataStore(dsn, max_size=2) as store:

            async def one() -> None:
                async with store.read() as s:
                    await s.list_licenses()
                    await asyncio.sleep(0.01)

            await asyncio.gather(*(one() for _ in range(6)))


async def test_several_processes_bootstrap_at_once(dsn: str) -> None:
    """Servers started together on one database all come up: the losers of the race to make
    the admin, its token and its S3 keys find them made instead of failing their start."""
    from aos_server.keyring import Keyring
    from aos_server.services.auth import AuthService

    keyring = Keyring(b"k" * 32)
    stores = [PostgresMetadataStore(dsn, max_size=2) for _ in range(4)]
    await asyncio.gather(*(s.open() for s in stores))
    try:
        results = await asyncio.gather(
            *(
                AuthService(store, keyring).bootstrap(
                    token="aos_shared-admin-token-0123456789",
                    access_key="AOSSHAREDKEY0000",
                    secret_key="shared-secret-0123456789abcdef",
                )
                for store in stores
            )
        )
        assert len({r.user.id for r in results}) == 1  # one admin for all
        actor = await AuthService(stores[0], keyring).authenticate(
            "aos_shared-admin-token-0123456789"
        )
        assert actor.is_admin
    finally:
        await asyncio.gather(*(s.close() for s in stores))


async def test_a_deadlock_between_writers_is_a_retryable_busy_error(dsn: str) -> None:
    """One writer holds the event lock and waits on a name the other inserted first; the other
    then asks for the event lock. PostgreSQL aborts one: it must surface as `Busy` (nothing
    stored, try again), and the other must commit."""
    store = PostgresMetadataStore(dsn, max_size=4)
    await store.open()
    try:
        project = make_resource(Kind.PROJECT, "p")
        async with store.write() as s:
            await s.insert_resource(project)
        first, second = make_resource(Kind.OBJECT, "x"), make_resource(Kind.OBJECT, "x")
        second_inserted, first_locked = asyncio.Event(), asyncio.Event()

        async def holder_of_the_lock() -> None:
            async with store.write() as s:
                await second_inserted.wait()
                await s.append_event("test", None, None, {})
                first_locked.set()
                await s.insert_resource(first)
                await s.add_relation(belongs(project, first), child_name="x")

        async def first_to_insert() -> None:
            async with store.write() as s:
                await s.insert_resource(second)
                await s.add_relation(belongs(project, second), child_name="x")
                second_inserted.set()
                await first_locked.wait()
                await asyncio.sleep(0.2)  # let the other block on our uncommitted name
                await s.append_event("test", None, None, {})

        results = await asyncio.wait_for(
            asyncio.gather(holder_of_the_lock(), first_to_insert(), return_exceptions=True), 30
        )
        busy = [r for r in results if isinstance(r, Busy)]
        assert len(busy) == 1, results
        assert "try again" in busy[0].message
        async with store.read() as s:
            children = await s.get_children_named(project.id, ["x"])
        assert set(children) == {"x"}  # the other writer committed
    finally:
        await store.close()
