"""Run `aos serve` as a real subprocess (for the operational contract and crash tests)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY, ADMIN_TOKEN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServeProcess:
    data_dir: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, with_admin_env: bool = True, timeout: float = 30) -> ServeProcess:
        env = {
            **os.environ,
            "AOS_LOG_LEVEL": "WARNING",
            # Test receivers listen on loopback, which webhooks may not reach by default.
            "AOS_HOOKS_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
            **self.env,
        }
        if with_admin_env:
            env.update(
                AOS_ADMIN_TOKEN=ADMIN_TOKEN,
                AOS_ADMIN_ACCESS_KEY=ADMIN_ACCESS_KEY,
                AOS_ADMIN_SECRET_KEY=ADMIN_SECRET_KEY,
            )
        cmd = [
            sys.executable,
            "-m",
            "aos_server",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]
        self.proc = subprocess.Popen(  # noqa: S603 - our own server
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"aos serve exited: {self.proc.stdout.read() if self.proc.stdout else ''}"
                )
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("aos serve did not become healthy")

    def banner(self) -> str:
        """What the server printed on start (read up to the profile line or 2 s)."""
        assert self.proc is not None and self.proc.stdout is not None
        lines = []
        os.set_blocking(self.proc.stdout.fileno(), False)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line:
                lines.append(line)
            else:
                time.sleep(0.05)
        return "".join(lines)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            return self.proc.wait(15)
        return self.proc.returncode
