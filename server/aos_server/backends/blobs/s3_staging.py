"""The write side of the upstream S3 store: staging a blob (in memory, or by multipart upload
to `tmp/<id>`) while the shared pipeline hashes it, then committing it under its key."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .base import StagedBlob
from .pipeline import HashingSink
from .sealed import SealedWriter, Sealer

if TYPE_CHECKING:
    from .s3 import S3BlobStore

_SEALED = {"aos-sealed": "1"}  # user metadata that marks a sealed blob


class _Spool:
    """A write-only file for `SealedWriter`: sealed bytes pile up until taken."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.written = 0

    def write(self, data: bytes) -> int:
        self.buf += data
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def take(self) -> bytes:
        out = bytes(self.buf)
        self.buf.clear()
        return out


class _Writer:
    """Streams bytes to one S3 key: one PUT when they fit in one part, else a multipart upload."""

    def __init__(self, store: S3BlobStore, key: str, sealed: bool) -> None:
        self.store, self.key, self.sealed = store, key, sealed
        self.pending = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []
        self.stored = 0

    async def write(self, data: bytes) -> None:
        self.pending += data
        size = self.store.part_size
        while len(self.pending) >= size:
            part = bytes(self.pending[:size])
            del self.pending[:size]
            await self._upload_part(part)

    async def _upload_part(self, body: bytes) -> None:
        s3 = await self.store.client()
        if self.upload_id is None:
            created = await s3.create_multipart_upload(
                Bucket=self.store.bucket, Key=self.key, Metadata=self._metadata()
            )
            self.upload_id = created["UploadId"]
        number = len(self.parts) + 1
        done = await s3.upload_part(
            Bucket=self.store.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=body,
        )
        self.parts.append({"PartNumber": number, "ETag": done["ETag"]})
        self.stored += len(body)

    def _metadata(self) -> dict[str, str]:
        return dict(_SEALED) if self.sealed else {}

    @property
    def small(self) -> bool:
        return self.upload_id is None

    async def finish(self) -> None:
        """Write what is left: one PUT, or the last part and the completion."""
        s3 = await self.store.client()
        if self.upload_id is None:
            body = bytes(self.pending)
            await s3.put_object(
                Bucket=self.store.bucket, Key=self.key, Body=body, Metadata=self._metadata()
            )
            self.stored += len(body)
        else:
            if self.pending:
                await self._upload_part(bytes(self.pending))
            await s3.complete_multipart_upload(
                Bucket=self.store.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts},
            )
        self.pending.clear()

    async def abort(self) -> None:
        self.pending.clear()
        if self.upload_id is not None:
            s3 = await self.store.client()
            with contextlib.suppress(ClientError):
                await s3.abort_multipart_upload(
                    Bucket=self.store.bucket, Key=self.key, UploadId=self.upload_id
                )


class _Sink(HashingSink):
    """Hashes the plaintext and seals it (or just collects it) in worker threads, then hands
    the bytes to the upstream writer after each buffer."""

    def __init__(self, writer: _Writer, sealer: Sealer | None, master: bytes | None) -> None:
        self.writer = writer
        self.spool = _Spool()
        self.sealed = SealedWriter(self.spool, sealer, master) if sealer else None  # type: ignore[arg-type]
        super().__init__(self._write_all)

    def _write_all(self, bufs: Sequence[bytes]) -> None:
        target = self.sealed or self.spool
        for b in bufs:
            target.write(b)

    async def written(self) -> None:
        await self.writer.write(self.spool.take())

    async def close(self) -> None:
        if self.sealed:
            await asyncio.to_thread(self.sealed.close)
        await self.writer.write(self.spool.take())


class _S3Staged(StagedBlob):
    def __init__(self, store: S3BlobStore, writer: _Writer, sink: _Sink) -> None:
        self.store = store
        self.size, self.md5, self.sha256 = sink.size, sink.md5.hexdigest(), sink.sha256.hexdigest()
        self.sealed = writer.sealed
        # Small blobs wait in memory (at most one part); large ones in a temporary object.
        self.inline: bytes | None = bytes(writer.pending) if writer.small else None
        self.tmp: str | None = None if writer.small else writer.key
        self.stored = writer.stored

    async def commit(self, key: str) -> None:
        final = self.store.blob_path(key)
        s3 = await self.store.client()
        metadata = dict(_SEALED) if self.sealed else {}
        if self.inline is not None:
            await s3.put_object(
                Bucket=self.store.bucket, Key=final, Body=self.inline, Metadata=metadata
            )
            self.inline = None
        elif self.tmp is not None:
            await self.store.copy(self.tmp, final, self.stored, metadata)
            await self.discard()

    async def discard(self) -> None:
        self.inline = None
        if self.tmp is not None:
            tmp, self.tmp = self.tmp, None
            s3 = await self.store.client()
            await asyncio.shield(s3.delete_object(Bucket=self.store.bucket, Key=tmp))
