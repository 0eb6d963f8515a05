"""Blobs in an upstream S3 bucket (Ceph, MinIO, SeaweedFS, AWS): streaming, multipart, ranges.

URL: `s3://bucket/prefix?endpoint=https://host:port&region=eu-1&addressing=path`. Every query
parameter is optional: without `endpoint` the AWS endpoints of `region` are used; `addressing`
is `path` (the default when an endpoint is given), `virtual` or `auto`. Credentials come from
settings, else from the standard AWS credential chain.

Layout under `<prefix>`: `blobs/<key>` committed blobs, `tmp/<id>` staged blobs awaiting commit,
`multipart/<upload id>/<part>` client multipart parts. A sealed blob (compressed and/or
encrypted, see `sealed.py`) carries the user metadata `aos-sealed: 1`; a range read of it fetches
the header, the index and then only the byte span of the sealed chunks the range touches.

S3 has no rename, so staging works like this: a blob smaller than one part stays in memory until
`commit()` PUTs it under its key; a larger one is written by multipart upload to `tmp/<id>` and
`commit()` copies it server-side to `blobs/<key>` (CopyObject is atomic: readers see the old
blob or the new one, whole) and removes the temporary object.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import struct
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session
from botocore.exceptions import ClientError

from ...domain.ids import new_id
from ...domain.ranges import RangeSpec, resolve
from ...errors import IntegrityError, InvalidInput, ObjectNotFound
from .base import BlobStore, PartInfo, StagedBlob, SweepReport, Verify
from .pipeline import BUFFER, pump
from .s3_staging import _S3Staged, _Sink, _Writer
from .sealed import _HEADER, CHUNK, FOOTER, SealedReader, Sealer

MiB = 1 << 20
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
MAX_COPY = 5 * 1024 * MiB  # largest single CopyObject; bigger blobs are copied in parts
_HEAD_WINDOW = 4096  # the sealed header is under 100 bytes
_TAIL_WINDOW = 64 * 1024  # footer + index of blobs up to ~8 GiB in one GET


def check_key(key: str) -> str:
    # SECURITY: only server-made keys of a strict alphabet become object names upstream.
    if not _KEY.match(key):
        raise InvalidInput(f"Invalid blob key {key!r}")
    return key


def _missing(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound", "NoSuchUpload")


def _warm_up(session: AioSession) -> None:
    """Read what botocore keeps on disk (config files, service models) into the session's
    caches, so that creating the client on the event loop does no file I/O."""
    session.get_scoped_config()
    loader = session.get_component("data_loader")
    for name in ("endpoints", "partitions", "sdk-default-configuration", "_retry"):
        loader.load_data(name)
    for kind in ("service-2", "endpoint-rule-set-1"):
        loader.load_service_model("s3", kind, api_version=None)


class _Window:
    """A read-only file over the head and tail of a remote blob, for `SealedReader`."""

    def __init__(self, size: int, head: bytes, tail: bytes) -> None:
        self.size, self.head, self.tail = size, head, tail
        self.pos = 0

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = (
            offset if whence == 0 else self.size + offset if whence == 2 else self.pos + offset
        )
        return self.pos

    def read(self, n: int) -> bytes:
        start, self.pos = self.pos, self.pos + n
        if start + n <= len(self.head):
            return self.head[start : start + n]
        tail_start = self.size - len(self.tail)
        if start >= tail_start:
            return self.tail[start - tail_start : start - tail_start + n]
        raise IntegrityError("A stored blob's header or index is malformed")


class S3BlobStore(BlobStore):
    """Blobs in one bucket under one prefix of an S3-compatible service."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint: str | None = None,
        region: str = "us-east-1",
        addressing: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        master_key: bytes | None = None,
        part_size: int = 8 * MiB,
    ) -> None:
        if not bucket:
            raise InvalidInput("An s3:// blobs URL needs a bucket: s3://bucket/prefix")
        if part_size < 5 * MiB:
            raise InvalidInput("The S3 part size must be at least 5 MiB (an S3 limit)")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint = endpoint
        self.region = region
        self.addressing = addressing or ("path" if endpoint else "auto")
        self.master = master_key
        self.part_size = part_size
        self._credentials = (access_key, secret_key)
        self._client: Any = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._lock = asyncio.Lock()
        self.fetched = 0  # bytes downloaded so far (lets tests prove ranges stay cheap)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> S3BlobStore:
        """Build a store from `s3://bucket/prefix?endpoint=…&region=…&addressing=…`."""
        parsed = urlparse(url)
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        unknown = set(query) - {"endpoint", "region", "addressing"}
        if unknown:
            raise InvalidInput(
                f"Unknown parameter(s) {sorted(unknown)} in the blobs URL; "
                "use endpoint=, region= and addressing="
            )
        if "region" in query:
            options["region"] = query["region"]
        return cls(
            parsed.netloc,
            parsed.path,
            endpoint=query.get("endpoint"),
            addressing=query.get("addressing"),
            **options,
        )

    async def client(self) -> Any:
        """The shared aiobotocore client, created on first use."""
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    stack = contextlib.AsyncExitStack()
                    access, secret = self._credentials
                    config = AioConfig(
                        signature_version="s3v4",
                        s3={"addressing_style": self.addressing},
                        retries={"max_attempts": 3, "mode": "standard"},
                        max_pool_connections=32,
                        # Older S3 implementations reject the newer default checksum trailers.
                        request_checksum_calculation="when_required",
                        response_checksum_validation="when_required",
                    )
                    session = get_session()
                    options: dict[str, Any] = {
                        "endpoint_url": self.endpoint,
                        "region_name": self.region,
                        "aws_access_key_id": access,
                        "aws_secret_access_key": secret,
                        "config": config,
                    }
                    # botocore reads its service models and credential files from disk; do
                    # that once in a worker thread (the session caches it), not on the loop.
                    await asyncio.to_thread(_warm_up, session)
                    self._client = await stack.enter_async_context(
                        session.create_client("s3", **options)
                    )
                    self._stack = stack
        return self._client

    async def close(self) -> None:
        if self._stack is not None:
            stack, self._stack, self._client = self._stack, None, None
            await stack.aclose()

    async def __aenter__(self) -> S3BlobStore:
        await self.client()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def blob_path(self, key: str) -> str:
        return f"{self.prefix}blobs/{check_key(key)}"

    # -- writing ---------------------------------------------------------------------------------
    async def _write(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        sealer: Sealer | None,
        verify: Verify | None,
        *,
        finish: bool,
    ) -> tuple[_Writer, _Sink]:
        writer = _Writer(self, key, sealed=sealer is not None)
        sink = await asyncio.to_thread(_Sink, writer, sealer, self.master)
        try:
            await pump(chunks, sink)
            await sink.close()
            if verify is not None:
                verify(sink.md5.hexdigest(), sink.sha256.hexdigest())
            if finish or not writer.small:
                await writer.finish()
        except BaseException:
            # Shielded: a cancelled upload must still abort, or its parts linger upstream.
            await asyncio.shield(writer.abort())
            raise
        return writer, sink

    async def stage(
        self,
        chunks: AsyncIterator[bytes],
        *,
        compress: bool = False,
        encrypt: bool = False,
        verify: Verify | None = None,
    ) -> StagedBlob:
        sealer = Sealer.new(compress=compress, encrypt=encrypt) if compress or encrypt else None
        writer, sink = await self._write(
            f"{self.prefix}tmp/{new_id()}", chunks, sealer, verify, finish=False
        )
        return _S3Staged(self, writer, sink)

    async def copy(self, source: str, target: str, size: int, metadata: dict[str, str]) -> None:
        """Server-side copy; objects over 5 GiB go part by part."""
        s3 = await self.client()
        origin = {"Bucket": self.bucket, "Key": source}
        if size <= MAX_COPY:
            await s3.copy_object(Bucket=self.bucket, Key=target, CopySource=origin)
            return
        created = await s3.create_multipart_upload(
            Bucket=self.bucket, Key=target, Metadata=metadata
        )
        upload_id = created["UploadId"]
        try:
            parts = []
            step = max(self.part_size, 512 * MiB)
            for number, start in enumerate(range(0, size, step), start=1):
                end = min(start + step, size) - 1
                done = await s3.upload_part_copy(
                    Bucket=self.bucket,
                    Key=target,
                    UploadId=upload_id,
                    PartNumber=number,
                    CopySource=origin,
                    CopySourceRange=f"bytes={start}-{end}",
                )
                parts.append({"PartNumber": number, "ETag": done["CopyPartResult"]["ETag"]})
            await s3.complete_multipart_upload(
                Bucket=self.bucket,
                Key=target,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            await asyncio.shield(
                s3.abort_multipart_upload(Bucket=self.bucket, Key=target, UploadId=upload_id)
            )
            raise

    # -- reading ---------------------------------------------------------------------------------
    async def _head(self, key: str) -> tuple[int, bool]:
        s3 = await self.client()
        try:
            head = await s3.head_object(Bucket=self.bucket, Key=self.blob_path(key))
        except ClientError as exc:
            if _missing(exc):
                raise ObjectNotFound(
                    f"The bytes of blob {key} are missing from the upstream bucket"
                ) from exc
            raise
        return int(head["ContentLength"]), head.get("Metadata", {}).get("aos-sealed") == "1"

    async def _get(self, path: str, start: int, end: int) -> AsyncIterator[bytes]:
        """Stream bytes `start..end` (inclusive) of an object."""
        s3 = await self.client()
        response = await s3.get_object(Bucket=self.bucket, Key=path, Range=f"bytes={start}-{end}")
        async with response["Body"] as body:
            async for data in body.iter_chunks(BUFFER):
                self.fetched += len(data)
                yield data

    async def _get_bytes(self, path: str, start: int, end: int) -> bytes:
        return b"".join([d async for d in self._get(path, start, end)])

    async def open_read(
        self, key: str, byte_range: RangeSpec | None = None
    ) -> AsyncIterator[bytes]:
        size, sealed = await self._head(key)
        path = self.blob_path(key)
        if sealed:
            async for piece in self._read_sealed(path, size, byte_range):
                yield piece
            return
        offset, length = resolve(byte_range, size) if byte_range else (0, size)
        if length > 0:
            async for data in self._get(path, offset, offset + length - 1):
                yield data

    async def _sealed_reader(self, path: str, size: int) -> tuple[SealedReader, int]:
        """The reader of a sealed blob, and where its chunk records end (the index begins)."""
        if size < _HEADER.size + 8:
            raise IntegrityError("A stored blob is truncated")
        if size <= 2 * _TAIL_WINDOW:
            head = tail = await self._get_bytes(path, 0, size - 1)
        else:
            head, tail = await asyncio.gather(
                self._get_bytes(path, 0, _HEAD_WINDOW - 1),
                self._get_bytes(path, size - _TAIL_WINDOW, size - 1),
            )
            ilen, footer = struct.unpack(">I4s", tail[-8:])
            if footer == FOOTER and 8 + ilen > len(tail) and 8 + ilen <= size:
                tail = await self._get_bytes(path, size - 8 - ilen, size - 1)
        window = _Window(size, head, tail)
        reader = await asyncio.to_thread(SealedReader, window, self.master)  # type: ignore[arg-type]
        (ilen,) = struct.unpack(">I", tail[-8:-4])
        return reader, size - 8 - ilen

    async def _read_sealed(
        self, path: str, size: int, byte_range: RangeSpec | None
    ) -> AsyncIterator[bytes]:
        reader, records_end = await self._sealed_reader(path, size)
        offset, length = resolve(byte_range, reader.size) if byte_range else (0, reader.size)
        if length == 0:
            return
        first, last = offset // CHUNK, (offset + length - 1) // CHUNK
        bounds = [*reader.offsets, records_end]
        skip = offset - first * CHUNK
        index = first
        buf = bytearray()
        async for data in self._get(path, bounds[first], bounds[last + 1] - 1):
            buf += data
            while len(buf) >= 4:
                (record,) = struct.unpack(">I", buf[:4])
                if len(buf) < 4 + record:
                    break
                sealed = bytes(buf[4 : 4 + record])
                del buf[: 4 + record]
                plain = await asyncio.to_thread(reader.sealer.unseal, index, sealed)
                piece = plain[skip : skip + length]
                skip = 0
                index += 1
                length -= len(piece)
                if piece:
                    yield piece
        if length > 0 or buf:
            raise IntegrityError("A stored blob's chunks do not match its index")

    # -- single objects --------------------------------------------------------------------------
    async def delete(self, key: str) -> None:
        s3 = await self.client()
        await s3.delete_object(Bucket=self.bucket, Key=self.blob_path(key))

    async def exists(self, key: str) -> bool:
        try:
            await self._head(key)
        except ObjectNotFound:
            return False
        return True

    async def local_path(self, key: str) -> Path | None:
        return None

    # -- multipart -------------------------------------------------------------------------------
    def _part(self, upload_id: str, number: int) -> str:
        return f"{self.prefix}multipart/{check_key(upload_id)}/{int(number):05d}"

    async def stage_part(
        self,
        upload_id: str,
        part_number: int,
        chunks: AsyncIterator[bytes],
        *,
        verify: Verify | None = None,
    ) -> PartInfo:
        # A PUT (or completed multipart upload) replaces the old part atomically.
        _, sink = await self._write(
            self._part(upload_id, part_number), chunks, None, verify, finish=True
        )
        return PartInfo(size=sink.size, md5=sink.md5.hexdigest())

    async def assemble(
        self,
        upload_id: str,
        part_numbers: Sequence[int],
        *,
        compress: bool = False,
        encrypt: bool = False,
    ) -> StagedBlob:
        paths = [self._part(upload_id, n) for n in part_numbers]

        async def chunks() -> AsyncIterator[bytes]:
            s3 = await self.client()
            for path in paths:
                try:
                    response = await s3.get_object(Bucket=self.bucket, Key=path)
                except ClientError as exc:
                    if _missing(exc):
                        raise InvalidInput(
                            f"Part {path.rsplit('/', 1)[-1]} was never uploaded"
                        ) from exc
                    raise
                async with response["Body"] as body:
                    async for data in body.iter_chunks(BUFFER):
                        yield data

        return await self.stage(chunks(), compress=compress, encrypt=encrypt)

    async def _objects(self, prefix: str) -> AsyncIterator[dict[str, Any]]:
        # Plain continuation loops, not botocore paginators (whose models load from disk).
        s3 = await self.client()
        token: dict[str, str] = {}
        while True:
            page = await s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix, **token)
            for item in page.get("Contents", []):
                yield item
            if not page.get("IsTruncated"):
                return
            token = {"ContinuationToken": page["NextContinuationToken"]}

    async def _uploads(self) -> AsyncIterator[dict[str, Any]]:
        s3 = await self.client()
        marker: dict[str, str] = {}
        while True:
            page = await s3.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix, **marker)
            for upload in page.get("Uploads", []):
                yield upload
            if not page.get("IsTruncated"):
                return
            marker = {
                "KeyMarker": page["NextKeyMarker"],
                "UploadIdMarker": page["NextUploadIdMarker"],
            }

    async def _delete_many(self, keys: list[str]) -> None:
        s3 = await self.client()
        for i in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[i : i + 1000]]
            await s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    async def abort_upload(self, upload_id: str) -> None:
        prefix = f"{self.prefix}multipart/{check_key(upload_id)}/"
        await self._delete_many([o["Key"] async for o in self._objects(prefix)])

    # -- housekeeping ----------------------------------------------------------------------------
    async def sweep(self, *, older_than: float) -> SweepReport:
        limit = time.time() - older_than
        s3 = await self.client()
        stale = [
            o["Key"]
            async for o in self._objects(f"{self.prefix}tmp/")
            if o["LastModified"].timestamp() <= limit
        ]
        await self._delete_many(stale)
        temps = len(stale)
        # Multipart uploads of staged blobs or large parts that never completed.
        async for upload in self._uploads():
            if upload["Initiated"].timestamp() <= limit:
                with contextlib.suppress(ClientError):
                    await s3.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                temps += 1
        newest: dict[str, float] = {}
        keys: dict[str, list[str]] = {}
        async for o in self._objects(f"{self.prefix}multipart/"):
            upload_id = o["Key"][len(self.prefix) + len("multipart/") :].split("/", 1)[0]
            newest[upload_id] = max(newest.get(upload_id, 0.0), o["LastModified"].timestamp())
            keys.setdefault(upload_id, []).append(o["Key"])
        expired = [u for u, when in newest.items() if when <= limit]
        await self._delete_many([k for u in expired for k in keys[u]])
        return SweepReport(temp_files=temps, uploads=len(expired))

    async def list_keys(self) -> AsyncIterator[str]:
        start = len(self.prefix) + len("blobs/")
        async for o in self._objects(f"{self.prefix}blobs/"):
            yield o["Key"][start:]
