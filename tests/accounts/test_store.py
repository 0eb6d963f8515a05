"""The account part of the metadata store, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aos_fs.account_models import AccessRequest, Announcement, Notification, WorkspaceTemplate
from aos_fs.models import DataClass, KeyValue, PermissionLevel
from aos_server.backends.metadata.accounts import FlowRecord, WorkspaceRecord
from aos_server.backends.metadata.base import MetadataStore
from aos_server.backends.metadata.sqlite import SqliteMetadataStore
from aos_server.domain.ids import new_id
from aos_server.errors import AlreadyExists
from tests.postgres_db import fresh_schema

NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


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


async def test_inbox_persists_until_read(store: MetadataStore) -> None:
    ids = [new_id() for _ in range(3)]
    async with store.write() as s:
        for i, nid in enumerate(ids):
            await s.insert_notification(
                "u1", Notification(id=nid, kind="k", title=f"t{i}", created_at=NOW)
            )
        await s.insert_notification(
            "u2", Notification(id=new_id(), kind="k", title="other", created_at=NOW)
        )
    async with store.read() as s:
        assert [n.id for n in await s.list_notifications("u1", unread_only=True, limit=10)] == ids[
            ::-1
        ]
    async with store.write() as s:
        assert await s.mark_read("u1", [ids[0]], NOW) == 1
        assert await s.mark_read("u1", [ids[0]], NOW) == 0
    async with store.read() as s:
        unread = await s.list_notifications("u1", unread_only=True, limit=10)
        every = await s.list_notifications("u1", unread_only=False, limit=10)
    assert [n.id for n in unread] == ids[:0:-1]
    assert len(every) == 3
    assert next(n for n in every if n.id == ids[0]).read_at == NOW
    async with store.write() as s:
        assert await s.mark_read("u1", None, NOW) == 2
        assert await s.mark_read("u2", [], NOW) == 0


async def test_access_requests_and_announcements(store: MetadataStore) -> None:
    req = AccessRequest(
        id=new_id(),
        user_id="u1",
        resource_id="r1",
        level=PermissionLevel.WRITE,
        message="please",
        status="PENDING",
        created_at=NOW,
    )
    async with store.write() as s:
        await s.insert_access_request(req)
        done = req.model_copy(update={"status": "GRANTED", "decided_by": "a", "decided_at": NOW})
        await s.update_access_request(done)
    async with store.read() as s:
        assert await s.get_access_request(req.id) == done
        assert await s.list_access_requests(user_id="u1") == [done]
        assert await s.list_access_requests(resource_ids=["r1"], status="PENDING") == []
        assert await s.list_access_requests(resource_ids=[]) == []
    later = Announcement(
        id=new_id(), title="a", expires_at=NOW + timedelta(hours=1), created_at=NOW
    )
    forever = Announcement(id=new_id(), title="b", created_at=NOW)
    async with store.write() as s:
        await s.insert_announcement(later)
        await s.insert_announcement(forever)
    async with store.read() as s:
        assert [a.id for a in await s.list_announcements(now=NOW)] == [forever.id, later.id]
        after = NOW + timedelta(hours=2)
        assert [a.id for a in await s.list_announcements(now=after)] == [forever.id]
        assert len(await s.list_announcements(now=None)) == 2
    async with store.write() as s:
        assert await s.delete_announcement(later.id)
        assert not await s.delete_announcement(later.id)


async def test_workspaces_identities_and_flows(store: MetadataStore) -> None:
    template = WorkspaceTemplate(
        id=new_id(),
        name="scratch",
        key_values=[KeyValue(key="k", value="v")],
        data_class=DataClass.WORKSPACE,
        lifetime=60,
        allow_anonymous=True,
        created_at=NOW,
    )
    async with store.write() as s:
        await s.insert_workspace_template(template)
    with pytest.raises(AlreadyExists):
        async with store.write() as s:
            await s.insert_workspace_template(template.model_copy(update={"id": new_id()}))
    async with store.read() as s:
        assert await s.get_workspace_template("scratch") == template
        assert await s.get_workspace_template(template.id) == template
        assert await s.list_workspace_templates() == [template]
    old = WorkspaceRecord("p1", template.id, "u1", True, NOW, NOW)
    young = WorkspaceRecord("p2", template.id, "u2", False, NOW + timedelta(hours=1), NOW)
    async with store.write() as s:
        await s.insert_workspace(old)
        await s.insert_workspace(young)
    async with store.read() as s:
        assert await s.get_workspace("p2") == young
        assert await s.expired_workspaces(NOW + timedelta(seconds=1), 10) == [old]
    async with store.write() as s:
        assert await s.delete_workspace("p1")
        assert await s.delete_workspace_template(template.id)
        await s.insert_identity("prov", "sub-1", "u9", NOW)
        flow = FlowRecord("f1", "prov", "device", b"\x00sealed\xff", NOW, NOW)
        await s.insert_flow(flow)
    async with store.read() as s:
        assert await s.get_identity("prov", "sub-1") == "u9"
        assert await s.get_identity("prov", "sub-2") is None
        assert await s.get_flow("f1") == flow
    async with store.write() as s:
        assert await s.delete_expired_flows(NOW + timedelta(seconds=1)) == 1
        assert not await s.delete_flow("f1")


async def test_empty_statistics(store: MetadataStore) -> None:
    async with store.read() as s:
        stats = await s.resource_statistics("nothing")
        user = await s.user_statistics("nobody")
        assert await s.list_service_accounts("nothing") == []
        assert await s.list_admin_ids() == []
    assert (stats.objects, stats.bytes, stats.versions, stats.last_change) == (0, 0, 0, None)
    assert (user.projects, user.objects, user.versions, user.bytes) == (0, 0, 0, 0)


async def test_service_accounts_and_admins(store: MetadataStore) -> None:
    from aos_fs.models import User

    boss = User(id=new_id(), name="boss", is_admin=True, created_at=NOW)
    gone = User(id=new_id(), name="gone", is_admin=True, active=False, created_at=NOW)
    robot = User(
        id=new_id(), name="robot", is_service_account=True, project_id="p1", created_at=NOW
    )
    async with store.write() as s:
        for user in (boss, gone, robot):
            await s.insert_user(user)
        await s.insert_user(User(id=new_id(), name="plain", created_at=NOW))
    async with store.read() as s:
        assert await s.list_admin_ids() == [boss.id]
        assert [u.id for u in await s.list_service_accounts("p1")] == [robot.id]
        assert await s.list_service_accounts("p2") == []
