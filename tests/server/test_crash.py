"""Crash safety: SIGKILL in the middle of a large PUT and of a multipart completion.

After a restart no partial object is visible and everything committed before is intact.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from tests.crash.workload import md5, s3_client
from tests.factories import payload
from tests.procs import ServeProcess

pytestmark = pytest.mark.slow
MiB = 1 << 20


def committed(s3: BaseClient) -> dict[str, str]:
    s3.create_bucket(Bucket="crash")
    before = {}
    for i in range(5):
        data = payload(MiB + i, seed=i)
        s3.put_object(Bucket="crash", Key=f"kept/{i}.bin", Body=data)
        before[f"kept/{i}.bin"] = md5(data)
    return before


def assert_intact(s3: BaseClient, before: dict[str, str]) -> None:
    for key, digest in before.items():
        assert md5(s3.get_object(Bucket="crash", Key=key)["Body"].read()) == digest


def slow_body(total: int, sent: threading.Event) -> Iterator[bytes]:
    chunk = payload(MiB, seed=99)
    for i in range(total // MiB):
        if i == 20:
            sent.set()
        yield chunk
        time.sleep(0.005)


def test_kill_during_large_put(tmp_path: Path) -> None:
    server = ServeProcess(tmp_path / "data", env={"AOS_WRITE_PROFILE": "false"}).start()
    s3 = s3_client(server.url)
    before = committed(s3)
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": "crash", "Key": "big/partial.bin"}, ExpiresIn=300
    )
    sent = threading.Event()
    errors: list[BaseException] = []

    def upload() -> None:
        try:
            httpx.put(
                url,
                content=slow_body(100 * MiB, sent),
                headers={"Content-Length": str(100 * MiB)},
                timeout=60,
            )
        except BaseException as exc:  # the server dies mid-request
            errors.append(exc)

    thread = threading.Thread(target=upload)
    thread.start()
    assert sent.wait(30)
    server.kill()
    thread.join(60)
    assert errors, "the upload should have been cut off"

    restarted = ServeProcess(tmp_path / "data", port=server.port).start()
    try:
        s3 = s3_client(restarted.url)
        with pytest.raises(ClientError) as err:
            s3.head_object(Bucket="crash", Key="big/partial.bin")
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="crash")["Contents"]]
        assert keys == sorted(before)
        assert_intact(s3, before)
        # The temp file of the cut upload is on disk until the sweeper's grace period ends.
        assert list((tmp_path / "data" / "blobs" / "tmp").glob("*.partial"))
    finally:
        restarted.stop()


def test_kill_during_multipart_complete(tmp_path: Path) -> None:
    server = ServeProcess(tmp_path / "data", env={"AOS_WRITE_PROFILE": "false"}).start()
    s3 = s3_client(server.url)
    before = committed(s3)
    parts_data = [payload(16 * MiB, seed=n) for n in range(4)]
    upload = s3.create_multipart_upload(Bucket="crash", Key="mp/whole.bin")["UploadId"]
    parts = []
    for n, data in enumerate(parts_data, start=1):
        etag = s3.upload_part(
            Bucket="crash", Key="mp/whole.bin", UploadId=upload, PartNumber=n, Body=data
        )["ETag"]
        parts.append({"PartNumber": n, "ETag": etag})

    def complete() -> None:
        with contextlib.suppress(Exception):  # the server is killed under it
            s3.complete_multipart_upload(
                Bucket="crash",
                Key="mp/whole.bin",
                UploadId=upload,
                MultipartUpload={"Parts": parts},
            )

    thread = threading.Thread(target=complete)
    thread.start()
    time.sleep(0.05)
    server.kill()
    thread.join(60)

    restarted = ServeProcess(tmp_path / "data", port=server.port).start()
    try:
        s3 = s3_client(restarted.url)
        try:
            whole = s3.get_object(Bucket="crash", Key="mp/whole.bin")["Body"].read()
        except ClientError as err:
            assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 404  # noqa: PT017
        else:  # if the commit made it, the object is complete, never partial
            assert md5(whole) == md5(b"".join(parts_data))
        assert_intact(s3, before)
    finally:
        restarted.stop()
