"""The whole service on PostgreSQL: one server end to end, then two servers on one database.

Servers are real `aos serve` processes. The two-server tests are the scale-out shape: stateless
API processes sharing PostgreSQL for metadata and an upstream S3 (SeaweedFS) for bytes. They
show that what one process writes is visible through the other at once, and how long another
process may still honour revoked S3 keys (the S3 actor cache of `AuthService`).
"""

from __future__ import annotations

import base64
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from aos_server.services.auth import AuthService
from tests.conftest import ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY, ADMIN_TOKEN
from tests.factories import payload, unique
from tests.postgres_db import fresh_schema_sync
from tests.procs import ServeProcess
from tests.s3_upstream import Upstream, seaweedfs

pytestmark = pytest.mark.postgres
MiB = 1 << 20


def s3_client(
    server: ServeProcess, key: str | None = None, secret: str | None = None
) -> BaseClient:
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=key or ADMIN_ACCESS_KEY,
        aws_secret_access_key=secret or ADMIN_SECRET_KEY,
        region_name="us-east-1",
    )


def api(server: ServeProcess) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.url}/api/v2",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=30,
    )


def serve(data_dir: Path, **env: str) -> ServeProcess:
    return ServeProcess(data_dir, env={"AOS_WRITE_PROFILE": "false", **env}).start()


@pytest.fixture(scope="module")
def pg_dsn() -> Iterator[str]:
    with fresh_schema_sync() as dsn:
        yield dsn


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upstream]:
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as up:
        yield up


@pytest.fixture(scope="module")
def servers(
    pg_dsn: str, upstream: Upstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[ServeProcess]]:
    """Two processes on one PostgreSQL schema and one upstream bucket, sealing blobs at rest."""
    shared = {
        "AOS_METADATA_URL": pg_dsn,
        "AOS_BLOBS_URL": f"s3://{upstream.bucket}/e2e-{unique('p')}?endpoint={upstream.endpoint}",
        "AOS_UPSTREAM_S3_ACCESS_KEY": upstream.access_key,
        "AOS_UPSTREAM_S3_SECRET_KEY": upstream.secret_key,
        "AOS_UPSTREAM_S3_PART_SIZE": str(5 * MiB),
        "AOS_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),  # the same in every process
        "AOS_ENCRYPT": "true",
        "AOS_COMPRESS": "true",
    }
    # The first process creates the schema and the admin; the second finds both.
    running = [serve(tmp_path_factory.mktemp(f"aos-{i}"), **shared) for i in range(2)]
    try:
        yield running
    finally:
        for proc in running:
            proc.stop()


def test_one_server_on_postgres_end_to_end(pg_dsn: str, tmp_path: Path) -> None:
    """Project through the API, bytes through S3 (boto3), listing and reading back."""
    server = serve(tmp_path / "aos", AOS_METADATA_URL=pg_dsn)
    try:
        name = unique("pg")
        with api(server) as client:
            created = client.post("/projects", json={"name": name})
            assert created.status_code == 201, created.text
            project_id = created.json()["id"]
        s3 = s3_client(server)
        data = payload(3 * MiB + 11, seed=7)
        s3.put_object(Bucket=name, Key="raw/a.bin", Body=data, Metadata={"origin": "e2e"})
        s3.upload_fileobj(
            io.BytesIO(payload(12 * MiB, seed=8)),
            name,
            "raw/big.bin",
            Config=boto3.s3.transfer.TransferConfig(multipart_threshold=5 * MiB),
        )
        s3.put_object(Bucket=name, Key="raw/a.bin", Body=b"second revision")
        listed = s3.list_objects_v2(Bucket=name, Prefix="raw/")
        assert [o["Key"] for o in listed["Contents"]] == ["raw/a.bin", "raw/big.bin"]
        got = s3.get_object(Bucket=name, Key="raw/a.bin")
        assert got["Body"].read() == b"second revision"
        versions = s3.list_object_versions(Bucket=name, Prefix="raw/a.bin")["Versions"]
        assert len(versions) == 2
        first = next(v for v in versions if not v["IsLatest"])
        old = s3.get_object(Bucket=name, Key="raw/a.bin", VersionId=first["VersionId"])
        assert old["Body"].read() == data
        assert old["Metadata"] == {"origin": "e2e"}
        ranged = s3.get_object(Bucket=name, Key="raw/big.bin", Range="bytes=5242879-5242889")
        assert ranged["Body"].read() == payload(12 * MiB, seed=8)[5242879:5242890]
        with api(server) as client:
            children = client.get(f"/resources/{project_id}/children")
            assert children.status_code == 200, children.text
            assert [c["name"] for c in children.json()["items"]] == ["raw"]
            stats = client.get(f"/resources/{project_id}?stats=true").json()["stats"]
            assert stats["count"] == 2
            assert stats["size"] == 12 * MiB + len(b"second revision")
            # Numbers beyond PostgreSQL's 32-bit columns are "not there", never a 500.
            obj = client.get("/resolve", params={"path": f"{name}/raw/a.bin"}).json()[-1]
            huge = client.get(f"/resources/{obj['id']}/versions/{2**40}")
            assert huge.status_code == 404, huge.text
            assert huge.json()["code"] == "version_not_found"
        upload = s3.create_multipart_upload(Bucket=name, Key="raw/m.bin")["UploadId"]
        parts = s3.list_parts(Bucket=name, Key="raw/m.bin", UploadId=upload, PartNumberMarker=2**40)
        assert parts.get("Parts", []) == []
        s3.abort_multipart_upload(Bucket=name, Key="raw/m.bin", UploadId=upload)
    finally:
        assert server.stop() == 0


def test_write_through_one_read_through_the_other(servers: list[ServeProcess]) -> None:
    a, b = servers
    name = unique("two")
    with api(a) as client:
        assert client.post("/projects", json={"name": name}).status_code == 201
    s3a, s3b = s3_client(a), s3_client(b)
    s3b.head_bucket(Bucket=name)  # the project made through A is a bucket on B at once
    data = payload(7 * MiB + 5, seed=3)
    for round_ in range(3):
        body = data + bytes([round_])
        s3a.put_object(Bucket=name, Key="shared/obj", Body=body)
        # No sleep: the next request, on the other process, sees the new revision.
        assert s3b.get_object(Bucket=name, Key="shared/obj")["Body"].read() == body
    s3b.put_object(Bucket=name, Key="from-b", Body=b"b")
    keys = [o["Key"] for o in s3a.list_objects_v2(Bucket=name)["Contents"]]
    assert keys == ["from-b", "shared/obj"]
    s3a.delete_object(Bucket=name, Key="from-b")
    with pytest.raises(ClientError):
        s3b.head_object(Bucket=name, Key="from-b")
    with api(b) as client:
        listed = client.get("/projects").json()
        names = [p["name"] for p in (listed["items"] if isinstance(listed, dict) else listed)]
        assert name in names


def test_revoked_s3_keys_expire_on_other_processes_within_the_cache_window(
    servers: list[ServeProcess],
) -> None:
    a, b = servers
    with api(a) as client:
        created = client.post("/s3-credentials", json={})
        assert created.status_code == 201, created.text
        key, secret = created.json()["access_key_id"], created.json()["secret_access_key"]
    s3b = s3_client(b, key, secret)
    s3b.list_buckets()  # B now holds the key in its actor cache
    with api(a) as client:
        assert client.delete(f"/s3-credentials/{key}").status_code in (200, 204)
    with pytest.raises(ClientError):
        s3_client(a, key, secret).list_buckets()  # A forgot it at once
    revoked_at = time.monotonic()
    # B may still honour the key until its cache entry expires (AuthService.CACHE_SECONDS) ...
    deadline = revoked_at + AuthService.CACHE_SECONDS + 0.5
    while time.monotonic() < deadline:
        try:
            s3b.list_buckets()
        except ClientError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("B kept honouring a revoked key past the cache window")
    # ... and refuses it from then on.
    with pytest.raises(ClientError, match="InvalidAccessKeyId"):
        s3b.list_buckets()
