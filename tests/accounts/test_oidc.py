"""Sign-in with OIDC against a real provider process: device code and browser (PKCE)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aos_fs.client import AOSClient
from aos_fs.errors import AOSNotFound, AOSUnauthenticated
from tests.accounts.conftest import unique
from tests.accounts.oidc import (
    approve_device,
    free_port,
    oidc_provider,
    sign_in_in_browser,
    wait_done,
)
from tests.conftest import LiveServer, make_settings, start_server, stop_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server that trusts the provider below (started after it, on a port chosen first)."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    path: Path = tmp_path_factory.mktemp("aos-oidc")
    providers = [{"name": "test", "issuer": issuer, "client_id": "aos", "display_name": "Test"}]
    running = start_server(make_settings(path, oidc_providers=providers))
    callback = f"{running.server.url}/api/v2/auth/oidc/test/callback"
    try:
        with oidc_provider(port, callback):
            yield running.server
    finally:
        stop_server(running)


@pytest.fixture
def admin(server: LiveServer) -> Iterator[AOSClient]:
    with AOSClient(server.url, server.admin_token) as client:
        yield client


def _device_sign_in(server: LiveServer, login: str) -> object:
    with AOSClient(server.url, None) as anonymous:
        start = anonymous.accounts.oidc_device("test")
        assert start.user_code
        assert anonymous.accounts.oidc_poll("test", start.flow_id).status == "pending"
        approve_device(start.verification_uri_complete or "", login)
        return wait_done(lambda: anonymous.accounts.oidc_poll("test", start.flow_id))


def test_device_code_sign_in_yields_a_working_token(server: LiveServer, admin: AOSClient) -> None:
    login = unique("alice")
    with AOSClient(server.url, None) as anonymous:
        assert [p.name for p in anonymous.accounts.oidc_providers()] == ["test"]
    # A new user is inactive until an admin activates them; the admins are told.
    first = _device_sign_in(server, login)
    assert first.token is None  # type: ignore[attr-defined]
    user = first.user  # type: ignore[attr-defined]
    assert user.name == login
    assert user.email == f"{login}@example.org"
    assert not user.active
    assert any(n.ref_id == user.id for n in admin.accounts.notifications(unread=True))
    admin.set_user_state(user.id, active=True)

    second = _device_sign_in(server, login)
    token = second.token  # type: ignore[attr-defined]
    assert token is not None
    assert second.user.id == user.id  # type: ignore[attr-defined]  # the same identity
    with AOSClient(server.url, token.secret) as alice:
        assert alice.whoami().user.id == user.id  # type: ignore[union-attr]
        project = alice.create_project(unique("alice-p"))
        assert alice.get(project.id).name == project.name
    # Local tokens keep working beside the provider.
    assert admin.whoami().user.name == "admin"  # type: ignore[union-attr]


def test_browser_sign_in_with_pkce(server: LiveServer, admin: AOSClient) -> None:
    login = unique("bob")
    page = sign_in_in_browser(f"{server.url}/api/v2/auth/oidc/test/login", login)
    assert page.status_code == 200
    assert "waits for an administrator" in page.text
    users = {u.name: u for u in admin.list_users(limit=1000)}
    admin.set_user_state(users[login].id, active=True)
    page = sign_in_in_browser(f"{server.url}/api/v2/auth/oidc/test/login", login)
    assert page.headers["cache-control"] == "no-store"
    secret = re.search(r'<pre id="aos-token">([^<]+)</pre>', page.text)
    assert secret, page.text
    with AOSClient(server.url, secret.group(1)) as bob:
        assert bob.whoami().user.name == login  # type: ignore[union-attr]


def test_flows_are_used_once_and_checked(server: LiveServer) -> None:
    with AOSClient(server.url, None) as anonymous:
        with pytest.raises(AOSNotFound):
            anonymous.accounts.oidc_device("nope")
        with pytest.raises(AOSNotFound):
            anonymous.accounts.oidc_poll("test", "01NOTAFLOW")
        start = anonymous.accounts.oidc_authorize("test")
        assert "code_challenge_method=S256" in start.authorization_url
    # A callback with a made-up state is refused; so is a tampered token.
    response = httpx.get(
        f"{server.url}/api/v2/auth/oidc/test/callback", params={"state": "x", "code": "y"}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    with AOSClient(server.url, "aos_not-a-token") as stranger, pytest.raises(AOSUnauthenticated):
        stranger.whoami()


def test_a_token_signed_by_another_key_is_refused(server: LiveServer) -> None:
    """The ID token check is the provider's JWKS: a well-formed token signed elsewhere fails."""
    import asyncio

    from joserfc import jwt
    from joserfc.jwk import RSAKey

    from aos_server.errors import Unauthenticated
    from aos_server.oidc_settings import OIDCProviderSettings
    from aos_server.services.oidc_client import ProviderClient

    issuer = server.settings.oidc_providers[0].issuer
    forger = RSAKey.generate_key(2048, parameters={"kid": "forged"}, private=True)
    claims = {"iss": issuer, "aud": "aos", "sub": "admin", "exp": 4_102_444_800, "iat": 0}
    forged = jwt.encode({"alg": "RS256", "kid": "forged"}, claims, forger)

    async def check() -> None:
        async with httpx.AsyncClient() as http:
            client = ProviderClient(
                OIDCProviderSettings(name="test", issuer=issuer, client_id="aos"), http
            )
            with pytest.raises(Unauthenticated, match="no valid signature"):
                await client.verify_id_token(forged, nonce=None)

    asyncio.run(check())


def test_aos_login_oidc(server: LiveServer, admin: AOSClient, tmp_path: Path) -> None:
    """`aos login URL --oidc test`: the console script prints where to sign in, polls, and keeps
    the AOS token it gets in the profile."""
    import os
    import subprocess
    import sys

    login = unique("carol")
    first = _device_sign_in(server, login)
    admin.set_user_state(first.user.id, active=True)  # type: ignore[attr-defined]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AOS_")}
    env["AOS_CONFIG"] = str(tmp_path / "config.toml")
    aos = str(Path(sys.executable).with_name("aos"))
    admin.accounts.announce(unique("Welcome"), "from the CLI test")
    proc = subprocess.Popen(  # noqa: S603 - our own console script
        [aos, "login", server.url, "--oidc", "test"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    url = re.search(r"Open (\S+) in a browser", line)
    assert url, line
    approve_device(url.group(1), login)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"as {login}" in out
    assert "Welcome" in err  # the current announcements
    written = (tmp_path / "config.toml").read_text()
    token = re.search(r'token = "([^"]+)"', written)
    assert token
    with AOSClient(server.url, token.group(1)) as carol:
        assert carol.whoami().user.name == login  # type: ignore[union-attr]


class _Stop(Exception):
    """Raised to keep the attacker's browser from following the provider back to AOS."""


def test_a_browser_sign_in_finishes_only_in_its_own_browser(server: LiveServer) -> None:
    """Login CSRF: a callback URL from one browser does not sign in another one."""
    from tests.accounts.oidc import _walk

    callback = f"{server.url}/api/v2/auth/oidc/test/callback"
    caught: list[str] = []

    def stop_at_callback(request: httpx.Request) -> None:
        if str(request.url).startswith(callback):
            caught.append(str(request.url))
            raise _Stop

    with httpx.Client(
        follow_redirects=True, timeout=10, event_hooks={"request": [stop_at_callback]}
    ) as attacker:
        with pytest.raises(_Stop):
            _walk(attacker, attacker.get(f"{server.url}/api/v2/auth/oidc/test/login"), "mallory")
        assert caught
        with httpx.Client(timeout=10) as victim:
            refused = victim.get(caught[0])
        assert refused.status_code == 403
        assert refused.json()["code"] == "permission_denied"
        attacker.event_hooks = {"request": []}
        own = attacker.get(caught[0])  # the browser that started it may finish it
        assert own.status_code == 200
        assert "waits for an administrator" in own.text
    # A flow started through the JSON route (no cookie) finishes in any browser.
    with AOSClient(server.url, None) as anonymous:
        start = anonymous.accounts.oidc_authorize("test")
    page = sign_in_in_browser(start.authorization_url, unique("dave"))
    assert page.status_code == 200
    assert "waits for an administrator" in page.text
