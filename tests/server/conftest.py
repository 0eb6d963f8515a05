"""Clients of the shared live server, for the server tests."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import httpx
import pytest
from botocore.client import BaseClient

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


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    """Raw HTTP as the admin, to check the wire format itself."""
    with httpx.Client(
        base_url=f"{live_server.url}/api/v2",
        headers={"Authorization": f"Bearer {live_server.admin_token}"},
        timeout=30,
    ) as client:
        yield client


@pytest.fixture(scope="module")
def s3(live_server: LiveServer) -> BaseClient:
    return boto3.client(
        "s3",
        endpoint_url=live_server.url,
        aws_access_key_id=live_server.access_key,
        aws_secret_access_key=live_server.secret_key,
        region_name="us-east-1",
    )
