"""An endpoint whose blobs live in an upstream S3 (SeaweedFS) replicates with a local-disk one:
the plaintext travels (there is no stored form to hand over) and is verified on arrival."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import unique
from tests.s3_upstream import Upstream, seaweedfs

from .sites import HEADERS, Proc, Site, s3_client

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[Upstream]:
    (tmp_path / "weed-data").mkdir()
    with seaweedfs(tmp_path / "weed-data") as up:
        yield up


def finished(server: Proc, object_id: str) -> set[str]:
    rows = httpx.get(f"{server.url}/api/v2/resources/{object_id}/replicas", headers=HEADERS).json()
    assert not [r for r in rows if r["status"] == "ERROR"], rows
    return {r["endpoint_name"] for r in rows if r["status"] == "FINISHED"}


def wait_for(check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_replication_between_disk_and_upstream_s3(site: Site, upstream: Upstream) -> None:
    server = site.server()
    api = f"{server.url}/api/v2"
    disk_ep = site.create_endpoint(server, "disk")
    s3_ep = site.create_endpoint(server, "cloud")
    project = unique("cloud")
    pid = httpx.post(f"{api}/projects", json={"name": project}, headers=HEADERS).json()["id"]
    for ep in (disk_ep, s3_ep):
        r = httpx.put(
            f"{api}/projects/{pid}/endpoints/{ep['id']}", json={"mode": "FULL"}, headers=HEADERS
        )
        assert r.status_code == 200, r.text
    fast = {"AOS_REPLICATION_POLL_SECONDS": "0.2", "AOS_ENCRYPT": "true"}
    disk = site.proxy(server, "disk", disk_ep["credential"], **fast)
    cloud = site.proxy(
        server,
        "cloud",
        s3_ep["credential"],
        AOS_BLOBS_URL=f"s3://{upstream.bucket}/cloud?endpoint={upstream.endpoint}",
        AOS_UPSTREAM_S3_ACCESS_KEY=upstream.access_key,
        AOS_UPSTREAM_S3_SECRET_KEY=upstream.secret_key,
        **fast,
    )

    def object_id(key: str) -> str:
        r = httpx.get(f"{api}/resolve", params={"path": f"{project}/{key}"}, headers=HEADERS)
        return str(r.json()[-1]["id"])

    to_cloud, to_disk = os.urandom(1_500_000), os.urandom(300_000)
    s3_client(disk.url).put_object(Bucket=project, Key="up.bin", Body=to_cloud)
    s3_client(cloud.url).put_object(Bucket=project, Key="down.bin", Body=to_disk)
    up_id, down_id = object_id("up.bin"), object_id("down.bin")
    wait_for(lambda: finished(server, up_id) == {"disk", "cloud"})
    wait_for(lambda: finished(server, down_id) == {"disk", "cloud"})
    # The upstream holds both blobs now (sealed by the cloud endpoint itself).
    listed = upstream.client().list_objects_v2(Bucket=upstream.bucket, Prefix="cloud/blobs/")  # type: ignore[attr-defined]
    assert len(listed.get("Contents", [])) == 2
    disk.kill()
    for key, data in (("up.bin", to_cloud), ("down.bin", to_disk)):
        got = s3_client(cloud.url).get_object(Bucket=project, Key=key)["Body"].read()
        assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest(), key
