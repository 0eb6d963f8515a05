"""Acceptance: a server and two `aos proxy` endpoints (subprocesses) on one PostgreSQL.

Upload on A, replication to B (status in the API and in fsspec `info`), fetch-through for what
B does not keep, resumption after B restarts, a failing transfer retried until FINISHED, and A
killed with SIGKILL while B still serves every replicated object with its hash verified.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aos_fs import AOSFileSystem
from tests.conftest import ADMIN_TOKEN
from tests.factories import unique

from .sites import HEADERS, Proc, Site, s3_client

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]
FAST = {
    "AOS_REPLICATION_POLL_SECONDS": "0.2",
    "AOS_REPLICATION_BACKOFF_SECONDS": "0.5",
    "AOS_ENCRYPT": "true",
    "AOS_COMPRESS": "true",
}


def s3(endpoint: Proc) -> Any:
    return s3_client(endpoint.url)


def replicas(server: Proc, object_id: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{server.url}/api/v2/resources/{object_id}/replicas", headers=HEADERS)
    assert r.status_code == 200, r.text
    return list(r.json())


def wait_for(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def status_on(server: Proc, object_id: str, endpoint: str) -> dict[str, Any] | None:
    for row in replicas(server, object_id):
        if row["endpoint_name"] == endpoint:
            return row
    return None


def test_upload_on_a_replicates_to_b_and_survives_a(site: Site) -> None:
    server = site.server()
    ep_a = site.create_endpoint(server, "site-a")
    ep_b = site.create_endpoint(server, "site-b")
    assert ep_a["credential"].startswith("aosep_") and ep_a["status"] == "NEW"
    project = unique("multi")
    api = f"{server.url}/api/v2"
    pid = httpx.post(f"{api}/projects", json={"name": project}, headers=HEADERS).json()["id"]
    for ep, body in ((ep_a, {"mode": "FULL"}), (ep_b, {"mode": "PARTIAL", "prefixes": ["shared"]})):
        r = httpx.put(f"{api}/projects/{pid}/endpoints/{ep['id']}", json=body, headers=HEADERS)
        assert r.status_code == 200, r.text
    listed = httpx.get(f"{api}/projects/{pid}/endpoints", headers=HEADERS).json()
    assert [(e["endpoint_name"], e["mode"], e["prefixes"]) for e in listed] == [
        ("site-a", "FULL", []),
        ("site-b", "PARTIAL", ["shared"]),
    ]

    a = site.proxy(server, "site-a", ep_a["credential"], config=True, **FAST)
    b = site.proxy(server, "site-b", ep_b["credential"], **FAST)
    endpoints = {e["name"]: e for e in httpx.get(f"{api}/endpoints", headers=HEADERS).json()}
    assert endpoints["site-a"]["public_url"] == a.url and endpoints["site-a"]["status"] == "ONLINE"
    assert endpoints["site-b"]["public_url"] == b.url and endpoints["default"]["is_default"]

    big = os.urandom(3 * 1024 * 1024 + 17)
    note = b"kept on site A only"
    s3(a).put_object(Bucket=project, Key="shared/big.bin", Body=big)
    s3(a).put_object(Bucket=project, Key="local/note.txt", Body=note)

    def object_id(key: str) -> str:
        r = httpx.get(f"{api}/resolve", params={"path": f"{project}/{key}"}, headers=HEADERS)
        return str(r.json()[-1]["id"])

    big_id, note_id = object_id("shared/big.bin"), object_id("local/note.txt")
    done = wait_for(
        lambda: (
            (row := status_on(server, big_id, "site-b")) and row["status"] == "FINISHED" and row
        ),
        "the replica on B",
    )
    assert done["attempts"] == 1 and done["error"] == ""
    assert status_on(server, big_id, "site-a")["status"] == "FINISHED"  # type: ignore[index]
    assert [r["endpoint_name"] for r in replicas(server, note_id)] == ["site-a"]  # not B's subtree

    # fsspec info shows the same per-endpoint status.
    fs = AOSFileSystem(endpoint_url=server.url, token=ADMIN_TOKEN, skip_instance_cache=True)
    info = fs.info(f"{project}/shared/big.bin", refresh=True)
    assert {r["endpoint_name"]: r["status"] for r in info["replicas"]} == {
        "site-a": "FINISHED",
        "site-b": "FINISHED",
    }
    # B stored what A stored: sealed (compressed + encrypted), never the plaintext.
    stored = list((site.root / "site-b" / "blobs").rglob("*.sealed"))
    assert len(stored) == 1 and big[:4096] not in stored[0].read_bytes()

    # Fetch-through: B lacks local/note.txt and serves it from A, ranges included.
    assert s3(b).get_object(Bucket=project, Key="local/note.txt")["Body"].read() == note
    part = s3(b).get_object(Bucket=project, Key="local/note.txt", Range="bytes=5-8")
    assert part["Body"].read() == note[5:9]

    # B goes down; what is written meanwhile waits for it (the queue is in the database). Then A
    # goes down too: B, restarted, finds no source, shows ERROR with the reason and retries
    # with backoff; once A is back, every waiting replica ends FINISHED.
    b.kill()
    two, three = os.urandom(200_000), os.urandom(100_000)
    s3(a).put_object(Bucket=project, Key="shared/two.bin", Body=two)
    s3(a).put_object(Bucket=project, Key="shared/three.bin", Body=three)
    two_id, three_id = object_id("shared/two.bin"), object_id("shared/three.bin")
    time.sleep(0.5)
    assert status_on(server, two_id, "site-b")["status"] == "WAITING"  # type: ignore[index]
    a.kill()
    b.start()
    failed = wait_for(
        lambda: (
            (row := status_on(server, three_id, "site-b"))
            and row["status"] == "ERROR"
            and row["attempts"] >= 2
            and row
        ),
        "a failed, retried transfer",
    )
    assert "site-a" in failed["error"]
    a.start()
    for oid in (two_id, three_id):
        finished = wait_for(
            lambda oid=oid: (
                (row := status_on(server, oid, "site-b")) and row["status"] == "FINISHED" and row
            ),
            "the retried transfers to finish",
        )
        assert finished["attempts"] >= 2 and finished["error"] == ""

    # A is killed: B still serves every replicated object, bytes verified by their hash.
    a.kill()
    for key, data in (
        ("shared/big.bin", big),
        ("shared/two.bin", two),
        ("shared/three.bin", three),
    ):
        got = s3(b).get_object(Bucket=project, Key=key)["Body"].read()
        assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest(), key
