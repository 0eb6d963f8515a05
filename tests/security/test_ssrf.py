"""Webhooks cannot reach loopback, private or metadata addresses unless an operator allows it.

The server runs with the default policy (no allowed networks); a real receiver on 127.0.0.1
must never be called, whether the hook names it by IP literal, by `localhost`, or by an
IPv4-mapped IPv6 literal, and the delivery log says why.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aos_server.services.egress import EgressPolicy, EgressRefused, GuardedResolver
from aos_server.settings import Settings
from tests.conftest import LiveServer, make_settings, start_server, stop_server
from tests.factories import unique
from tests.security.conftest import s3_client
from tests.server.hooks.receiver import Recorder, serve


@pytest.fixture
def strict_server(tmp_path: Path) -> Iterator[LiveServer]:
    running = start_server(make_settings(tmp_path / "aos", hooks_allowed_networks=[]))
    yield running.server
    stop_server(running)


def _failed(api: httpx.Client, hook_id: str, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [
            d for d in api.get(f"/hooks/{hook_id}/deliveries").json() if d["status"] == "FAILED"
        ]
        if done:
            return done[0]  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("the delivery did not fail")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_a_webhook_to_loopback_is_refused_and_never_sent(
    strict_server: LiveServer, host: str
) -> None:
    recorder = Recorder()
    with (
        serve(recorder.app()) as url,
        httpx.Client(
            base_url=f"{strict_server.url}/api/v2",
            headers={"Authorization": f"Bearer {strict_server.admin_token}"},
        ) as api,
    ):
        port = url.rsplit(":", 1)[1]
        name = unique("ssrf")
        project = api.post("/projects", json={"name": name}).json()
        r = api.post(
            f"/projects/{project['id']}/hooks",
            json={
                "name": "h",
                "trigger": {"on": "object_finished"},
                "action": {"type": "webhook", "url": f"http://{host}:{port}/x"},
                "max_attempts": 5,
            },
        )
        assert r.status_code == 201, r.text
        s3 = s3_client(strict_server, strict_server.access_key, strict_server.secret_key)
        s3.put_object(Bucket=name, Key="a.txt", Body=b"x")
        failed = _failed(api, r.json()["id"])
    assert recorder.calls == []
    assert "not a public address" in failed["last_error"]
    assert "AOS_HOOKS_ALLOWED_NETWORKS" in failed["last_error"]
    assert failed["attempts"] == 1  # a policy refusal is final, not retried five times


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),  # noqa: S104 - the address under test, not a bind
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:10.0.0.1", False),
        ("224.0.0.1", False),
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
    ],
)
def test_the_default_policy_allows_only_public_unicast(address: str, allowed: bool) -> None:
    assert EgressPolicy().permits(address) is allowed


def test_allowed_networks_open_exactly_those_networks() -> None:
    policy = EgressPolicy(["10.0.0.0/8", "::1/128"])
    assert policy.permits("10.200.0.7") and policy.permits("::1")
    assert not policy.permits("192.168.0.1") and not policy.permits("127.0.0.1")


def test_the_resolver_drops_private_answers_and_refuses_when_none_is_left() -> None:
    async def run() -> None:
        resolver = GuardedResolver(EgressPolicy())
        try:
            with pytest.raises(EgressRefused, match="localhost"):
                await resolver.resolve("localhost", 80)
        finally:
            await resolver.close()
        allowing = GuardedResolver(EgressPolicy(["127.0.0.0/8", "::1/128"]))
        try:
            hosts = {r["host"] for r in await allowing.resolve("localhost", 80)}
        finally:
            await allowing.close()
        assert hosts and hosts <= {"127.0.0.1", "::1"}

    asyncio.run(run())


def test_the_setting_reads_comma_separated_or_json_and_refuses_nonsense(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AOS_HOOKS_ALLOWED_NETWORKS", "10.0.0.0/8, 192.168.0.0/16")
    assert Settings().hooks_allowed_networks == ["10.0.0.0/8", "192.168.0.0/16"]
    monkeypatch.setenv("AOS_HOOKS_ALLOWED_NETWORKS", '["fd00::/8"]')
    assert Settings().hooks_allowed_networks == ["fd00::/8"]
    monkeypatch.setenv("AOS_HOOKS_ALLOWED_NETWORKS", "intranet")
    with pytest.raises(ValueError, match="CIDR"):
        Settings()
