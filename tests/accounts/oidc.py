"""A real OIDC provider process (npm `oidc-provider`) and a browser stand-in that signs in."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from tests.procs import free_port

__all__ = ["approve_device", "free_port", "oidc_provider", "sign_in_in_browser", "wait_done"]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
MODULE = ROOT / ".node-oidc" / "node_modules" / "oidc-provider" / "lib" / "index.js"


@contextmanager
def oidc_provider(port: int, redirect_uri: str) -> Iterator[str]:
    """Run the provider on `port`; yields its issuer URL."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the OIDC provider process cannot run")
    assert MODULE.exists(), "run `make test` (it installs oidc-provider with npm)"
    proc = subprocess.Popen(  # noqa: S603 - a fixed command line
        [node, str(SCRIPT), str(port), redirect_uri, str(MODULE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("ready"), f"the OIDC provider did not start: {line!r}"
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _form(page: httpx.Response) -> tuple[str, dict[str, str]]:
    """The first form of an HTML page: its absolute action and its hidden inputs."""
    action = re.search(r'<form[^>]*action="([^"]*)"', page.text)
    assert action, f"no form on {page.url}: {page.text[:300]}"
    fields = {
        unescape(name): unescape(value)
        for name, value in re.findall(
            r'<input[^>]*type="hidden"[^>]*name="([^"]*)"[^>]*value="([^"]*)"', page.text
        )
    }
    return urljoin(str(page.url), unescape(action.group(1))), fields


def _walk(browser: httpx.Client, page: httpx.Response, login: str) -> httpx.Response:
    """Submit the provider's forms as a browser would (auto-submitting ones, the code
    confirmation, the login) until a page without a form comes back."""
    for _ in range(8):
        if "<form" not in page.text:
            return page
        action, fields = _form(page)
        if 'name="login"' in page.text:
            fields = {"login": login}
        page = browser.post(action, data=fields)
    raise AssertionError(f"the sign-in did not end: {page.text[-500:]}")


def approve_device(verification_uri_complete: str, login: str) -> None:
    """What the user does in their browser: confirm the code, then sign in."""
    with httpx.Client(follow_redirects=True, timeout=10) as browser:
        done = _walk(browser, browser.get(verification_uri_complete), login)
        assert "Signed in" in done.text, done.text[-1500:]


def sign_in_in_browser(start_url: str, login: str) -> httpx.Response:
    """Follow a browser sign-in from its first URL to the service's callback page."""
    with httpx.Client(follow_redirects=True, timeout=10) as browser:
        return _walk(browser, browser.get(start_url), login)


def wait_done(poll: object, timeout: float = 10.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = poll()  # type: ignore[operator]
        if result.status == "done":
            return result
        time.sleep(0.1)
    raise AssertionError("the sign-in did not finish")
