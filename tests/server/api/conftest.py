from __future__ import annotations

from collections.abc import Iterator

import pytest

from aos_fs.client import AOSClient
from tests.conftest import LiveServer


@pytest.fixture
def admin(live_server: LiveServer) -> Iterator[AOSClient]:
    with AOSClient(live_server.url, live_server.admin_token) as client:
        yield client


@pytest.fixture
def anonymous(live_server: LiveServer) -> Iterator[AOSClient]:
    with AOSClient(live_server.url, None) as client:
        yield client
