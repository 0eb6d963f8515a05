"""Shared pieces: start servers as subprocesses, time operations, summarise latencies."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ADMIN_TOKEN = "aos_bench-admin-token-0123456789"
ACCESS_KEY = "AOSBENCHKEY00000"
SECRET_KEY = "bench-secret-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy")


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


@contextmanager
def aos_server_proc(port: int, data: Path | str, **env: str) -> Iterator[int]:
    """Run `aos serve` in a subprocess; yields its pid once /health answers."""
    environ = {
        **os.environ,
        "AOS_ADMIN_TOKEN": ADMIN_TOKEN,
        "AOS_ADMIN_ACCESS_KEY": ACCESS_KEY,
        "AOS_ADMIN_SECRET_KEY": SECRET_KEY,
        "AOS_WRITE_PROFILE": "false",
        "AOS_LOG_LEVEL": "WARNING",
        **env,
    }
    cmd = [
        sys.executable,
        "-m",
        "aos_server",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data),
    ]
    proc = subprocess.Popen(cmd, env=environ, stdout=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        yield proc.pid
    finally:
        proc.terminate()
        proc.wait(30)


@contextmanager
def aos_server(**env: str) -> Iterator[str]:
    """Run `aos serve` on a free port with a fresh data directory; yields its URL."""
    port = free_port()
    with tempfile.TemporaryDirectory() as data, aos_server_proc(port, data, **env):
        yield f"http://127.0.0.1:{port}"


@dataclass
class Timing:
    name: str
    count: int
    seconds: float
    latencies: list[float]

    @property
    def ops(self) -> float:
        return self.count / self.seconds

    def pct(self, q: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000

    def row(self) -> str:
        return (
            f"{self.name:<44} {self.count:>7} ops {self.ops:>9.0f} ops/s  "
            f"p50 {self.pct(0.5):7.2f} ms  p99 {self.pct(0.99):7.2f} ms"
        )

    def as_dict(self) -> dict[str, float | str | int]:
        return {
            "name": self.name,
            "count": self.count,
            "ops_per_s": round(self.ops, 1),
            "p50_ms": round(self.pct(0.5), 3),
            "p99_ms": round(self.pct(0.99), 3),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 3),
        }
