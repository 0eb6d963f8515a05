"""The account commands of `aos`, run in-process against the shared live server."""

from __future__ import annotations

import json

import pytest

from aos_fs.cli import main
from aos_fs.client import AOSClient
from tests.accounts.conftest import unique
from tests.conftest import LiveServer


@pytest.fixture
def as_user(monkeypatch: pytest.MonkeyPatch, live_server: LiveServer, tmp_path):  # type: ignore[no-untyped-def]
    """Run `aos` as the user whose token is given."""
    monkeypatch.setenv("AOS_URL", live_server.url)
    monkeypatch.setenv("AOS_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("AOS_PROFILE", raising=False)

    def run(token: str, *args: str) -> int:
        monkeypatch.setenv("AOS_TOKEN", token)
        return main(list(args))

    return run


def _json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


def test_access_requests_and_notifications_from_the_cli(
    as_user, admin: AOSClient, live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    project = admin.create_project(unique("cli-ask"), data_class="PRIVATE")
    user = admin.create_user(unique("cli-user"))
    token = admin.create_token("t", user_id=user.id).secret
    admin_token = live_server.admin_token

    assert as_user(token, "--json", "access", "request", project.name, "--message", "pls") == 0
    req = _json(capsys)
    assert as_user(admin_token, "--json", "access", "list", "--incoming") == 0
    assert req["id"] in [r["id"] for r in _json(capsys)]  # type: ignore[index, union-attr]
    assert as_user(admin_token, "access", "grant", req["id"], "--reason", "ok") == 0  # type: ignore[index]
    assert "granted" in capsys.readouterr().out
    assert as_user(token, "--json", "notifications", "--unread", "--mark-read") == 0
    notes = _json(capsys)
    assert [n["kind"] for n in notes if n["ref_id"] == req["id"]] == ["access_granted"]  # type: ignore[index, union-attr]
    assert as_user(token, "--json", "notifications", "--unread") == 0
    assert _json(capsys) == []
    # A second decision is a conflict: exit code 5 and one readable line.
    assert as_user(admin_token, "access", "refuse", req["id"]) == 5  # type: ignore[index]
    assert "granted already" in capsys.readouterr().err


def test_announcements_stats_workspaces_and_service_accounts_from_the_cli(
    as_user, admin: AOSClient, live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    token = live_server.admin_token
    title = unique("cli-news")
    assert as_user(token, "announcements", "add", title, "--expires-in", "1") == 0
    capsys.readouterr()
    assert as_user(token, "announcements") == 0
    assert title in capsys.readouterr().out

    project = admin.create_project(unique("cli-stats"))
    assert as_user(token, "--json", "stats", project.name) == 0
    assert _json(capsys)["objects"] == 0  # type: ignore[index]
    assert as_user(token, "--json", "stats", "--user", "me") == 0
    assert _json(capsys)["projects"] >= 1  # type: ignore[index, operator]
    assert as_user(token, "stats") == 2  # a path or --user

    template = admin.accounts.create_workspace_template(unique("cli-ws"), lifetime=600)
    assert as_user(token, "--json", "workspace", "templates") == 0
    assert template.name in [t["name"] for t in _json(capsys)]  # type: ignore[index, union-attr]
    assert as_user(token, "--json", "workspace", "create", template.name) == 0
    ws = _json(capsys)
    assert ws["token"] and ws["secret_access_key"]  # type: ignore[index]
    assert as_user(token, "workspace", "claim", ws["project"]["name"]) == 0  # type: ignore[index]
    assert "PRIVATE project" in capsys.readouterr().out

    assert as_user(token, "--json", "service-account", "create", project.name, unique("bot")) == 0
    bot = _json(capsys)
    assert as_user(token, "--json", "service-account", "list", project.name) == 0
    assert [u["id"] for u in _json(capsys)] == [bot["id"]]  # type: ignore[index, union-attr]
    assert as_user(token, "service-account", "token", bot["id"]) == 0  # type: ignore[index]
    secret = capsys.readouterr().out.strip()
    with AOSClient(live_server.url, secret) as robot:
        assert [p.name for p in robot.list_projects().items] == [project.name]
    assert as_user(token, "--json", "service-account", "s3-credentials", bot["id"]) == 0  # type: ignore[index]
    assert _json(capsys)["secret_access_key"]  # type: ignore[index]


def test_no_provider_configured(live_server: LiveServer) -> None:
    """Without OIDC providers, local tokens are all there is, and sign-in says so."""
    from aos_fs.errors import AOSNotFound

    with AOSClient(live_server.url, None) as anonymous:
        assert anonymous.accounts.oidc_providers() == []
        with pytest.raises(AOSNotFound, match="none are configured"):
            anonymous.accounts.oidc_device("any")
