"""Announcements (admin messages with expiry) and statistics per resource and user."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from aos_fs.client import AOSClient
from aos_fs.errors import AOSInvalidInput, AOSPermissionError
from tests.accounts.conftest import new_user, s3_client, unique
from tests.conftest import LiveServer


def test_announcements_expire_and_only_admins_make_them(
    live_server: LiveServer, admin: AOSClient
) -> None:
    lasting = admin.accounts.announce("Maintenance on Sunday", "read-only 8-10 UTC")
    soon = datetime.now(UTC) + timedelta(seconds=1)
    brief = admin.accounts.announce("Brief", severity="warning", expires_at=soon)
    with pytest.raises(AOSInvalidInput):
        admin.accounts.announce("Past", expires_at=datetime.now(UTC) - timedelta(seconds=5))
    with AOSClient(live_server.url, None) as anonymous:
        shown = {a.id for a in anonymous.accounts.announcements()}
        assert {lasting.id, brief.id} <= shown
        time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.1)
        shown = {a.id for a in anonymous.accounts.announcements()}
        assert lasting.id in shown
        assert brief.id not in shown
        with pytest.raises(AOSPermissionError):
            anonymous.accounts.announce("nope")
    assert brief.id in {a.id for a in admin.accounts.announcements(include_expired=True)}
    with new_user(admin, live_server.url, "user") as user:
        with pytest.raises(AOSPermissionError):
            user.accounts.announce("nope")
        with pytest.raises(AOSPermissionError):
            user.accounts.delete_announcement(lasting.id)
    admin.accounts.delete_announcement(lasting.id)
    assert lasting.id not in {a.id for a in admin.accounts.announcements()}


def test_statistics_per_resource_and_user(live_server: LiveServer, admin: AOSClient) -> None:
    project = admin.create_project(unique("stats"))
    s3 = s3_client(live_server.url, live_server.access_key, live_server.secret_key)
    s3.put_object(Bucket=project.name, Key="c/d/a.bin", Body=b"x" * 100)
    s3.put_object(Bucket=project.name, Key="c/d/a.bin", Body=b"y" * 40)  # a second revision
    s3.put_object(Bucket=project.name, Key="b.bin", Body=b"z" * 7)
    stats = admin.accounts.resource_statistics(project.id)
    assert (stats.objects, stats.bytes, stats.versions, stats.version_bytes) == (2, 47, 3, 147)
    assert stats.last_change is not None
    obj = admin.resolve(f"{project.name}/c/d/a.bin")[-1]
    one = admin.accounts.resource_statistics(obj.id)
    assert (one.objects, one.bytes, one.versions, one.version_bytes) == (1, 40, 2, 140)

    me = admin.whoami().user
    assert me is not None
    mine = admin.accounts.user_statistics(me.id)
    assert mine.versions >= 3
    assert mine.bytes >= 147
    assert mine.projects >= 1
    with new_user(admin, live_server.url, "other") as other:
        with pytest.raises(AOSPermissionError):
            other.accounts.user_statistics(me.id)
        with pytest.raises((AOSPermissionError, FileNotFoundError)):
            other.accounts.resource_statistics(project.id)
        own = other.whoami().user
        assert own is not None
        assert other.accounts.user_statistics(own.id).versions == 0
