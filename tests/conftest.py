"""Shared fixtures: real servers on 127.0.0.1 with an admin token and S3 keys."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from blockbuster import BlockBuster, blockbuster_ctx

from aos_server.app import create_app
from aos_server.settings import Settings

ADMIN_TOKEN = "aos_test-admin-token-0123456789abcdef"
ADMIN_ACCESS_KEY = "AOSTESTADMINKEY0"
ADMIN_SECRET_KEY = "test-admin-secret-key-0123456789abcdef"


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": 0,
        "data_dir": data_dir,
        "admin_token": ADMIN_TOKEN,
        "admin_access_key": ADMIN_ACCESS_KEY,
        "admin_secret_key": ADMIN_SECRET_KEY,
        "write_profile": False,
        "client_config": data_dir / "client.toml",
        # The test receivers listen on loopback, which webhooks may not reach by default.
        "hooks_allowed_networks": ["127.0.0.0/8", "::1/128"],
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class LiveServer:
    url: str
    settings: Settings
    app: web.Application
    admin_token: str = ADMIN_TOKEN
    access_key: str = ADMIN_ACCESS_KEY
    secret_key: str = ADMIN_SECRET_KEY


@dataclass
class _Running:
    server: LiveServer
    loop: asyncio.AbstractEventLoop
    runner: web.AppRunner
    thread: threading.Thread


def start_server(
    settings: Settings, new_loop: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop
) -> _Running:
    """Run the app on its own loop in a thread, so sync clients (boto3, pandas) can call it."""
    loop = new_loop()
    started = threading.Event()
    holder: dict[str, object] = {}

    async def boot() -> None:
        app = create_app(settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        holder.update(app=app, runner=runner, port=port)

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(boot())
        except BaseException as exc:
            holder["error"] = exc
            started.set()
            return
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="aos-live-server", daemon=True)
    thread.start()
    started.wait(30)
    if "error" in holder:
        raise holder["error"]  # type: ignore[misc]
    port = holder["port"]
    url = f"http://127.0.0.1:{port}"
    live = LiveServer(
        url=url,
        settings=settings.model_copy(update={"port": port, "public_url": url}),
        app=holder["app"],  # type: ignore[arg-type]
    )
    return _Running(live, loop, holder["runner"], thread)  # type: ignore[arg-type]


def stop_server(running: _Running) -> None:
    fut = asyncio.run_coroutine_threadsafe(running.runner.cleanup(), running.loop)
    fut.result(30)
    running.loop.call_soon_threadsafe(running.loop.stop)
    running.thread.join(30)
    running.loop.close()


@contextmanager
def server_blockbuster() -> Iterator[BlockBuster]:
    """blockbuster over the server's code. The one blocking call it is told to allow: a
    statement the SQLite connection runs in place on the loop, by design (quick statements on
    an idle connection; see `sqlite_thread`)."""
    with blockbuster_ctx(["aos_server"]) as bb:
        for name, function in bb.functions.items():
            if name.startswith(("sqlite3.Connection.", "sqlite3.Cursor.")):
                function.can_block_in(
                    "aos_server/backends/metadata/sqlite_thread.py", "_run_inline"
                )
        yield bb


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One embedded server for the whole session (tests use unique project names).

    blockbuster is active while it runs: a blocking call on the server's event loop (file or
    socket I/O, sleep) fails the request it happened in, so the loop provably stays free.
    """
    with server_blockbuster() as bb:
        # Startup and shutdown may block (creating directories); requests may not.
        bb.deactivate()
        running = start_server(make_settings(tmp_path_factory.mktemp("aos-live")))
        bb.activate()
        try:
            yield running.server
        finally:
            bb.deactivate()
            stop_server(running)


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own, for tests that need an empty store."""
    running = start_server(make_settings(tmp_path / "aos"))
    yield running.server
    stop_server(running)


def admin_api(server: LiveServer) -> httpx.Client:
    """An httpx client on the server's JSON API, signed in as the admin."""
    return httpx.Client(
        base_url=f"{server.url}/api/v2",
        headers={"Authorization": f"Bearer {server.admin_token}"},
    )


def boto3_s3(server: LiveServer, **config: object) -> Any:
    """A boto3 S3 client on the server, with the admin's keys (`config`: botocore Config)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        config=Config(**config),  # type: ignore[arg-type]
    )
