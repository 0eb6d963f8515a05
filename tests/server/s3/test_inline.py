"""Small objects keep their bytes in the metadata database, committed with their revision: no
file is written for them, and every S3 read (whole, ranges, HEAD, copies) serves them alike."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from aos_server.backends.blobs.inline import INLINE_PREFIX
from aos_server.domain.ids import new_id
from aos_server.keys import BLOBS, META
from aos_server.services.sweeper import Sweeper
from tests.conftest import LiveServer, boto3_s3, make_settings, start_server, stop_server
from tests.factories import payload, unique

INLINE_MAX = 16 * 1024


def blob_files(server: LiveServer) -> list[Path]:
    root = Path(server.settings.data_dir) / "blobs" / "blobs"
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The default server, one with inline bytes turned off, and one that encrypts at rest."""
    started = {
        name: start_server(make_settings(tmp_path_factory.mktemp(name), **overrides))
        for name, overrides in {
            "default": {},
            "off": {"inline_max": 0},
            "encrypted": {"encrypt": True},
        }.items()
    }
    try:
        yield started
    finally:
        for r in started.values():
            stop_server(r)


@pytest.fixture(scope="module")
def servers(running: dict[str, Any]) -> dict[str, LiveServer]:
    return {name: r.server for name, r in running.items()}


def _bucket(s3: Any) -> str:
    name = unique("inl")
    s3.create_bucket(Bucket=name)
    return name


def test_small_objects_write_no_file_and_read_back_every_way(
    servers: dict[str, LiveServer],
) -> None:
    server = servers["default"]
    s3 = boto3_s3(server)
    bucket = _bucket(s3)
    before = blob_files(server)
    bodies = {"one-byte": b"x", "4k": payload(4096, seed=1), "at-limit": payload(INLINE_MAX, 2)}
    for key, body in bodies.items():
        put = s3.put_object(Bucket=bucket, Key=f"d/{key}", Body=body)
        assert put["ETag"].strip('"') == hashlib.md5(body, usedforsecurity=False).hexdigest()
    assert blob_files(server) == before  # all three are in the database
    for key, body in bodies.items():
        assert s3.get_object(Bucket=bucket, Key=f"d/{key}")["Body"].read() == body
        head = s3.head_object(Bucket=bucket, Key=f"d/{key}")
        assert head["ContentLength"] == len(body)
    body = bodies["4k"]
    ranged = s3.get_object(Bucket=bucket, Key="d/4k", Range="bytes=100-199")
    assert ranged["Body"].read() == body[100:200]
    assert ranged["ContentRange"] == "bytes 100-199/4096"
    suffix = s3.get_object(Bucket=bucket, Key="d/4k", Range="bytes=-10")["Body"].read()
    assert suffix == body[-10:]
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "d/4k"})
    assert s3.get_object(Bucket=bucket, Key="copy")["Body"].read() == body
    # One byte over the limit is a file again.
    s3.put_object(Bucket=bucket, Key="d/over", Body=payload(INLINE_MAX + 1, seed=3))
    assert len(blob_files(server)) == len(before) + 1
    assert s3.get_object(Bucket=bucket, Key="d/over")["Body"].read() == payload(INLINE_MAX + 1, 3)


@pytest.mark.parametrize("name", ["off", "encrypted"])
def test_inline_bytes_can_be_turned_off_and_never_hold_what_must_be_encrypted(
    servers: dict[str, LiveServer], name: str
) -> None:
    server = servers[name]
    s3 = boto3_s3(server)
    bucket = _bucket(s3)
    before = len(blob_files(server))
    body = payload(4096, seed=4)
    s3.put_object(Bucket=bucket, Key="small", Body=body)
    files = blob_files(server)
    assert len(files) == before + 1
    if name == "encrypted":
        assert body[:64] not in max(files, key=lambda p: p.stat().st_mtime).read_bytes()
    assert s3.get_object(Bucket=bucket, Key="small")["Body"].read() == body
    # HEAD of a blob that cannot be sent as a file (sealed) answers with its length.
    assert s3.head_object(Bucket=bucket, Key="small")["ContentLength"] == len(body)


def test_orphan_inline_bytes_are_swept_and_referenced_ones_kept(
    running: dict[str, Any],
) -> None:
    server = running["default"].server
    s3 = boto3_s3(server)
    bucket = _bucket(s3)
    s3.put_object(Bucket=bucket, Key="kept", Body=b"still referenced")
    meta, blobs = server.app[META], server.app[BLOBS]
    orphan = INLINE_PREFIX + new_id()

    async def sweep() -> int:
        async with meta.write() as s:
            await s.put_inline_blob(orphan, b"no revision points here")
        assert await blobs.exists(orphan)
        result = await Sweeper(meta, blobs, grace=timedelta(0)).run_once()
        assert not await blobs.exists(orphan)
        return result.orphans

    # The server's store lives on the server's loop: run there.
    swept = asyncio.run_coroutine_threadsafe(sweep(), running["default"].loop).result(30)
    assert swept >= 1
    assert s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"still referenced"
