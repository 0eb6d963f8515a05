"""Search latency over 100,000 indexed resources, beside the bare FTS5 query it rests on.

The store is filled through the MetadataStore (the index triggers run as they do for API
writes), then `aos serve` answers GET /api/v2/search over HTTP. The peer is the same ranked FTS5
query run straight on the database file with Python's sqlite3: the ratio is what the service
adds (HTTP, permission filtering, paths, JSON) on top of the engine.

    python -m benchmarks.search [--resources 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from aos_fs.models import DataClass, KeyValue, Kind, Relation, RelationType, Resource, Status
from aos_server.backends.metadata.search_sqlite import fts_query
from aos_server.backends.metadata.sqlite import SqliteMetadataStore
from aos_server.domain.ids import new_id

from ._harness import ADMIN_TOKEN, Timing, aos_server_proc, free_port

WORDS = [
    "zebrafish", "arabidopsis", "ecoli", "yeast", "mouse", "human", "cortex", "liver", "rna",
    "proteome", "imaging", "confocal", "sequencing", "genome", "variant", "climate", "ocean",
    "sediment", "soil", "microbiome", "lidar", "spectra", "survey", "trial", "cohort", "assay",
    "calibration", "simulation", "model", "raw", "processed", "figure", "table", "notebook",
]  # fmt: skip
RARE = [f"rareterm{i:04d}" for i in range(1000)]


def resource(kind: Kind, name: str, rnd: random.Random, data_class: DataClass) -> Resource:
    now = datetime.now(UTC)
    words = rnd.sample(WORDS, 4)
    return Resource(
        id=new_id(),
        kind=kind,
        name=name,
        title=" ".join([*words[:2], rnd.choice(RARE)]),
        description=" ".join(rnd.choices(WORDS, k=12)),
        key_values=[KeyValue(key="topic", value=words[2])],
        metadata_license="CC-BY-4.0",
        data_license="CC-BY-4.0",
        data_class=data_class,
        status=Status.AVAILABLE,
        created_at=now,
        updated_at=now,
        **({"revision": 0, "size": 0, "content_type": "text/csv"} if kind == Kind.OBJECT else {}),
    )


async def fill(db: Path, total: int) -> None:
    """Projects of 10 datasets of 100 objects, until `total` resources exist."""
    store = SqliteMetadataStore(db, synchronous="NORMAL")
    await store.open()
    rnd = random.Random(7)
    made = 0
    p = 0
    while made < total:
        async with store.write() as s:
            project = resource(Kind.PROJECT, f"bench-{p:04d}", rnd, DataClass.PUBLIC)
            await s.insert_resource(project)
            made += 1
            for d in range(10):
                ds = resource(Kind.DATASET, f"ds-{d:02d}", rnd, DataClass.PUBLIC)
                await s.insert_resource(ds)
                await s.add_relation(
                    Relation(origin_id=project.id, target_id=ds.id, type=RelationType.BELONGS_TO),
                    child_name=ds.name,
                )
                for o in range(100):
                    obj = resource(Kind.OBJECT, f"file-{o:03d}.csv", rnd, DataClass.PUBLIC)
                    await s.insert_resource(obj)
                    await s.add_relation(
                        Relation(origin_id=ds.id, target_id=obj.id, type=RelationType.BELONGS_TO),
                        child_name=obj.name,
                    )
                made += 101
        p += 1
    await store.close()


def peer_query(conn: sqlite3.Connection, text: str) -> int:
    match = fts_query(text)
    rows = conn.execute(
        "SELECT r.id, r.name, r.title, -bm25(resource_search, 10.0, 8.0, 2.0, 4.0, 3.0) AS score"
        " FROM resource_search JOIN search_ids si ON si.rowid = resource_search.rowid"
        " JOIN resources r ON r.id = si.resource_id"
        " WHERE resource_search MATCH ? AND r.deleted_at IS NULL"
        " ORDER BY score DESC LIMIT 20",
        [match],
    ).fetchall()
    return len(rows)


def timing(name: str, latencies: list[float]) -> Timing:
    return Timing(name, len(latencies), sum(latencies), latencies)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rnd = random.Random(11)
    kinds = {
        "rare word (1 in 1,000)": lambda: rnd.choice(RARE),
        "two common words": lambda: " ".join(rnd.sample(WORDS, 2)),
        "one common word": lambda: rnd.choice(WORDS),
        "prefix of a word": lambda: rnd.choice(WORDS)[:4],
    }
    with tempfile.TemporaryDirectory() as data:
        db = Path(data) / "aos.db"
        t0 = time.perf_counter()
        asyncio.run(fill(db, args.resources))
        print(f"filled {args.resources} resources in {time.perf_counter() - t0:.1f} s", flush=True)
        port = free_port()
        rows: list[Timing] = []
        with aos_server_proc(port, data):  # the default metadata file is data/aos.db
            url = f"http://127.0.0.1:{port}/api/v2/search"
            headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            conn = sqlite3.connect(db)
            with httpx.Client(timeout=30) as http:
                for label, make in kinds.items():
                    queries = [make() for _ in range(args.queries)]
                    aos: list[float] = []
                    anon: list[float] = []
                    peer: list[float] = []
                    for q in queries:
                        t = time.perf_counter()
                        r = http.get(url, params={"q": q, "limit": 20}, headers=headers)
                        aos.append(time.perf_counter() - t)
                        assert r.status_code == 200, r.text
                        t = time.perf_counter()
                        r = http.get(url, params={"q": q, "limit": 20})
                        anon.append(time.perf_counter() - t)
                        t = time.perf_counter()
                        peer_query(conn, q)
                        peer.append(time.perf_counter() - t)
                    rows += [
                        timing(f"AOS search, admin: {label}", aos),
                        timing(f"AOS search, anonymous: {label}", anon),
                        timing(f"bare FTS5 query: {label}", peer),
                    ]
            conn.close()
    for row in rows:
        print(row.row())
    print("\nratios (AOS p50 / bare FTS5 p50):")
    for i in range(0, len(rows), 3):
        print(
            f"  {rows[i].name.split(': ', 1)[1]:<26} admin {rows[i].pct(0.5) / rows[i + 2].pct(0.5):6.1f}x"
            f"  anonymous {rows[i + 1].pct(0.5) / rows[i + 2].pct(0.5):6.1f}x"
        )
    worst = max(r.pct(0.99) for r in rows if r.name.startswith("AOS"))
    print(f"\nworst AOS p99: {worst:.1f} ms (target: < 100 ms)")
    if args.json:
        print(json.dumps([r.as_dict() for r in rows]))


if __name__ == "__main__":
    main()
