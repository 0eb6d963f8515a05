"""Access requests: ask, admins are notified, grant or refuse, the requester is told."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from aos_fs.client import AOSClient
from aos_fs.errors import AOSConflict, AOSPermissionError
from tests.accounts.conftest import new_user, unique
from tests.conftest import LiveServer, make_settings, start_server, stop_server
from tests.postgres_db import fresh_schema_sync


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The shared live server (SQLite), then one of its own on PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("live_server")
        return
    with fresh_schema_sync() as dsn:
        running = start_server(make_settings(tmp_path_factory.mktemp("aos-pg"), metadata_url=dsn))
        try:
            yield running.server
        finally:
            stop_server(running)


def test_access_request_round_trip(server: LiveServer) -> None:
    with AOSClient(server.url, server.admin_token) as admin:
        _round_trip(server, admin)


def _round_trip(server: LiveServer, admin: AOSClient) -> None:
    project = admin.create_project(unique("ask"), data_class="PRIVATE")
    data = admin.create_dataset(project.id, "results")
    with (
        new_user(admin, server.url, "owner") as owner,
        new_user(admin, server.url, "asker") as asker,
        new_user(admin, server.url, "bystander") as bystander,
    ):
        owner_id = owner.whoami().user.id  # type: ignore[union-attr]
        asker_id = asker.whoami().user.id  # type: ignore[union-attr]
        admin.grant(project.id, owner_id, "ADMIN")

        # The asker finds the dataset (redacted) but cannot read it.
        assert asker.get(data.id).redacted
        req = asker.accounts.request_access(data.id, "READ", message="for my thesis")
        assert req.status == "PENDING"
        with pytest.raises(AOSConflict):  # one pending request at a time
            asker.accounts.request_access(data.id, "WRITE")

        # The owner (an admin above the dataset) has a persistent notification and decides.
        inbox = owner.accounts.notifications(unread=True)
        note = next(n for n in inbox if n.ref_id == req.id)
        assert note.kind == "access_request"
        assert "READ" in note.title
        assert note.body == "for my thesis"
        assert [r.id for r in owner.accounts.access_requests(incoming=True)] == [req.id]
        assert bystander.accounts.access_requests(incoming=True) == []
        with pytest.raises(AOSPermissionError):
            bystander.accounts.decide_access(req.id, True)
        with pytest.raises(ValueError, match="or refuse"):
            owner.accounts.decide_access(req.id, True, level="NONE")
        decided = owner.accounts.decide_access(req.id, True, reason="welcome")
        assert decided.status == "GRANTED"
        assert decided.decided_by == owner_id
        with pytest.raises(AOSConflict):  # decided once
            owner.accounts.decide_access(req.id, False)

        # The requester can read now and was told; notifications stay until read, and after.
        assert not asker.get(data.id).redacted
        told = [n for n in asker.accounts.notifications() if n.ref_id == req.id]
        assert [n.kind for n in told] == ["access_granted"]
        assert told[0].read_at is None
        assert asker.accounts.mark_read([told[0].id]) == 1
        assert asker.accounts.notifications(unread=True) == []
        kept = [n for n in asker.accounts.notifications() if n.ref_id == req.id]
        assert kept[0].read_at is not None
        assert asker.accounts.access_requests()[0].status == "GRANTED"
        # Other users' inboxes are their own.
        assert all(n.ref_id != req.id for n in bystander.accounts.notifications())
        assert asker_id != owner_id


def test_refused_and_withdrawn_requests(live_server: LiveServer, admin: AOSClient) -> None:
    project = admin.create_project(unique("refuse"), data_class="PRIVATE")
    with new_user(admin, live_server.url, "asker") as asker:
        req = asker.accounts.request_access(project.id, "WRITE")
        # No project admin but the global one: the global admins are asked.
        assert any(n.ref_id == req.id for n in admin.accounts.notifications(unread=True))
        refused = admin.accounts.decide_access(req.id, False, reason="not now")
        assert refused.status == "REFUSED"
        note = next(n for n in asker.accounts.notifications() if n.ref_id == req.id)
        assert note.kind == "access_refused"
        assert note.body == "not now"
        assert asker.get(project.id).redacted  # still no access
        again = asker.accounts.request_access(project.id, "READ")
        assert asker.accounts.withdraw_access(again.id).status == "WITHDRAWN"
        pending = admin.accounts.access_requests(incoming=True, status="PENDING")
        assert all(r.id != again.id for r in pending)


def test_invisible_resources_cannot_be_asked_for(live_server: LiveServer, admin: AOSClient) -> None:
    hidden = admin.create_project(unique("hidden"), data_class="CONFIDENTIAL")
    with new_user(admin, live_server.url, "asker") as asker, pytest.raises(FileNotFoundError):
        asker.accounts.request_access(hidden.id, "READ")
    # Anonymous callers have no inbox and cannot ask; errors are problem+json with a code.
    response = httpx.post(
        f"{live_server.url}/api/v2/access-requests", json={"resource_id": hidden.id}
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "unauthenticated"
