"""A multi-site deployment in subprocesses: `aos server` plus `aos proxy` endpoints, sharing one
PostgreSQL schema and one master key, each endpoint with its own blob directory and port."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config

from tests.cli.conftest import AOS, clean_env
from tests.conftest import ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY, ADMIN_TOKEN
from tests.procs import free_port

HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def s3_client(url: str) -> Any:
    """boto3 S3 with the admin's keys against the endpoint at `url` (no retries: failures show)."""
    return boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=ADMIN_ACCESS_KEY,
        aws_secret_access_key=ADMIN_SECRET_KEY,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
    )


@dataclass
class Proc:
    """One `aos …` process; `start()` waits for /health, `kill()` is SIGKILL."""

    args: list[str]
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[str] | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 40) -> Proc:
        args = [AOS, *self.args, "--host", "127.0.0.1", "--port", str(self.port)]
        out = self.log.open("a") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(  # noqa: S603 - our own command
            args, env=self.env, stdout=out, stderr=subprocess.STDOUT, text=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                text = self.log.read_text() if self.log else ""
                raise RuntimeError(f"{' '.join(self.args[:1])} exited: {text[-3000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.args[0]} did not become healthy")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Site:
    """Server + proxies of one deployment."""

    root: Path
    database: str
    master_key: str = field(default_factory=lambda: base64.b64encode(os.urandom(32)).decode())
    procs: list[Proc] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        return clean_env(
            AOS_LOG_LEVEL="INFO",
            AOS_WRITE_PROFILE="false",
            AOS_MASTER_KEY=self.master_key,
            AOS_ADMIN_TOKEN=ADMIN_TOKEN,
            AOS_ADMIN_ACCESS_KEY=ADMIN_ACCESS_KEY,
            AOS_ADMIN_SECRET_KEY=ADMIN_SECRET_KEY,
            **extra,
        )

    def server(self) -> Proc:
        p = Proc(
            [
                "server",
                "--database",
                self.database,
                "--blobs",
                f"file://{self.root / 'server-blobs'}",
                "--data-dir",
                str(self.root / "server"),
            ],
            self.env(),
            log=self.root / "server.log",
        )
        self.procs.append(p)
        return p.start()

    def create_endpoint(self, server: Proc, name: str) -> dict[str, str]:
        r = httpx.post(f"{server.url}/api/v2/endpoints", json={"name": name}, headers=HEADERS)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def proxy(
        self, server: Proc, name: str, credential: str, *, config: bool = False, **env: str
    ) -> Proc:
        """A proxy configured by a TOML file (`config=True`) or by environment variables."""
        blobs = f"file://{self.root / name / 'blobs'}"
        settings = {
            "server_url": server.url,
            "metadata_url": self.database,
            "blobs_url": blobs,
            "endpoint_credential": credential,
        }
        if config:
            path = self.root / f"{name}.toml"
            path.write_text("".join(f'{k} = "{v}"\n' for k, v in settings.items()))
            args, extra = ["proxy", "--config", str(path)], {}
        else:
            args = ["proxy"]
            extra = {f"AOS_{k.upper()}": v for k, v in settings.items()}
        p = Proc(args, self.env(**{**extra, **env}), log=self.root / f"{name}.log")
        self.procs.append(p)
        return p.start()

    def close(self) -> None:
        for p in reversed(self.procs):
            p.stop()
