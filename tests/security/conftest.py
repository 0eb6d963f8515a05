"""Helpers for the security tests: clients of the shared live server and exact-path S3 requests."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import boto3
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.client import BaseClient
from botocore.credentials import Credentials

from aos_fs.client import AOSClient
from tests.conftest import LiveServer

# What the local blob store names its files and folders (server-made ids, see `check_key`).
BLOB_FILE = re.compile(r"^[A-Za-z0-9_-]{1,128}(\.sealed)?(\.[A-Za-z0-9_-]{1,128}\.partial)?$")
BLOB_DIR = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
# What an error body must never show: tracebacks, source files, SQL, Python class names.
LEAKS = re.compile(
    r"Traceback|File \"|\.py\b|/site-packages/|/home/|/tmp/|/usr/|aos_server|sqlite|asyncpg"
    r"|\bSELECT\b|\bINSERT\b|\bUPDATE \w+ SET\b|\bFROM \w+ WHERE\b"
    r"|\b[A-Z][A-Za-z]+(Error|Exception)\b(?!</Code>)|<class '",
)


def leaks(text: str, *echoed: str) -> list[str]:
    """Internals shown in `text`, after removing what the client itself sent (echoes are fine)."""
    text = re.sub(r"<Resource>.*?</Resource>", "", text, flags=re.S)
    for value in sorted(echoed, key=len, reverse=True):
        if value:
            text = text.replace(value, "").replace(unquote(value), "")
            text = text.replace(json.dumps(unquote(value))[1:-1], "")
    return [m.group(0) for m in LEAKS.finditer(text)]


@pytest.fixture
def admin(live_server: LiveServer) -> Iterator[AOSClient]:
    with AOSClient(live_server.url, live_server.admin_token) as client:
        yield client


@pytest.fixture(scope="module")
def s3(live_server: LiveServer) -> BaseClient:
    return s3_client(live_server, live_server.access_key, live_server.secret_key)


def s3_client(server: LiveServer, key: str, secret: str) -> BaseClient:
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name="us-east-1",
    )


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def raw_request(
    server: LiveServer,
    method: str,
    raw_path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    sign: bool = True,
) -> RawResponse:
    """Send `raw_path` byte for byte (no client normalises '..' or re-encodes it), SigV4-signed."""
    all_headers = dict(headers or {})
    if sign:
        req = AWSRequest(method=method, url=server.url + raw_path, data=body, headers=all_headers)
        S3SigV4Auth(Credentials(server.access_key, server.secret_key), "s3", "us-east-1").add_auth(
            req
        )
        all_headers = dict(req.headers.items())
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.putrequest(method, raw_path, skip_accept_encoding=True)
        for name, value in all_headers.items():
            conn.putheader(name, value)
        if body or method in ("PUT", "POST"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        response = conn.getresponse()
        return RawResponse(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        conn.close()


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]
