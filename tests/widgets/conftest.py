"""Panels against the session's live server: a connected `Session` and a project with data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from aos_fs import AOSClient, AOSFileSystem
from aos_widgets import Session
from tests.conftest import LiveServer
from tests.factories import unique


@pytest.fixture
async def session(live_server: LiveServer) -> AsyncIterator[Session]:
    s = Session()
    await s.connect(live_server.url, live_server.admin_token)
    yield s
    await s.close()


@pytest.fixture
def admin(live_server: LiveServer) -> AOSClient:
    with AOSClient(live_server.url, live_server.admin_token) as client:
        yield client


@pytest.fixture
def fs(live_server: LiveServer) -> AOSFileSystem:
    return AOSFileSystem(
        endpoint_url=live_server.url, token=live_server.admin_token, skip_instance_cache=True
    )


@pytest.fixture
def project(admin: AOSClient) -> str:
    """A new project with a collection `c` and a dataset `c/d`; returns its name."""
    name = unique("w")
    p = admin.create_project(name)
    c = admin.create_collection(p.id, "c")
    admin.create_dataset(c.id, "d")
    return name


async def until(check: Callable[[], bool], within: float = 10.0) -> None:
    """Wait for a condition that a background task makes true."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)
