"""After a restart: compare what the server shows with the ledger; then sweep and count blobs."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import asyncpg
from botocore.exceptions import ClientError

from aos_server.backends.blobs.inline import InlineBlobStore
from aos_server.backends.blobs.local import LocalBlobStore
from aos_server.backends.metadata.base import MetadataStore
from aos_server.backends.metadata.postgres import PostgresMetadataStore
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
    stored_blobs: int
    referenced_blobs: int
    integrity: str


# Rows that a torn write could leave behind: versions of no resource, AVAILABLE objects with no
# version. PostgreSQL has no PRAGMA integrity_check; its own crash safety is its WAL.
_CONSISTENCY = """
SELECT
  (SELECT COUNT(*) FROM object_versions v
     WHERE NOT EXISTS (SELECT 1 FROM resources r WHERE r.id = v.object_id)) AS stray_versions,
  (SELECT COUNT(*) FROM resources r
     WHERE r.kind = 'OBJECT' AND r.status = 'AVAILABLE'
       AND NOT EXISTS (SELECT 1 FROM object_versions v WHERE v.object_id = r.id)) AS empty_objects
"""
_REFERENCED = "SELECT COUNT(DISTINCT blob_key) FROM object_versions WHERE blob_key IS NOT NULL"
_INLINE = "SELECT COUNT(*) FROM inline_blobs"  # small objects' bytes, kept in the database


def _verdict(stray: int, empty: int) -> str:
    return "ok" if stray == empty == 0 else f"{stray} stray versions, {empty} objects without one"


@dataclass
class Backend:
    """The metadata store of a crash run: the embedded SQLite file, or a PostgreSQL schema."""

    name: str
    dsn: str | None = None  # PostgreSQL; None for SQLite in the data directory

    @property
    def env(self) -> dict[str, str]:
        return {"AOS_METADATA_URL": self.dsn} if self.dsn else {}

    def store(self, data_dir: Path) -> MetadataStore:
        if self.dsn:
            return PostgresMetadataStore(self.dsn, max_size=2)
        return SqliteMetadataStore(data_dir / "aos.db")

    async def facts(self, data_dir: Path) -> tuple[int, int, str]:
        """Blob keys the store references, inline blobs it holds, and its integrity verdict."""
        if self.dsn:
            conn = await asyncpg.connect(self.dsn)
            try:
                referenced = await conn.fetchval(_REFERENCED)
                inline = await conn.fetchval(_INLINE)
                row = await conn.fetchrow(_CONSISTENCY)
            finally:
                await conn.close()
            verdict = _verdict(row["stray_versions"], row["empty_objects"])
            return int(referenced), int(inline), verdict
        db = sqlite3.connect(data_dir / "aos.db")
        try:
            (referenced,) = db.execute(_REFERENCED).fetchone()
            (inline,) = db.execute(_INLINE).fetchone()
            pragma = "; ".join(str(r[0]) for r in db.execute("PRAGMA integrity_check"))
            stray, empty = db.execute(_CONSISTENCY).fetchone()
        finally:
            db.close()
        verdict = _verdict(stray, empty)
        return int(referenced), int(inline), pragma if pragma != "ok" else verdict


async def _inspect(backend: Backend, data_dir: Path) -> StoreReport:
    meta = backend.store(data_dir)
    await meta.open()
    try:
        blobs = InlineBlobStore(LocalBlobStore(data_dir / "blobs"), meta)
        sweeper = Sweeper(meta, blobs, grace=timedelta(0))
        result = await sweeper.run_once()
    finally:
        await meta.close()
    files = sum(1 for p in (data_dir / "blobs" / "blobs").glob("*/*/*") if p.is_file())
    referenced, inline, integrity = await backend.facts(data_dir)
    # Orphans are swept, so stored == referenced means no referenced blob is missing.
    return StoreReport(result.orphans, result.temp_files, files + inline, referenced, integrity)


def sweep_and_inspect(backend: Backend, data_dir: Path) -> StoreReport:
    """With no write in flight: run the server's sweeper (no grace period), count blob files
    against the blob keys the store references, and check the store's integrity."""
    return asyncio.run(_inspect(backend, data_dir))
