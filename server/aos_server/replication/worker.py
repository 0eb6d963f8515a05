"""The replication worker of one endpoint: it pulls the WAITING (and due ERROR) replicas meant
for it from the durable queue in the metadata store, copies each blob from an endpoint that
holds it, checks it, and marks the row FINISHED — or ERROR with the reason and a retry time.

Every step is a row update, so a restart of either side loses nothing: rows left RUNNING by a
stopped worker are due again when it starts (or when their lease ends), and failed rows come
back with exponential backoff until they succeed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from ..backends.blobs.base import BlobStore
from ..backends.metadata.base import MetadataStore
from ..backends.metadata.sql_replicas import ReplicaRecord, replicas
from ..errors import IntegrityError
from ..services.common import now
from .peers import Peers
from .stored import accepts_stored, receive_stored

log = logging.getLogger("aos.replication")
LEASE = timedelta(minutes=10)  # a RUNNING row whose worker vanished is due again after this


class Replicator:
    def __init__(
        self,
        meta: MetadataStore,
        local: BlobStore,
        peers: Peers,
        *,
        concurrency: int = 4,
        poll_seconds: float = 1.0,
        backoff_seconds: float = 2.0,
        max_backoff_seconds: float = 600.0,
        compress: bool = False,
        encrypt: bool = False,
    ) -> None:
        self.meta = meta
        self.local = local
        self.peers = peers
        self.endpoint_id = peers.endpoint_id
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.compress = compress
        self.encrypt = encrypt
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look at the queue now instead of at the next poll."""
        self._wake.set()

    async def forever(self, *, resume: bool = True) -> None:
        if resume:
            async with self.meta.write() as s:
                resumed = await replicas(s).release_running(self.endpoint_id, now())
            if resumed:
                log.info("resuming %d replica transfers interrupted by a restart", resumed)
        while True:
            try:
                done = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the store may be briefly unreachable: keep the worker alive
                log.exception("replication pass failed; retrying")
                done = 0
            if done == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def run_once(self) -> int:
        """Claim the due replicas (up to `concurrency`) and transfer them; returns how many."""
        at = now()
        async with self.meta.read() as s:  # the common case, nothing due, writes nothing
            due = await replicas(s).due(self.endpoint_id, at, self.concurrency)
        if not due:
            return 0
        async with self.meta.write() as s:
            r = replicas(s)
            claimed = [row for row in due if await r.claim(row, at, at + LEASE)]
        if claimed:
            await asyncio.gather(*(self._transfer(row) for row in claimed))
        return len(claimed)

    async def _transfer(self, row: ReplicaRecord) -> None:
        attempt = row.attempts + 1
        try:
            await self._copy(row)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            delay = min(self.backoff_seconds * 2 ** (attempt - 1), self.max_backoff_seconds)
            message = str(exc) or type(exc).__name__
            log.warning(
                "replica %s of blob %s (attempt %d) failed: %s; retry in %.0f s",
                row.version_id,
                row.blob_key,
                attempt,
                message,
                delay,
            )
            at = now()
            async with self.meta.write() as s:
                await replicas(s).fail(
                    row.version_id, self.endpoint_id, message, at, at + timedelta(seconds=delay)
                )
            return
        async with self.meta.write() as s:
            await replicas(s).finish(row.version_id, self.endpoint_id, now())

    async def _copy(self, row: ReplicaRecord) -> None:
        async with self.meta.read() as s:
            version = await s.get_version_by_id(row.version_id)
        if version is None:
            raise LookupError(f"revision {row.version_id} no longer exists")
        if await self.local.exists(row.blob_key):
            return  # already here (a copy sharing the blob, or a transfer that committed)
        expected = version.hashes.sha256
        async with self.peers.fetch(row.blob_key, stored=accepts_stored(self.local)) as fetched:
            if fetched.sealed is not None and expected:
                await receive_stored(
                    self.local,
                    row.blob_key,
                    fetched.chunks(),
                    sealed=fetched.sealed,
                    size=version.size,
                    sha256=expected,
                )
                return

            def verify(md5: str, sha256: str) -> None:
                if (expected and sha256 != expected) or (version.hashes.md5 or md5) != md5:
                    raise IntegrityError(
                        f"The replica of blob {row.blob_key} does not match its revision "
                        f"(SHA-256 {sha256}, expected {expected})"
                    )

            staged = await self.local.stage(
                fetched.chunks(), compress=self.compress, encrypt=self.encrypt, verify=verify
            )
            try:
                if staged.size != version.size:
                    raise IntegrityError(
                        f"The replica of blob {row.blob_key} has {staged.size} bytes, "
                        f"expected {version.size}"
                    )
                await staged.commit(row.blob_key)
            except BaseException:
                await staged.discard()
                raise
