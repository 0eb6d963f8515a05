"""After a restart: compare what the server shows with the ledger; then sweep and count blobs."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from botocore.exceptions import ClientError

from aos_server.backends.blobs.local import LocalBlobStore
from aos_server.backends.metadata.sqlite import SqliteMetadataStore
from aos_server.services.sweeper import Sweeper

from .ledger import ABSENT, Ledger
from .workload import BUCKET, api_client, md5, s3_client

_LABEL = re.compile(r"^c\d+w\d+-\d+$")


def check_objects(url: str, ledger: Ledger) -> list[str]:
    """Every key is in one of its allowed states; nothing unacknowledged is listed."""
    problems = []
    s3 = s3_client(url)
    for key, state in sorted(ledger.objects.items()):
        try:
            observed = md5(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        except ClientError as err:
            if err.response["Error"]["Code"] != "NoSuchKey":
                raise
            observed = ABSENT
        if observed not in state.allowed():
            problems.append(f"{key}: shows {observed}, allowed {sorted(state.allowed())}")
        ledger.settle(key, observed)
    listed = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        listed.update(o["Key"] for o in page.get("Contents", []))
    present = {k for k, s in ledger.objects.items() if s.acked != ABSENT}
    if listed != present:
        problems.append(
            f"listing disagrees: unexpected {sorted(listed - present)}, "
            f"missing {sorted(present - listed)}"
        )
    return problems


def check_labels(url: str, ledger: Ledger) -> list[str]:
    """Acknowledged metadata edits are there; only the one in flight may be missing."""
    problems = []
    with api_client(url) as api:
        for rid, state in sorted(ledger.labels.items()):
            response = api.get(f"/resources/{rid}")
            response.raise_for_status()
            observed = {
                kv["key"] for kv in response.json()["key_values"] if _LABEL.match(kv["key"])
            }
            allowed = state.acked | ({state.pending} if state.pending else set())
            if not state.acked <= observed <= allowed:
                problems.append(
                    f"{rid}: labels lost {sorted(state.acked - observed)}, "
                    f"unexpected {sorted(observed - allowed)}"
                )
            ledger.settle_labels(rid, observed)
    return problems


@dataclass
class StoreReport:
    swept_orphans: int
    swept_temp_files: int
    blob_files: int
    referenced_blobs: int
    integrity: str


async def _sweep(data_dir: Path) -> tuple[int, int]:
    meta = SqliteMetadataStore(data_dir / "aos.db")
    await meta.open()
    try:
        result = await Sweeper(
            meta, LocalBlobStore(data_dir / "blobs"), grace=timedelta(0)
        ).run_once()
    finally:
        await meta.close()
    return result.orphans, result.temp_files


def sweep_and_inspect(data_dir: Path) -> StoreReport:
    """With no write in flight: run the server's sweeper (no grace period), count blob files
    against the blob keys the store references, and check the SQLite file's integrity."""
    orphans, temps = asyncio.run(_sweep(data_dir))
    files = sum(1 for p in (data_dir / "blobs" / "blobs").glob("*/*/*") if p.is_file())
    db = sqlite3.connect(data_dir / "aos.db")
    try:
        (referenced,) = db.execute(
            "SELECT COUNT(DISTINCT blob_key) FROM object_versions WHERE blob_key IS NOT NULL"
        ).fetchone()
        integrity = "; ".join(str(r[0]) for r in db.execute("PRAGMA integrity_check"))
    finally:
        db.close()
    return StoreReport(orphans, temps, files, int(referenced), integrity)
