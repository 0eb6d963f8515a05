"""Fixtures for the `aos://` filesystem: a fresh instance on the session's live server."""

from __future__ import annotations

import pytest

from aos_fs import AOSFileSystem
from tests.conftest import LiveServer
from tests.factories import unique


@pytest.fixture
def aosfs(live_server: LiveServer) -> AOSFileSystem:
    return AOSFileSystem(
        endpoint_url=live_server.url, token=live_server.admin_token, skip_instance_cache=True
    )


@pytest.fixture
def project(aosfs: AOSFileSystem) -> str:
    """A new, empty project."""
    name = unique("fs")
    aosfs.mkdir(name)
    return name
