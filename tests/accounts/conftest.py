"""Clients and helpers for the account tests (all against the shared live server)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config

from aos_fs.client import AOSClient
from tests.conftest import LiveServer


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def s3_client(url: str, access: str, secret: str) -> BaseClient:
    return boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture
def admin(live_server: LiveServer) -> Iterator[AOSClient]:
    with AOSClient(live_server.url, live_server.admin_token) as client:
        yield client


def new_user(admin: AOSClient, url: str, name: str) -> AOSClient:
    """A fresh user with a personal token, as a client (close it after use)."""
    user = admin.create_user(unique(name))
    token = admin.create_token("t", user_id=user.id)
    return AOSClient(url, token.secret)
