"""Metadata throughput: create 10,000 objects, page through them, resolve a 4-level path.

The peer is a bare aiohttp + SQLite service doing the same storage work with no model, no
permissions and no events (same WAL mode and synchronous=FULL), so the ratio shows what AOS-Py's
layers cost on top of the unavoidable HTTP + database round trip.

    python -m benchmarks.metadata [--objects 10000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from ._harness import ADMIN_TOKEN, Timing, aos_server, free_port, wait_healthy

PEER = r"""
import sqlite3, sys, json
from aiohttp import web
import aiosqlite

async def init(app):
    db = await aiosqlite.connect(sys.argv[2], isolation_level=None)
    for p in ("journal_mode=WAL", "synchronous=FULL"):
        await db.execute(f"PRAGMA {p}")
    await db.execute("CREATE TABLE IF NOT EXISTS r (id INTEGER PRIMARY KEY, parent INT, name TEXT,"
                     " body TEXT, UNIQUE(parent, name))")
    app["db"] = db
    yield
    await db.close()

async def create(req):
    body = await req.json()
    db = req.app["db"]
    cur = await db.execute("INSERT INTO r (parent, name, body) VALUES (?, ?, ?) RETURNING id",
                           (body["parent"], body["name"], json.dumps(body)))
    row = await cur.fetchone()
    return web.json_response({"id": row[0], **body}, status=201)

async def children(req):
    after = req.query.get("after", "")
    rows = await (await req.app["db"].execute(
        "SELECT id, name, body FROM r WHERE parent = ? AND name > ? ORDER BY name LIMIT ?",
        (int(req.match_info["id"]), after, int(req.query["limit"])))).fetchall()
    return web.json_response({"items": [json.loads(r[2]) | {"id": r[0]} for r in rows]})

async def resolve(req):
    parent, row = 0, None
    for seg in req.query["path"].split("/"):
        row = await (await req.app["db"].execute(
            "SELECT id, body FROM r WHERE parent = ? AND name = ?", (parent, seg))).fetchone()
        parent = row[0]
    return web.json_response(json.loads(row[1]))

app = web.Application()
app.cleanup_ctx.append(init)
app.router.add_post("/r", create)
app.router.add_get("/r/{id}/children", children)
app.router.add_get("/resolve", resolve)
app.router.add_get("/health", lambda r: web.json_response({}))
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


async def timed(
    name: str, count: int, concurrency: int, op: Callable[[int], Awaitable[Any]]
) -> Timing:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            t0 = time.perf_counter()
            await op(i)
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Timing(name, count, time.perf_counter() - start, latencies)


async def bench_aos(url: str, n: int, conc: int) -> list[Timing]:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    limits = httpx.Limits(max_connections=conc)
    async with httpx.AsyncClient(base_url=f"{url}/api/v2", headers=headers, limits=limits) as c:
        p = (await c.post("/projects", json={"name": "bench"})).json()
        col = (await c.post("/collections", json={"name": "c", "parent_id": p["id"]})).json()
        ds = (await c.post("/datasets", json={"name": "d", "parent_id": col["id"]})).json()

        async def create(i: int) -> None:
            r = await c.post("/objects", json={"name": f"obj-{i:06d}", "parent_id": ds["id"]})
            r.raise_for_status()

        out = [await timed("AOS create object metadata", n, conc, create)]
        for limit in (1000, 100):
            latencies: list[float] = []
            cursor: str | None = None
            seen = 0
            start = time.perf_counter()
            while True:
                t0 = time.perf_counter()
                params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
                page = (await c.get(f"/resources/{ds['id']}/children", params=params)).json()
                latencies.append(time.perf_counter() - t0)
                seen += len(page["items"])
                cursor = page["next_cursor"]
                if not cursor:
                    break
            assert seen == n, seen
            out.append(
                Timing(
                    f"AOS list {n} children, pages of {limit}",
                    len(latencies),
                    time.perf_counter() - start,
                    latencies,
                )
            )

        async def resolve(i: int) -> None:
            r = await c.get("/resolve", params={"path": f"bench/c/d/obj-{i % n:06d}"})
            r.raise_for_status()

        out.append(await timed("AOS resolve 4-level path", 2000, conc, resolve))
    return out


async def bench_peer(url: str, n: int, conc: int) -> list[Timing]:
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=conc)) as c:
        p = (await c.post("/r", json={"parent": 0, "name": "bench"})).json()
        col = (await c.post("/r", json={"parent": p["id"], "name": "c"})).json()
        ds = (await c.post("/r", json={"parent": col["id"], "name": "d"})).json()

        async def create(i: int) -> None:
            r = await c.post("/r", json={"parent": ds["id"], "name": f"obj-{i:06d}"})
            r.raise_for_status()

        out = [await timed("peer create row", n, conc, create)]
        for limit in (1000, 100):
            latencies: list[float] = []
            after = ""
            start = time.perf_counter()
            while True:
                t0 = time.perf_counter()
                page = (
                    await c.get(f"/r/{ds['id']}/children", params={"limit": limit, "after": after})
                ).json()
                latencies.append(time.perf_counter() - t0)
                if len(page["items"]) < limit:
                    break
                after = page["items"][-1]["name"]
            out.append(
                Timing(
                    f"peer list {n} children, pages of {limit}",
                    len(latencies),
                    time.perf_counter() - start,
                    latencies,
                )
            )

        async def resolve(i: int) -> None:
            r = await c.get("/resolve", params={"path": f"bench/c/d/obj-{i % n:06d}"})
            r.raise_for_status()

        out.append(await timed("peer resolve 4-level path", 2000, conc, resolve))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args()
    with aos_server() as url:
        aos = asyncio.run(bench_aos(url, args.objects, args.concurrency))
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        db = f"{tmp}/peer.db"
        sqlite3.connect(db).close()
        peer_proc = subprocess.Popen([sys.executable, "-c", PEER, str(port), db])
        try:
            wait_healthy(f"http://127.0.0.1:{port}")
            peer = asyncio.run(
                bench_peer(f"http://127.0.0.1:{port}", args.objects, args.concurrency)
            )
        finally:
            peer_proc.terminate()
            peer_proc.wait(30)
    if args.json:
        print(json.dumps({"aos": [t.as_dict() for t in aos], "peer": [t.as_dict() for t in peer]}))
        return
    for a, p in zip(aos, peer, strict=True):
        print(a.row())
        print(p.row())
        print(f"{'':<44} ratio AOS/peer throughput: {a.ops / p.ops:.2f}\n")


if __name__ == "__main__":
    main()
