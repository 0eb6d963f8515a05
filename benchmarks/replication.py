"""Replication throughput between two `aos proxy` endpoints, beside a plain stream copy.

A server and two proxies (subprocesses) share a throw-away PostgreSQL schema. The objects are
uploaded to proxy A while the project is kept on A only; then the clock starts, the project is
also placed on B (which queues every revision for it) and stops when B holds them all
(FINISHED). The peer moves the same bytes between the same two endpoints the way a client
would: an aiohttp GET from A's S3 streamed into a PUT to B's S3 (presigned URLs), with as many
copies in flight as the replication worker runs (`AOS_REPLICATION_CONCURRENCY`, 4).

    python -m benchmarks.replication [--large 20] [--large-mib 16] [--small 500] [--sealed]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import boto3
import httpx
from botocore.config import Config

from ._harness import ACCESS_KEY, ADMIN_TOKEN, SECRET_KEY, free_port, wait_healthy

DSN = os.environ.get("AOS_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
AOS = str(Path(sys.executable).with_name("aos"))
HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MiB = 1 << 20


@contextmanager
def schema() -> Iterator[str]:
    name = f"aos_bench_{uuid.uuid4().hex[:12]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(DSN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE SCHEMA "{name}"'))
    try:
        yield f"{DSN}{'&' if '?' in DSN else '?'}search_path={name}"
    finally:
        asyncio.run(run(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


@contextmanager
def process(args: list[str], env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    cmd = [AOS, *args, "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            print(f"{args[0]} did not stop on SIGTERM within 30 s; killing it", flush=True)
            proc.kill()
            proc.wait(10)


def s3(url: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def upload(client: Any, bucket: str, count: int, size: int, conc: int = 8) -> list[str]:
    keys = [f"obj-{i:05d}" for i in range(count)]
    data = os.urandom(size)

    async def run() -> None:
        sem = asyncio.Semaphore(conc)

        async def one(key: str) -> None:
            async with sem:
                await asyncio.to_thread(client.put_object, Bucket=bucket, Key=key, Body=data)

        await asyncio.gather(*(one(k) for k in keys))

    asyncio.run(run())
    return keys


def wait_finished(api: str, project_id: str, object_ids: list[str], endpoint: str) -> None:
    # The queue runs roughly in order: check the pending objects in order and stop a round at
    # the first unfinished one, so the polling itself stays a small load.
    pending = list(object_ids)
    with httpx.Client(headers=HEADERS, timeout=30) as http:
        while pending:
            rows = http.get(f"{api}/resources/{pending[0]}/replicas").json()
            if any(r["endpoint_name"] == endpoint and r["status"] == "FINISHED" for r in rows):
                pending.pop(0)
                continue
            if any(r["status"] == "ERROR" for r in rows):
                raise RuntimeError(f"replication failed: {rows}")
            time.sleep(0.05)


async def stream_copy(
    src: Any, dst: Any, src_bucket: str, dst_bucket: str, keys: list[str], size: int, conc: int
) -> None:
    sem = asyncio.Semaphore(conc)
    async with aiohttp.ClientSession() as session:

        async def one(key: str) -> None:
            get = src.generate_presigned_url(
                "get_object", Params={"Bucket": src_bucket, "Key": key}
            )
            put = dst.generate_presigned_url(
                "put_object", Params={"Bucket": dst_bucket, "Key": key}
            )
            async with sem, session.get(get) as r:
                r.raise_for_status()

                async def body() -> Any:
                    async for chunk in r.content.iter_chunked(MiB):
                        yield chunk

                async with session.put(
                    put, data=body(), headers={"Content-Length": str(size)}
                ) as w:
                    w.raise_for_status()

        await asyncio.gather(*(one(k) for k in keys))


def run_case(
    urls: dict[str, str], pids: dict[str, str], label: str, count: int, size: int, conc: int
) -> dict[str, float]:
    api = f"{urls['server']}/api/v2"
    a, b = s3(urls["a"]), s3(urls["b"])
    with httpx.Client(headers=HEADERS, timeout=30) as http:
        name = f"bench-{uuid.uuid4().hex[:8]}"
        project = http.post(f"{api}/projects", json={"name": name}).json()["id"]
        http.put(f"{api}/projects/{project}/endpoints/{pids['a']}", json={"mode": "FULL"})
        peer = f"peer-{uuid.uuid4().hex[:8]}"
        http.post(f"{api}/projects", json={"name": peer}).raise_for_status()
        keys = upload(a, name, count, size)
        ids = [
            http.get(f"{api}/resolve", params={"path": f"{name}/{k}"}).json()[-1]["id"]
            for k in keys
        ]
        start = time.perf_counter()
        http.put(
            f"{api}/projects/{project}/endpoints/{pids['b']}", json={"mode": "FULL"}
        ).raise_for_status()
        wait_finished(api, project, ids, "site-b")
        replication = time.perf_counter() - start
    start = time.perf_counter()
    asyncio.run(stream_copy(a, b, name, peer, keys, size, conc))
    peer_time = time.perf_counter() - start
    total = count * size / MiB
    out = {
        "replication MiB/s": total / replication,
        "peer MiB/s": total / peer_time,
        "replication obj/s": count / replication,
        "peer obj/s": count / peer_time,
    }
    print(
        f"{label:<14} replication {out['replication MiB/s']:8.1f} MiB/s "
        f"({out['replication obj/s']:7.1f} obj/s)   stream copy {out['peer MiB/s']:8.1f} MiB/s "
        f"({out['peer obj/s']:7.1f} obj/s)   ratio {peer_time / replication:5.2f}x",
        flush=True,
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--large", type=int, default=20)
    ap.add_argument("--large-mib", type=int, default=16)
    ap.add_argument("--small", type=int, default=500)
    ap.add_argument("--sealed", action="store_true", help="AOS_ENCRYPT and AOS_COMPRESS on")
    args = ap.parse_args()
    conc = 4
    base = {k: v for k, v in os.environ.items() if not k.startswith("AOS_")}
    base.update(
        AOS_ADMIN_TOKEN=ADMIN_TOKEN,
        AOS_ADMIN_ACCESS_KEY=ACCESS_KEY,
        AOS_ADMIN_SECRET_KEY=SECRET_KEY,
        AOS_WRITE_PROFILE="false",
        AOS_LOG_LEVEL="WARNING",
        AOS_MASTER_KEY=base64.b64encode(os.urandom(32)).decode(),
        AOS_REPLICATION_CONCURRENCY=str(conc),
        AOS_REPLICATION_POLL_SECONDS="0.05",
    )
    if args.sealed:
        base.update(AOS_ENCRYPT="true", AOS_COMPRESS="true")
    tmp = os.environ.get("BENCH_TMP")
    with (
        schema() as dsn,
        tempfile.TemporaryDirectory(dir=tmp) as root,
        process(
            ["server", "--database", dsn, "--blobs", f"file://{root}/server"],
            {**base, "AOS_DATA_DIR": f"{root}/server-data"},
        ) as server,
    ):
        api = f"{server}/api/v2"
        creds = {}
        for site in ("site-a", "site-b"):
            r = httpx.post(f"{api}/endpoints", json={"name": site}, headers=HEADERS)
            r.raise_for_status()
            creds[site] = r.json()
        proxy_env = {**base, "AOS_SERVER_URL": server, "AOS_METADATA_URL": dsn}

        def proxy(site: str) -> Any:
            env = {**proxy_env, "AOS_ENDPOINT_CREDENTIAL": creds[site]["credential"]}
            return process(["proxy", "--blobs", f"file://{root}/{site}"], env)

        with proxy("site-a") as a, proxy("site-b") as b:
            urls = {"server": server, "a": a, "b": b}
            pids = {"a": creds["site-a"]["id"], "b": creds["site-b"]["id"]}
            form = "sealed" if args.sealed else "plain"
            print(f"two proxies on one machine, blobs {form}, {conc} transfers at a time")
            run_case(
                urls,
                pids,
                f"{args.large}x{args.large_mib} MiB",
                args.large,
                args.large_mib * MiB,
                conc,
            )
            run_case(urls, pids, f"{args.small}x4 KiB", args.small, 4096, conc)


if __name__ == "__main__":
    main()
