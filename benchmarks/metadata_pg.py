"""SQLite vs PostgreSQL metadata throughput, through the store and through the whole API.

Store level: the same MetadataStore operations (a write session inserting a resource and its
belongs_to edge; a read session resolving a child by name; a page of 100 children) against
SQLite (WAL, synchronous=FULL) and PostgreSQL (asyncpg pool), with 16 concurrent tasks.
API level: `benchmarks.metadata`'s workload (create objects, page children, resolve a 4-level
path) against `aos serve` once per backend. PostgreSQL runs in a throw-away schema.

    python -m benchmarks.metadata_pg [--objects 3000] [--concurrency 16] [--dsn postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime

import asyncpg

from aos_fs.models import DataClass, Kind, Relation, RelationType, Resource, Status
from aos_server.backends.metadata.base import MetadataStore
from aos_server.backends.metadata.postgres import PostgresMetadataStore
from aos_server.backends.metadata.sqlite import SqliteMetadataStore
from aos_server.domain.ids import new_id

from ._harness import Timing, aos_server
from .metadata import bench_aos, timed

DSN = os.environ.get("AOS_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def _resource(kind: Kind, name: str) -> Resource:
    now = datetime.now(UTC)
    return Resource(
        id=new_id(),
        kind=kind,
        name=name,
        metadata_license="CC-BY-4.0",
        data_license="CC-BY-4.0",
        data_class=DataClass.PRIVATE,
        status=Status.AVAILABLE,
        created_at=now,
        updated_at=now,
    )


async def bench_store(label: str, store: MetadataStore, n: int, conc: int) -> list[Timing]:
    project = _resource(Kind.PROJECT, f"bench-{uuid.uuid4().hex[:8]}")
    async with store.write() as s:
        await s.insert_resource(project)

    async def create(i: int) -> None:
        child = _resource(Kind.OBJECT, f"obj-{i:06d}")
        async with store.write() as s:
            await s.insert_resource(child)
            await s.add_relation(
                Relation(origin_id=project.id, target_id=child.id, type=RelationType.BELONGS_TO),
                child_name=child.name,
            )

    async def get_child(i: int) -> None:
        async with store.read() as s:
            assert await s.get_child(project.id, f"obj-{i % n:06d}") is not None

    async def page(i: int) -> None:
        async with store.read() as s:
            after = (f"obj-{(i * 97) % n:06d}", "")
            await s.list_children(project.id, after=after, limit=100)

    return [
        await timed(f"{label} store: write session (resource + edge)", n, conc, create),
        await timed(f"{label} store: read session, child by name", 4 * n, conc, get_child),
        await timed(f"{label} store: read session, page of 100 children", n, conc, page),
    ]


async def store_level(n: int, conc: int, dsn: str) -> list[tuple[Timing, Timing]]:
    with tempfile.TemporaryDirectory() as tmp:
        async with SqliteMetadataStore(f"{tmp}/aos.db") as lite:
            sqlite = await bench_store("SQLite    ", lite, n, conc)
    async with PostgresMetadataStore(dsn, max_size=conc) as pg:
        postgres = await bench_store("PostgreSQL", pg, n, conc)
    return list(zip(sqlite, postgres, strict=True))


async def _schema(action: str, name: str) -> None:
    conn = await asyncpg.connect(DSN)
    try:
        await conn.execute(f'{action} SCHEMA "{name}"' + (" CASCADE" if action == "DROP" else ""))
    finally:
        await conn.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args()
    schema = f"aos_bench_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_schema("CREATE", schema))
    except OSError as exc:
        print(f"PostgreSQL is unreachable at {DSN} ({exc}); nothing to compare")
        return
    dsn = f"{DSN}?search_path={schema}"
    try:
        pairs = asyncio.run(store_level(args.objects, args.concurrency, dsn))
        with aos_server() as url:
            lite = asyncio.run(bench_aos(url, args.objects, args.concurrency))
        with aos_server(AOS_METADATA_URL=dsn) as url:
            pg = asyncio.run(bench_aos(url, args.objects, args.concurrency))
    finally:
        asyncio.run(_schema("DROP", schema))
    pairs += list(zip(lite, pg, strict=True))
    for a, b in pairs:
        print(a.row().replace("AOS ", "AOS/SQLite     ", 1))
        print(b.row().replace("AOS ", "AOS/PostgreSQL ", 1))
        print(f"{'':<44} ratio PostgreSQL/SQLite throughput: {b.ops / a.ops:.2f}\n")


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"({time.perf_counter() - t0:.0f} s)")
