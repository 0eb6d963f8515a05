"""Disk full: the server's data directory lives on a small tmpfs that the test fills up.

Uploads that do not fit get a clear error (S3 `InsufficientStorage`, API `insufficient_storage`,
both 507), nothing stored before is damaged, reads keep working, and once space is freed writes
work again. Mounting needs root (CAP_SYS_ADMIN); without it the test is skipped, saying so.
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.factories import payload
from tests.procs import ServeProcess

from .workload import BUCKET, MiB, api_client, md5, resource_id, s3_client

pytestmark = pytest.mark.slow


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "small"
    mnt.mkdir()
    mounted = subprocess.run(  # noqa: S603 - fixed arguments
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mnt)],  # noqa: S607
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr!r}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)  # noqa: S603, S607


def fill(path: Path) -> int:
    """Write zeros to `path` until the filesystem refuses; returns the bytes written."""
    written = 0
    block = b"\0" * (256 * 1024)
    with path.open("wb", buffering=0) as f:
        try:
            while True:
                written += f.write(block)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    return written


def assert_storage_full_xml(err: ClientError) -> None:
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 507
    assert err.response["Error"]["Code"] == "InsufficientStorage"
    assert "storage is full" in err.response["Error"]["Message"]


def test_disk_full(small_fs: Path) -> None:
    data_dir = small_fs / "data"
    server = ServeProcess(data_dir, env={"AOS_WRITE_PROFILE": "false"}).start()
    try:
        s3 = s3_client(server.url)
        s3.create_bucket(Bucket=BUCKET)
        stored = {}
        for i in range(4):
            data = payload(MiB + i, seed=i)
            s3.put_object(Bucket=BUCKET, Key=f"kept/{i}", Body=data)
            stored[f"kept/{i}"] = md5(data)
        with api_client(server.url) as api:
            rid = resource_id(api, f"{BUCKET}/kept/0")

        upload = s3.create_multipart_upload(Bucket=BUCKET, Key="mp")["UploadId"]

        ballast = small_fs / "ballast"
        assert fill(ballast) > 10 * MiB

        # A single PUT and a multipart part that do not fit: S3 XML, 507, a readable message.
        with pytest.raises(ClientError) as put_err:
            s3.put_object(Bucket=BUCKET, Key="big", Body=payload(4 * MiB, seed=9))
        assert_storage_full_xml(put_err.value)
        with pytest.raises(ClientError) as part_err:
            s3.upload_part(
                Bucket=BUCKET, Key="mp", UploadId=upload, PartNumber=1, Body=payload(5 * MiB)
            )
        assert_storage_full_xml(part_err.value)

        # A metadata write through the API: stored (SQLite had room in its pages) or a clean 507.
        with api_client(server.url) as api:
            response = api.patch(
                f"/resources/{rid}/key-values", json={"add": [{"key": "when", "value": "full"}]}
            )
            if response.status_code != 200:
                assert response.status_code == 507, response.text
                assert response.headers["content-type"].startswith("application/problem+json")
                assert response.json()["code"] == "insufficient_storage"
            # Reads keep working: the API and every stored object's bytes and listing.
            assert api.get(f"/resources/{rid}").status_code == 200
        for key, digest in stored.items():
            assert md5(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()) == digest
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
        assert listed == sorted(stored)
        with pytest.raises(ClientError):
            s3.head_object(Bucket=BUCKET, Key="big")
        assert not list((data_dir / "blobs" / "tmp").glob("*.partial")), "a failed upload's temp"

        # Space freed: writes work again, and nothing was damaged.
        ballast.unlink()
        data = payload(4 * MiB, seed=9)
        s3.put_object(Bucket=BUCKET, Key="big", Body=data)
        assert md5(s3.get_object(Bucket=BUCKET, Key="big")["Body"].read()) == md5(data)
        s3.upload_part(Bucket=BUCKET, Key="mp", UploadId=upload, PartNumber=1, Body=b"x")
        s3.abort_multipart_upload(Bucket=BUCKET, Key="mp", UploadId=upload)
        for key, digest in stored.items():
            assert md5(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()) == digest
        assert httpx.get(f"{server.url}/health").status_code == 200
    finally:
        with contextlib.suppress(Exception):
            server.stop()
    db = sqlite3.connect(data_dir / "aos.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
