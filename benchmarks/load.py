"""Load: N concurrent clients doing M mixed S3 and API operations each against `aos serve`.

Each client owns a prefix in one bucket and mixes S3 PUT/GET/HEAD/LIST of small objects with
API reads, key-value edits and searches. Reported: throughput, p50/p99 per kind, errors (must be
0) and the server's peak RSS (VmHWM). With `--slow-reader` one more client reads a 32 MiB object
at one byte per second during the whole run; compare its p99 with a run without it.

    python -m benchmarks.load [--clients 50] [--ops 1000] [--slow-reader] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ._harness import ACCESS_KEY, ADMIN_TOKEN, SECRET_KEY, aos_server_proc, free_port
from .s3 import peak_rss_mib

BUCKET = "load"
WEIGHTS = {
    "s3_put": 20,
    "s3_get": 25,
    "s3_head": 15,
    "s3_list": 10,
    "api_get": 10,
    "api_edit": 10,
    "api_search": 10,
}
_CREDS = Credentials(ACCESS_KEY, SECRET_KEY)


def signed(method: str, url: str, body: bytes = b"") -> dict[str, str]:
    """SigV4 headers for one S3 request (botocore's signer, as any AWS SDK would send)."""
    request = AWSRequest(method=method, url=url, data=body)
    S3SigV4Auth(_CREDS, "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items())


@dataclass
class Report:
    clients: int
    ops: int
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    peak_rss_mib: float = float("nan")

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def pct(self, kind: str | None, q: float) -> float:
        data = sorted(
            self.latencies[kind] if kind else [x for v in self.latencies.values() for x in v]
        )
        return data[min(len(data) - 1, int(q * len(data)))] * 1000 if data else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "ops_per_client": self.ops,
            "operations": self.total,
            "seconds": round(self.seconds, 2),
            "ops_per_s": round(self.total / self.seconds, 1) if self.seconds else 0,
            "p50_ms": round(self.pct(None, 0.5), 2),
            "p99_ms": round(self.pct(None, 0.99), 2),
            "errors": len(self.errors),
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "kinds": {
                k: {
                    "count": len(v),
                    "p50_ms": round(self.pct(k, 0.5), 2),
                    "p99_ms": round(self.pct(k, 0.99), 2),
                }
                for k, v in sorted(self.latencies.items())
            },
        }

    def table(self) -> str:
        d = self.as_dict()
        lines = [
            f"{d['clients']} clients x {d['ops_per_client']} ops: {d['operations']} operations "
            f"in {d['seconds']} s = {d['ops_per_s']} ops/s; p50 {d['p50_ms']} ms, "
            f"p99 {d['p99_ms']} ms; errors {d['errors']}; server peak RSS {d['peak_rss_mib']} MiB"
        ]
        for kind, k in d["kinds"].items():
            lines.append(
                f"  {kind:<11} {k['count']:>7}  p50 {k['p50_ms']:8.2f} ms  p99 {k['p99_ms']:8.2f} ms"
            )
        return "\n".join(lines)


class Client:
    """One simulated user: its own prefix, the keys it wrote, one object id for API calls."""

    def __init__(self, n: int, url: str, session: aiohttp.ClientSession, report: Report) -> None:
        self.n = n
        self.url = url
        self.session = session
        self.report = report
        self.rng = random.Random(n)
        self.keys: list[str] = []
        self.object_id = ""
        self.api_headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def _s3_url(self, key: str = "", query: dict[str, str] | None = None) -> str:
        url = f"{self.url}/{BUCKET}/{quote(key)}" if key else f"{self.url}/{BUCKET}"
        return f"{url}?{urlencode(query)}" if query else url

    async def _s3(self, method: str, url: str, body: bytes = b"") -> tuple[int, bytes]:
        async with self.session.request(
            method, url, data=body or None, headers=signed(method, url, body)
        ) as r:
            return r.status, await r.read()

    async def _api(self, method: str, path: str, **kw: Any) -> tuple[int, bytes]:
        url = f"{self.url}/api/v2{path}"
        async with self.session.request(method, url, headers=self.api_headers, **kw) as r:
            return r.status, await r.read()

    async def op(self, kind: str) -> tuple[int, bytes]:
        if kind == "s3_put" or not self.keys:
            key = f"c{self.n}/k{len(self.keys)}"
            status, body = await self._s3("PUT", self._s3_url(key), self.rng.randbytes(4096))
            self.keys.append(key)
            return status, body
        key = self.rng.choice(self.keys)
        if kind == "s3_get":
            return await self._s3("GET", self._s3_url(key))
        if kind == "s3_head":
            return await self._s3("HEAD", self._s3_url(key))
        if kind == "s3_list":
            query = {"list-type": "2", "prefix": f"c{self.n}/", "max-keys": "100"}
            return await self._s3("GET", self._s3_url(query=query))
        if kind == "api_get":
            return await self._api("GET", f"/resources/{self.object_id}")
        if kind == "api_edit":
            kv = {"key": f"load-{self.rng.randrange(10)}", "value": str(self.rng.random())}
            return await self._api(
                "PATCH", f"/resources/{self.object_id}/key-values", json={"add": [kv]}
            )
        return await self._api("GET", "/search", params={"q": f"k{self.rng.randrange(50)}"})

    async def run(self, ops: int) -> None:
        status, body = await self.op("s3_put")
        self._check("s3_put", status, body)
        status, body = await self._api(
            "GET", "/resolve", params={"path": f"{BUCKET}/{self.keys[0]}"}
        )
        self._check("api_get", status, body)
        self.object_id = json.loads(body)[-1]["id"] if status == 200 else ""
        kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
        for _ in range(ops):
            kind = self.rng.choices(kinds, weights)[0]
            start = time.perf_counter()
            try:
                status, body = await self.op(kind)
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.report.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
                continue
            self.report.latencies[kind].append(time.perf_counter() - start)
            self._check(kind, status, body)

    def _check(self, kind: str, status: int, body: bytes) -> None:
        if status >= 300:
            self.report.errors.append(f"{kind}: HTTP {status}: {body[:200]!r}")


def slow_reader(url: str, stop: threading.Event, got: list[int]) -> None:
    """GET a big object and read it one byte per second (a small receive buffer), until `stop`."""
    target = f"{url}/{BUCKET}/slow/big"
    host, port = url.removeprefix("http://").split(":")
    headers = signed("GET", target)
    request = f"GET /{BUCKET}/slow/big HTTP/1.1\r\nHost: {host}:{port}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()
    )
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((host, int(port)))
        sock.sendall((request + "\r\n").encode())
        sock.settimeout(10)
        # The first byte at once (a run may take less than a second), then one per second.
        while True:
            try:
                data = sock.recv(1)
            except TimeoutError:
                break
            if not data:
                break
            got.append(len(data))
            if stop.wait(1.0):
                break


async def run_load(url: str, *, clients: int, ops: int, slow: bool = False) -> Report:
    """Run the load against a server at `url` (the bucket is created if missing)."""
    report = Report(clients, ops)
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=clients + 4)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        setup = Client(-1, url, session, report)
        status, body = await setup._s3("PUT", setup._s3_url())
        if status not in (200, 409):
            raise RuntimeError(f"creating the bucket failed: {status} {body[:200]!r}")
        stop, got = threading.Event(), []
        reader = None
        if slow:
            big = random.Random(0).randbytes(32 << 20)
            status, body = await setup._s3("PUT", setup._s3_url("slow/big"), big)
            setup._check("s3_put", status, body)
            reader = threading.Thread(target=slow_reader, args=(url, stop, got), daemon=True)
            reader.start()
        start = time.perf_counter()
        try:
            await asyncio.gather(
                *(Client(n, url, session, report).run(ops) for n in range(clients))
            )
        finally:
            report.seconds = time.perf_counter() - start
            stop.set()
            if reader is not None:
                reader.join(5)
    if slow and not got:
        report.errors.append("slow reader: received nothing")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--slow-reader", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    reports = {}
    with tempfile.TemporaryDirectory() as data, aos_server_proc(port, data) as pid:
        runs = {"load": False, "slow_reader": True} if args.slow_reader else {"load": False}
        for name, slow in runs.items():
            report = asyncio.run(run_load(url, clients=args.clients, ops=args.ops, slow=slow))
            report.peak_rss_mib = peak_rss_mib(pid)
            title = "with one client reading at 1 byte/s" if slow else "load"
            print(f"== {title}\n{report.table()}", flush=True)
            for err in report.errors[:20]:
                print("error:", err, file=sys.stderr)
            reports[name] = report
    if args.json:
        Path(args.json).write_text(
            json.dumps({k: r.as_dict() for k, r in reports.items()}, indent=2)
        )
    if any(r.errors for r in reports.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
