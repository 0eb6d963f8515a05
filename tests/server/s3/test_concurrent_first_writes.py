"""Concurrent first writes under one new path: each S3 PUT succeeds, on either store.

Found by the crash test's workload on PostgreSQL: two PUTs that both had to create the same
missing collection raced, and the later one failed with `OperationAborted` ("'obj' already
exists") instead of using the collection the other had just created.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from botocore.client import BaseClient

from tests.conftest import make_settings, start_server, stop_server
from tests.crash.workload import md5, s3_client
from tests.factories import payload, unique
from tests.postgres_db import fresh_schema_sync


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def s3(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BaseClient]:
    if request.param == "sqlite":
        running = start_server(make_settings(tmp_path))
        try:
            yield s3_client(running.server.url)
        finally:
            stop_server(running)
        return
    with fresh_schema_sync() as dsn:
        running = start_server(make_settings(tmp_path, metadata_url=dsn))
        try:
            yield s3_client(running.server.url)
        finally:
            stop_server(running)


def test_first_writes_racing_to_create_a_path_all_succeed(s3: BaseClient) -> None:
    bucket = unique("race")
    s3.create_bucket(Bucket=bucket)
    # Eight writers under one new collection (each its own new dataset), four more under one
    # new dataset, and four on one new key: every one must create something another creates too.
    keys = [f"new/w{i}/obj" for i in range(8)] + [f"new/shared/o{i}" for i in range(4)]
    keys += ["same/key/x"] * 4
    bodies = [payload(1000 + i, seed=i) for i in range(len(keys))]
    with ThreadPoolExecutor(len(keys)) as pool:
        list(pool.map(lambda kb: s3.put_object(Bucket=bucket, Key=kb[0], Body=kb[1]),
                      zip(keys, bodies, strict=True)))  # fmt: skip
    listed = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed == set(keys)
    for key, body in zip(keys[:12], bodies[:12], strict=True):
        assert md5(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) == md5(body)
    revisions = s3.list_object_versions(Bucket=bucket, Prefix="same/key/x")["Versions"]
    assert len(revisions) == 4
