"""A server of this package's own (its blob directory is counted, its sweeper run)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from aos_fs.client import AOSClient
from aos_server.keys import BLOBS, META
from aos_server.services.sweeper import Sweeper
from tests.conftest import _Running, make_settings, start_server, stop_server
from tests.postgres_db import fresh_schema_sync


class Server:
    def __init__(self, running: _Running) -> None:
        self.running = running
        self.live = running.server
        self.url = self.live.url

    def run(self, coro: Any) -> Any:
        """Run a coroutine on the server's own loop (stores belong to it)."""
        return asyncio.run_coroutine_threadsafe(coro, self.running.loop).result(60)

    def sweep(self) -> int:
        """Run the sweeper with no grace period; returns the orphans it removed."""
        app = self.live.app
        sweeper = Sweeper(app[META], app[BLOBS], grace=timedelta(0))
        return int(self.run(sweeper.run_once()).orphans)

    def blob_files(self) -> list[Path]:
        root = Path(self.live.settings.data_dir)
        return sorted(p for p in root.rglob("*") if p.is_file() and "blobs" in p.parts)

    def admin(self) -> AOSClient:
        return AOSClient(self.url, self.live.admin_token)

    def s3(self) -> BaseClient:
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=self.live.access_key,
            aws_secret_access_key=self.live.secret_key,
            region_name="us-east-1",
        )


def _server(path: Path, **overrides: object) -> Iterator[Server]:
    running = start_server(make_settings(path, **overrides))
    try:
        yield Server(running)
    finally:
        stop_server(running)


# The end-to-end tests run on SQLite; AOS_FULL=1 runs them on PostgreSQL too (the store-level
# parts always run on both, in test_store.py).
BACKENDS = ["sqlite"] + (
    [pytest.param("postgres", marks=pytest.mark.postgres)] if os.environ.get("AOS_FULL") else []
)


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The embedded server on SQLite, and the same on PostgreSQL (a throw-away schema)."""
    path = tmp_path_factory.mktemp("aos-gov")
    if request.param == "sqlite":
        yield from _server(path)
        return
    with fresh_schema_sync() as dsn:
        yield from _server(path, metadata_url=dsn)


@pytest.fixture
def admin(server: Server) -> Iterator[AOSClient]:
    with server.admin() as client:
        yield client


@pytest.fixture(scope="module")
def s3(server: Server) -> BaseClient:
    return server.s3()
