"""A mixed workload of real clients that records every acknowledgement in a `Ledger`.

Each worker runs one operation at a time, so it has at most one write in flight when the server
is killed. Workers stop at their first failure; a failure before the kill is a finding.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import boto3
import httpx
from botocore.client import BaseClient
from botocore.config import Config

from tests.conftest import ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY, ADMIN_TOKEN
from tests.factories import payload

from .ledger import ABSENT, Ledger

MiB = 1 << 20
BUCKET = "crash"
SIZES = [0, 1, 1000, 64 * 1024, 700 * 1024, MiB + 17, 3 * MiB + 5, 6 * MiB]


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def s3_client(url: str) -> BaseClient:
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=ADMIN_ACCESS_KEY,
        aws_secret_access_key=ADMIN_SECRET_KEY,
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
    )


def api_client(url: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{url}/api/v2", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30
    )


def resource_id(api: httpx.Client, path: str) -> str:
    response = api.get("/resolve", params={"path": path})
    response.raise_for_status()
    return str(response.json()[-1]["id"])


@dataclass
class Run:
    """One cycle's workers; `killed` is set just before SIGKILL is sent."""

    url: str
    ledger: Ledger
    cycle: int
    seed: int
    killed: threading.Event = field(default_factory=threading.Event)
    failures: list[str] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)
    meta_targets: list[str] = field(default_factory=list)  # resource ids the label worker edits

    def start(self, meta_targets: list[str]) -> None:
        self.meta_targets = meta_targets
        workers: list[Callable[[random.Random, str], None]] = [
            self._objects,
            self._objects,
            self._objects,
            self._multipart,
            self._labels,
        ]
        for n, work in enumerate(workers):
            rng = random.Random(self.seed * 100 + n)
            name = f"c{self.cycle}w{n}"
            target = self._guard(work, rng, name)
            self.threads.append(threading.Thread(target=target, name=name, daemon=True))
        for t in self.threads:
            t.start()

    def join(self, timeout: float = 60) -> None:
        for t in self.threads:
            t.join(timeout)
            assert not t.is_alive(), f"worker {t.name} hangs after the kill"

    def _guard(
        self, work: Callable[[random.Random, str], None], rng: random.Random, name: str
    ) -> Callable[[], None]:
        def run() -> None:
            try:
                work(rng, name)
            except Exception as exc:
                if not self.killed.is_set():
                    self.failures.append(f"{name}: {type(exc).__name__}: {exc}")

        return run

    # -- workers --------------------------------------------------------------------------------
    def _objects(self, rng: random.Random, name: str) -> None:
        """Single PUTs of new keys, overwrites (new revisions) and deletes."""
        s3 = s3_client(self.url)
        n = 0
        while not self.killed.is_set():
            mine = self.ledger.live_keys(f"obj/{name}/")
            roll = rng.random()
            if mine and roll < 0.2:
                key = rng.choice(mine)
                self.ledger.begin(key, ABSENT)
                s3.delete_object(Bucket=BUCKET, Key=key)
                self.ledger.ack(key)
                continue
            key = rng.choice(mine) if mine and roll < 0.35 else f"obj/{name}/{n}"
            n += 1
            data = payload(rng.choice(SIZES), seed=rng.randrange(1 << 30))
            self.ledger.begin(key, md5(data))
            s3.put_object(Bucket=BUCKET, Key=key, Body=data)
            self.ledger.ack(key)

    def _multipart(self, rng: random.Random, name: str) -> None:
        s3 = s3_client(self.url)
        n = 0
        while not self.killed.is_set():
            key = f"mp/{name}/{n}"
            n += 1
            parts = [payload(5 * MiB, seed=rng.randrange(1 << 30)), payload(rng.randrange(1, MiB))]
            upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
            done = []
            for number, data in enumerate(parts, start=1):
                etag = s3.upload_part(
                    Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=number, Body=data
                )["ETag"]
                done.append({"PartNumber": number, "ETag": etag})
            self.ledger.begin(key, md5(b"".join(parts)))
            s3.complete_multipart_upload(
                Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload={"Parts": done}
            )
            self.ledger.ack(key)

    def _labels(self, rng: random.Random, name: str) -> None:
        """Metadata edits through the JSON API: add a label to a long-lived object."""
        with api_client(self.url) as api:
            n = 0
            while not self.killed.is_set():
                rid = rng.choice(self.meta_targets)
                label = f"{name}-{n}"
                n += 1
                self.ledger.begin_label(rid, label)
                response = api.patch(
                    f"/resources/{rid}/key-values", json={"add": [{"key": label, "value": "x"}]}
                )
                response.raise_for_status()
                self.ledger.ack_label(rid)
