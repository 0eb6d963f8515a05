"""Voila and Chromium for the browser tests: a served dashboard and a locked-down page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Page, Route, sync_playwright

from tests.procs import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
ARTIFACTS = ROOT / "test-artifacts" / "browser"  # screenshots, kept for CI to collect


def save_screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def wait_port(port: int, timeout: float = 60.0) -> None:
    """A TCP connect is the readiness probe (GET / would start a kernel)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")


@contextmanager
def voila(notebook: Path, env: dict[str, str], home: Path) -> Iterator[str]:
    """Serve `notebook` with Voila on a free port; yields its URL."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--ServerApp.port_retries=0",
        "--show_tracebacks=False",
    ]
    log = (home / "voila.log").open("w")
    proc = subprocess.Popen(  # noqa: S603 - our own dashboard
        cmd,
        env={**os.environ, "JUPYTER_PLATFORM_DIRS": "1", **env},
        cwd=home,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_port(port)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def block_remote(page: Page) -> list[str]:
    """Abort every request that leaves the machine; returns the list of blocked URLs."""
    blocked: list[str] = []

    def route(r: Route) -> None:
        host = urlparse(r.request.url).hostname or ""
        if host in LOCAL_HOSTS or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return blocked


@contextmanager
def chromium_page() -> Iterator[Page]:
    """A page in Debian's Chromium; Playwright's loop lives only as long as this block.

    (pytest-playwright's session-wide `page` would keep a loop running in the main thread, which
    breaks the asyncio tests that run after it in the same session.)
    """
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            yield context.new_page()
        finally:
            browser.close()
