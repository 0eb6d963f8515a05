"""Housekeeping: temp files, abandoned multipart uploads and orphan blobs.

Writes are blob first, metadata second, so a crash in between leaves an orphan blob (never a
visible object without data). Blob keys are ULIDs: their age is in the key, so an orphan is a
blob that no revision references and that is older than any write still in flight.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from ulid import ULID

from ..backends.blobs.inline import INLINE_PREFIX
from ..backends.metadata.base import MetadataStore
from .common import now

if TYPE_CHECKING:
    from ..backends.blobs.base import BlobStore

log = logging.getLogger("aos.sweeper")


@dataclass
class SweepResult:
    temp_files: int = 0
    upload_dirs: int = 0
    uploads: int = 0
    orphans: int = 0


class Sweeper:
    def __init__(
        self,
        meta: MetadataStore,
        blobs: BlobStore,
        *,
        grace: timedelta = timedelta(hours=1),
        upload_lifetime: timedelta = timedelta(days=7),
    ) -> None:
        self.meta = meta
        self.blobs = blobs
        self.grace = grace
        self.upload_lifetime = upload_lifetime

    async def run_once(self) -> SweepResult:
        result = SweepResult()
        report = await self.blobs.sweep(older_than=self.grace.total_seconds())
        result.temp_files = report.temp_files
        cutoff = now() - self.upload_lifetime
        async with self.meta.read() as s:
            projects = await s.list_projects(after=None, limit=100_000)
        for project in projects:
            async with self.meta.read() as s:
                stale = await s.list_uploads(project.id, older_than=cutoff, limit=10_000)
            for upload in stale:
                async with self.meta.write() as s:
                    await s.delete_upload(upload.id)
                await self.blobs.abort_upload(upload.id)
                result.uploads += 1
        # Upload directories are swept by age too (their records may be gone already).
        result.upload_dirs = report.uploads
        oldest_allowed = now() - self.grace
        async for key in self.blobs.list_keys():
            try:
                born = ULID.from_str(key.removeprefix(INLINE_PREFIX)).datetime
            except ValueError:
                continue
            if born > oldest_allowed:
                continue
            async with self.meta.read() as s:
                in_use = await s.blob_key_in_use(key)
            if not in_use:
                await self.blobs.delete(key)
                result.orphans += 1
        if result.orphans or result.temp_files or result.uploads:
            log.info("swept %s", result)
        return result

    async def forever(self, every: timedelta = timedelta(minutes=10)) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("sweep failed; retrying at the next interval")
            await asyncio.sleep(every.total_seconds())
