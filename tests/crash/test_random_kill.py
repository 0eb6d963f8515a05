"""Crash safety: SIGKILL `aos serve` at a random moment of a mixed workload, restart, check.

Workers do single PUTs (0 B to 6 MiB, new keys and new revisions), deletes, multipart uploads
(5 MiB + up to 1 MiB) and key-value edits through the JSON API, recording what was
acknowledged. After each kill and restart: every acknowledged write is there with the right
bytes, acknowledged deletes are gone, an in-flight write is either absent or complete, nothing
unacknowledged is listed; then, with no write in flight, the server's sweeper (run with no grace
period) leaves exactly one blob file per blob the store references and `PRAGMA integrity_check`
says ok. The restarted server carries the next cycle's workload.

The same runs with the metadata in PostgreSQL (a throwaway schema); there the integrity check is
a consistency query (no version without its object, no AVAILABLE object without a version).
CI runs 3 cycles on SQLite and 1 on PostgreSQL; `AOS_FULL=1` runs 50 on each (or
`AOS_CRASH_CYCLES=N`). `AOS_CRASH_SEED` replays a run's kill timing and workload.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import payload
from tests.postgres_db import fresh_schema_sync
from tests.procs import ServeProcess

from .check import Backend, check_labels, check_objects, sweep_and_inspect
from .ledger import Ledger
from .workload import BUCKET, Run, api_client, md5, resource_id, s3_client

pytestmark = pytest.mark.slow

FULL = bool(os.environ.get("AOS_FULL"))
CYCLES = int(os.environ.get("AOS_CRASH_CYCLES", "50" if FULL else "3"))
SEED = int(os.environ.get("AOS_CRASH_SEED", str(random.randrange(1 << 31))))
ENV = {"AOS_WRITE_PROFILE": "false"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "sqlite":
        yield Backend("sqlite")
        return
    with fresh_schema_sync() as dsn:
        yield Backend("postgres", dsn)


def seed_store(url: str, ledger: Ledger) -> list[str]:
    """The bucket and four long-lived objects whose key-values the label worker edits."""
    s3 = s3_client(url)
    s3.create_bucket(Bucket=BUCKET)
    ids = []
    with api_client(url) as api:
        for i in range(4):
            key = f"meta/{i}"
            data = payload(100 + i, seed=i)
            ledger.begin(key, md5(data))
            s3.put_object(Bucket=BUCKET, Key=key, Body=data)
            ledger.ack(key)
            ids.append(resource_id(api, f"{BUCKET}/{key}"))
    return ids


@pytest.mark.timeout(90 + 30 * CYCLES)
def test_random_sigkill_over_mixed_workload(tmp_path: Path, backend: Backend) -> None:
    rng = random.Random(SEED)
    data_dir = tmp_path / "data"
    ledger = Ledger()
    env = {**ENV, **backend.env}
    cycles = CYCLES if backend.name == "sqlite" or FULL else 1
    server = ServeProcess(data_dir, env=env).start()
    targets = seed_store(server.url, ledger)
    survived = swept = 0
    try:
        for cycle in range(cycles):
            run = Run(server.url, ledger, cycle, seed=rng.randrange(1 << 31))
            run.start(targets)
            time.sleep(rng.uniform(0.3, 2.5))
            run.killed.set()
            server.kill()
            run.join()
            context = f"{backend.name}, seed {SEED}, cycle {cycle}"
            assert not run.failures, f"{context}: requests failed before the kill: {run.failures}"

            server = ServeProcess(data_dir, port=server.port, env=env).start()
            problems = check_objects(server.url, ledger) + check_labels(server.url, ledger)
            assert not problems, f"{context}: {problems}"
            # No client write is in flight now, so the sweeper may run with no grace period.
            report = sweep_and_inspect(backend, data_dir)
            assert report.integrity == "ok", f"{context}: {report}"
            assert report.stored_blobs == report.referenced_blobs, f"{context}: {report}"
            swept += report.swept_orphans + report.swept_temp_files
            survived += 1
        assert server.stop() == 0
        final = sweep_and_inspect(backend, data_dir)  # and once more with the server stopped
        assert final.integrity == "ok", final
        assert final.stored_blobs == final.referenced_blobs, final
    finally:
        print(
            f"{backend.name}: crash cycles survived: {survived}/{cycles} (seed {SEED}); "
            f"writes acknowledged: {ledger.acknowledged}; orphan and temp files swept: {swept}"
        )
        if server.proc is not None and server.proc.poll() is None:
            server.stop()
