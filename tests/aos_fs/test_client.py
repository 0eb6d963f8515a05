"""The typed client against a real server: sync/async parity, errors by meaning, retries."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from aos_fs import (
    AOSClient,
    AOSConflict,
    AOSInvalidInput,
    AOSNotFound,
    AOSPermissionError,
    AOSUnauthenticated,
    AsyncAOSClient,
)
from aos_fs.config import Profile, save_profile
from tests.conftest import LiveServer
from tests.factories import make_user, unique


def test_sync_round_trip(live_server: LiveServer) -> None:
    with AOSClient(live_server.url, live_server.admin_token) as aos:
        assert aos.health()
        assert aos.whoami().user.name == "admin"  # type: ignore[union-attr]
        assert aos.info()["api"] == "v2"
        project = aos.create_project(
            unique("sync"), title="T", key_values=[{"key": "k", "value": "v"}]
        )
        ds = aos.create_dataset(project.id, "d")
        obj = aos.create_object(ds.id, "a/b.csv", content_type="text/csv")
        assert obj.content_type == "text/csv"
        assert aos.resolve_one(f"{project.name}/d/a/b.csv").id == obj.id
        assert aos.get(project.id, stats=True).stats.count == 1  # type: ignore[union-attr]
        assert "CC-BY-4.0" in {lic.tag for lic in aos.list_licenses()}
        assert aos.openapi()["paths"]


def test_async_parity(live_server: LiveServer) -> None:
    async def run() -> list[str]:
        async with AsyncAOSClient(live_server.url, live_server.admin_token) as aos:
            assert await aos.health()
            project = await aos.create_project(unique("async"))
            for name in ("b", "a", "c"):
                await aos.create_collection(project.id, name)
            page = await aos.children(project.id, limit=2)
            assert page.next_cursor
            with pytest.raises(AOSNotFound):
                await aos.get("01HZZZZZZZZZZZZZZZZZZZZZZZ")
            return [r.name async for r in aos.iter_children(project.id, page_size=1)]

    assert asyncio.run(run()) == ["a", "b", "c"]
    assert {n for n in dir(AOSClient) if not n.startswith("_")} - {"close"} == {
        n for n in dir(AsyncAOSClient) if not n.startswith("_")
    } - {"aclose"}


def test_errors_by_meaning(live_server: LiveServer) -> None:
    aos = AOSClient(live_server.url, live_server.admin_token)
    name = unique("err")
    project = aos.create_project(name)
    with pytest.raises(FileExistsError) as exists:
        aos.create_project(name)
    assert isinstance(exists.value, AOSConflict)
    assert "already exists" in str(exists.value)
    with pytest.raises(FileNotFoundError):
        aos.get("01HZZZZZZZZZZZZZZZZZZZZZZZ")
    with pytest.raises(ValueError, match="not a valid project name") as bad:
        aos.create_project("Bad Name")
    assert isinstance(bad.value, AOSInvalidInput)
    assert bad.value.status == 422
    _, user = make_user(aos)
    with pytest.raises(PermissionError) as denied:
        user.update(project.id, title="x")
    assert isinstance(denied.value, AOSPermissionError)
    assert denied.value.code == "permission_denied"
    with pytest.raises(AOSUnauthenticated):
        aos.with_token(None).update(project.id, title="x")


def test_retries_on_503_and_honours_retry_after() -> None:
    calls: list[float] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        # A flaky proxy in front of the server: the one place a mock transport is the point.
        calls.append(time.monotonic())
        if len(calls) < 3:
            return httpx.Response(
                503, headers={"Retry-After": "0"}, json={"detail": "busy", "code": "busy"}
            )
        return httpx.Response(200, json={"name": "aos-py", "version": "x", "api": "v2"})

    aos = AOSClient("http://aos.invalid", "t", transport=httpx.MockTransport(flaky), retries=3)
    assert aos.info()["api"] == "v2"
    assert len(calls) == 3
    failing = AOSClient(
        "http://aos.invalid",
        "t",
        retries=1,
        transport=httpx.MockTransport(
            lambda r: httpx.Response(503, json={"detail": "down", "code": "down"})
        ),
    )
    with pytest.raises(OSError, match="down"):
        failing.info()


def test_profiles_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live_server: LiveServer
) -> None:
    config = tmp_path / "config.toml"
    save_profile("lab", Profile(url=live_server.url, token=live_server.admin_token), path=config)
    monkeypatch.delenv("AOS_URL", raising=False)
    monkeypatch.delenv("AOS_TOKEN", raising=False)
    with AOSClient(config_path=str(config)) as aos:
        assert aos.whoami().user.name == "admin"  # type: ignore[union-attr]
        assert live_server.admin_token not in repr(aos)
    monkeypatch.setenv("AOS_URL", live_server.url)
    monkeypatch.setenv("AOS_TOKEN", live_server.admin_token)
    with AOSClient(config_path=str(tmp_path / "none.toml")) as aos:
        assert aos.whoami().user.name == "admin"  # type: ignore[union-attr]
    monkeypatch.delenv("AOS_URL")
    with pytest.raises(LookupError, match="AOS_URL"):
        AOSClient(config_path=str(tmp_path / "none.toml"))


def test_profile_keys_stay_with_their_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another token (AOS_TOKEN, an argument) never borrows the profile user's S3 keys."""
    from aos_fs.config import load_profile

    config = tmp_path / "config.toml"
    save_profile(
        "lab",
        Profile(
            url="http://aos.example:8080",
            token="aos_admin-token",
            s3_access_key_id="AOSADMINKEY",
            s3_secret_access_key="admin-secret",
        ),
        path=config,
    )
    monkeypatch.delenv("AOS_URL", raising=False)
    monkeypatch.delenv("AOS_TOKEN", raising=False)
    own = load_profile(path=config)
    assert (own.token, own.s3_access_key_id) == ("aos_admin-token", "AOSADMINKEY")
    monkeypatch.setenv("AOS_TOKEN", "aos_someone-else")
    other = load_profile(path=config)
    assert other.token == "aos_someone-else"
    assert other.s3_access_key_id is None and other.s3_secret_access_key is None
    assert load_profile(path=config, token="aos_admin-token").s3_access_key_id == "AOSADMINKEY"
