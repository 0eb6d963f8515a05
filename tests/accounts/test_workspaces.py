"""Workspaces: scratch projects from templates, with expiring credentials; claim and expiry."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from botocore.exceptions import ClientError

from aos_fs.client import AOSClient
from aos_fs.errors import AOSPermissionError, AOSUnauthenticated
from tests.accounts.conftest import new_user, s3_client, unique
from tests.conftest import LiveServer, make_settings, start_server, stop_server
from tests.postgres_db import fresh_schema_sync


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server of its own (on SQLite, then on PostgreSQL) that looks for expired workspaces
    five times a second."""
    path: Path = tmp_path_factory.mktemp("aos-ws")
    with contextlib.ExitStack() as stack:
        extra: dict[str, object] = {}
        if request.param == "postgres":
            extra["metadata_url"] = stack.enter_context(fresh_schema_sync())
        running = start_server(make_settings(path, workspace_sweep_seconds=0.2, **extra))
        try:
            yield running.server
        finally:
            stop_server(running)


@pytest.fixture
def admin(server: LiveServer) -> Iterator[AOSClient]:
    with AOSClient(server.url, server.admin_token) as client:
        yield client


def test_anonymous_workspace_expires_and_is_removed(server: LiveServer, admin: AOSClient) -> None:
    template = admin.accounts.create_workspace_template(
        unique("scratch"),
        description="try things out",
        key_values=[{"key": "purpose", "value": "scratch"}],
        hooks=[
            {
                "name": "mark-uploads",
                "trigger": {"on": "object_finished"},
                "action": {"type": "add_key_value", "key": "seen-by", "value": "workspace"},
            }
        ],
        lifetime=3,
        allow_anonymous=True,
    )
    with AOSClient(server.url, None) as anonymous:
        assert template.name in [t.name for t in anonymous.accounts.workspace_templates()]
        ws = anonymous.accounts.create_workspace(template.name)
    assert ws.anonymous
    assert ws.token
    assert ws.secret_access_key
    assert ws.project.data_class == "WORKSPACE"
    assert ws.s3_endpoint == server.url
    assert [(kv.key, kv.value) for kv in ws.project.key_values] == [("purpose", "scratch")]

    # Its credentials work on its project: the API and S3.
    with AOSClient(server.url, ws.token) as own:
        assert own.get(ws.project.id).name == ws.project.name
        assert own.accounts.workspace(ws.project.id).expires_at == ws.expires_at
    s3 = s3_client(ws.s3_endpoint, ws.access_key_id or "", ws.secret_access_key)
    s3.put_object(Bucket=ws.project.name, Key="notes.txt", Body=b"scratch work")
    assert s3.get_object(Bucket=ws.project.name, Key="notes.txt")["Body"].read() == b"scratch work"
    stats = admin.accounts.resource_statistics(ws.project.id)
    assert (stats.objects, stats.bytes, stats.versions) == (1, len(b"scratch work"), 1)
    # The template's hook was installed and acts in the workspace.
    notes = admin.resolve(f"{ws.project.name}/notes.txt")[-1]
    deadline = time.monotonic() + 10
    while not any(kv.key == "seen-by" for kv in admin.get(notes.id).key_values):
        assert time.monotonic() < deadline, "the workspace's hook did not run"
        time.sleep(0.1)

    # After its lifetime the sweeper removes it and its credentials stop working.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        response = httpx.get(
            f"{server.url}/api/v2/resources/{ws.project.id}",
            headers={"Authorization": f"Bearer {server.admin_token}"},
        )
        if response.json().get("status") == "DELETED":
            break
        time.sleep(0.2)
    else:
        pytest.fail("the expired workspace was not removed")
    with AOSClient(server.url, ws.token) as own, pytest.raises(AOSUnauthenticated):
        own.whoami()
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket=ws.project.name, Key="notes.txt")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] in (403, 404)
    names = [p.name for p in admin.list_projects(limit=1000).items]
    assert ws.project.name not in names


def test_a_signed_in_creator_is_told_when_the_workspace_expires(
    server: LiveServer, admin: AOSClient
) -> None:
    brief = admin.accounts.create_workspace_template(unique("brief"), lifetime=1)
    with new_user(admin, server.url, "creator") as creator:
        ws = creator.accounts.create_workspace(brief.name)
        deadline = time.monotonic() + 15
        while not any(n.resource_id == ws.project.id for n in creator.accounts.notifications()):
            assert time.monotonic() < deadline, "no notification about the expired workspace"
            time.sleep(0.2)
        note = next(n for n in creator.accounts.notifications() if n.resource_id == ws.project.id)
        assert note.kind == "workspace_expired"
        assert ws.project.name in note.title


def test_claiming_turns_a_workspace_into_a_project(server: LiveServer, admin: AOSClient) -> None:
    closed = admin.accounts.create_workspace_template(unique("members"), lifetime=600)
    with AOSClient(server.url, None) as anonymous, pytest.raises(AOSUnauthenticated):
        anonymous.accounts.create_workspace(closed.name)
    with (
        new_user(admin, server.url, "claimer") as claimer,
        new_user(admin, server.url, "stranger") as stranger,
    ):
        ws = claimer.accounts.create_workspace(closed.name)
        assert not ws.anonymous
        with pytest.raises(AOSPermissionError):
            stranger.accounts.claim_workspace(ws.project.id)
        project = claimer.accounts.claim_workspace(ws.project.id)
        assert project.data_class == "PRIVATE"
        assert project.id == ws.project.id
        # A normal project now: no workspace any more, the workspace token is revoked.
        with pytest.raises(FileNotFoundError):
            claimer.accounts.workspace(project.id)
        with AOSClient(server.url, ws.token) as own, pytest.raises(AOSUnauthenticated):
            own.whoami()
        claimer.create_dataset(project.id, "kept")


def test_anonymous_workspace_claimed_with_its_token(server: LiveServer, admin: AOSClient) -> None:
    open_ = admin.accounts.create_workspace_template(
        unique("open"), lifetime=600, allow_anonymous=True
    )
    with AOSClient(server.url, None) as anonymous:
        ws = anonymous.accounts.create_workspace(open_.name)
    with new_user(admin, server.url, "later") as later:
        with pytest.raises(AOSPermissionError):
            later.accounts.claim_workspace(ws.project.id, workspace_token="aos_wrong")
        project = later.accounts.claim_workspace(ws.project.id, workspace_token=ws.token)
        assert later.get(project.id).data_class == "PRIVATE"
        me = later.whoami().user
        assert me is not None
        grants = {p.user_id: p.level for p in admin.permissions(project.id)}
        assert grants[me.id] == "ADMIN"


def test_only_admins_define_templates(server: LiveServer, admin: AOSClient) -> None:
    with new_user(admin, server.url, "user") as user, pytest.raises(AOSPermissionError):
        user.accounts.create_workspace_template(unique("mine"))
    with pytest.raises(ValueError, match="hooks"):
        admin.accounts.create_workspace_template(unique("badhooks"), hooks=[{"name": "x"}])
