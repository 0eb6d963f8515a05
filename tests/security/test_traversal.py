"""Hostile names in S3 keys and API paths never reach the filesystem: the blob store only ever
holds server-made names, and every refusal is a clean S3 or problem+json error."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from botocore.client import BaseClient

from aos_fs.client import AOSClient
from aos_server.backends.blobs.local import check_key
from aos_server.errors import InvalidInput
from tests.conftest import LiveServer
from tests.factories import unique
from tests.security.conftest import BLOB_DIR, BLOB_FILE, leaks, raw_request

MARKER = f"pwned-{uuid.uuid4().hex[:12]}"
# Raw (already percent-encoded as sent on the wire) key paths after "/<bucket>/".
HOSTILE_KEYS = [
    pytest.param(f"../../../{MARKER}", id="dotdot"),
    pytest.param(f"%2e%2e/%2e%2e/%2e%2e/{MARKER}", id="encoded-dots"),
    pytest.param(f"..%2F..%2F..%2F{MARKER}", id="encoded-slash"),
    pytest.param(f"%2E%2E%2F%2E%2E%2F{MARKER}", id="all-encoded"),
    pytest.param(f"/tmp/{MARKER}", id="absolute"),  # noqa: S108 - a hostile key, never a file
    pytest.param(f"%2Ftmp%2F{MARKER}", id="encoded-absolute"),
    pytest.param(f"a%00b/{MARKER}", id="nul"),
    pytest.param(f"..%5C..%5C..%5C{MARKER}", id="backslashes"),
    pytest.param(f"..\\..\\{MARKER}", id="raw-backslashes"),
    pytest.param("x" * 5000, id="overlong"),
    pytest.param("/".join(["d"] * 600) + f"/{MARKER}", id="deep"),
]


@pytest.fixture(scope="module")
def bucket(s3: BaseClient) -> str:
    name = unique("trav")
    s3.create_bucket(Bucket=name)
    return name


def assert_blob_dir_clean(server: LiveServer, tmp_root: Path) -> None:
    blobs = server.settings.data_dir / "blobs"
    for path in blobs.rglob("*"):
        pattern = BLOB_FILE if path.is_file() else BLOB_DIR
        assert pattern.match(path.name), f"not a server-made name: {path.relative_to(blobs)}"
    assert not list(tmp_root.rglob(f"*{MARKER}*")), "a hostile name reached the disk"
    assert not Path("/tmp", MARKER).exists()  # noqa: S108 - where the absolute key points


def assert_clean_s3_answer(status: int, headers: dict[str, str], body: bytes, sent: str) -> None:
    assert status < 500, body
    if status >= 400 and body:
        assert headers["content-type"] == "application/xml"
        assert b"<Error><Code>" in body
        assert not leaks(body.decode(), sent), body


@pytest.mark.parametrize("raw_key", HOSTILE_KEYS)
def test_hostile_s3_keys_never_reach_the_filesystem(
    live_server: LiveServer,
    bucket: str,
    raw_key: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    path = f"/{bucket}/{raw_key}"
    put = raw_request(live_server, "PUT", path, b"hostile bytes")
    assert_clean_s3_answer(put.status, put.headers, put.body, path)
    for method in ("GET", "HEAD", "DELETE"):
        got = raw_request(live_server, method, path)
        assert_clean_s3_answer(got.status, got.headers, got.body, path)
    # Multipart takes the same key through another code path.
    started = raw_request(live_server, "POST", path + "?uploads")
    assert_clean_s3_answer(started.status, started.headers, started.body, path)
    assert_blob_dir_clean(live_server, tmp_path_factory.getbasetemp())


@pytest.mark.parametrize(
    "raw_path",
    [
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2F..%2Fetc%2Fpasswd",
        "/%2Fetc%2Fpasswd/x",
        "/bucket%00/x",
        "/..%5C..%5Cetc/passwd",
    ],
)
def test_hostile_bucket_names_are_refused(live_server: LiveServer, raw_path: str) -> None:
    for method in ("PUT", "GET"):
        got = raw_request(live_server, method, raw_path)
        assert 400 <= got.status < 500, got.body
        assert_clean_s3_answer(got.status, got.headers, got.body, raw_path)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("../escape", id="dotdot"),
        pytest.param("a/../../b", id="dotdot-inside"),
        pytest.param("/etc/passwd", id="absolute"),
        pytest.param("a\x00b", id="nul"),
        pytest.param("..\\..\\x", id="backslashes"),
        pytest.param("n" * 5000, id="overlong"),
    ],
)
def test_hostile_api_object_names_are_problems(
    live_server: LiveServer, admin: AOSClient, name: str
) -> None:
    project = admin.create_project(unique("trav"))
    response = httpx.post(
        f"{live_server.url}/api/v2/objects",
        json={"name": name, "parent_id": project.id},
        headers={"Authorization": f"Bearer {live_server.admin_token}"},
    )
    if response.status_code < 300:
        # Accepted as a plain name (only '/' separates segments): never a file path.
        assert response.json()["name"] == name
        return
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert not leaks(response.text, name), response.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/resources/..%2F..%2Fetc%2Fpasswd",
        "/api/v2/resources/%2e%2e/children",
        "/api/v2/resolve?path=..%2F..%2Fetc%2Fpasswd",
        "/api/v2/resolve?path=%2Fetc%2Fpasswd",
        "/api/v2/resolve?path=a%00b",
        "/api/v2/versions/..%5C..%5Cx",
        "/api/v2/bundles/..%2F..%2Fmaster.key/bundle.zip",
        "/r/..%2F..%2Fmaster.key",
        "/r/%2e%2e/ro-crate",
    ],
)
def test_hostile_api_paths_are_clean_errors(live_server: LiveServer, path: str) -> None:
    response = raw_request(
        live_server,
        "GET",
        path,
        headers={"Authorization": f"Bearer {live_server.admin_token}"},
        sign=False,
    )
    assert 400 <= response.status < 500, response.body
    assert b"master" not in response.body.lower() or b"master.key" in path.encode()
    assert not leaks(response.body.decode(), path), response.body


@pytest.mark.parametrize(
    "key", ["../x", "a/b", "/abs", "a\x00b", "..\\x", ".", "", "k" * 129, "a.b", "%2e%2e"]
)
def test_blob_keys_outside_the_server_alphabet_are_refused(key: str) -> None:
    with pytest.raises(InvalidInput):
        check_key(key)
