"""`AOSFile`: a buffered file on one object revision (read) or on a new revision (write).

Reads are pinned to the revision that was current when the file was opened, so a concurrent
writer never changes the bytes under a reader (no silent truncation, no `FileExpired`). Writes
buffer up to `block_size` and then upload parts concurrently (S3 multipart), with at most
`max_concurrency` parts in flight; small files are sent with one PUT on close.
"""

from __future__ import annotations

import asyncio
import errno
import io
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from fsspec.asyn import sync  # type: ignore[import-untyped]
from fsspec.spec import AbstractBufferedFile  # type: ignore[import-untyped]

from ._s3 import s3_error
from .paths import AOSPath

if TYPE_CHECKING:
    from .filesystem import AOSFileSystem

MiB = 1 << 20
MIN_PART = 5 * MiB  # S3's smallest part (except the last)


class AOSFile(AbstractBufferedFile):  # type: ignore[misc]  # fsspec is untyped
    """A file opened through `AOSFileSystem.open`."""

    DEFAULT_BLOCK_SIZE = 16 * MiB
    fs: AOSFileSystem
    buffer: io.BytesIO

    def __init__(
        self,
        fs: AOSFileSystem,
        path: str,
        mode: str = "rb",
        block_size: int | str | None = "default",
        autocommit: bool = True,
        cache_type: str = "readahead",
        cache_options: dict[str, Any] | None = None,
        size: int | None = None,
        *,
        details: dict[str, Any] | None = None,
        max_concurrency: int = 4,
        s3_kwargs: dict[str, Any] | None = None,
        prefill: bytes = b"",
    ) -> None:
        self.target = AOSPath.parse(path)
        self.version_id = details.get("version_id") if details else None
        self.max_concurrency = max(1, max_concurrency)
        self.s3_kwargs = s3_kwargs or {}
        self.upload_id: str | None = None
        self.parts: list[Future[dict[str, Any]]] = []
        super().__init__(
            fs,
            path,
            mode=mode,
            block_size=block_size,
            autocommit=autocommit,
            cache_type=cache_type,
            cache_options=cache_options,
            size=size,
            **({"details": details} if details is not None else {}),
        )
        if "r" not in mode:
            if self.blocksize < MIN_PART:
                raise ValueError(f"block_size must be at least {MIN_PART} bytes for writing")
            if prefill:
                self.buffer.write(prefill)
                self.loc = len(prefill)

    # -- reading --------------------------------------------------------------------------------
    def _fetch_range(self, start: int, end: int) -> bytes:
        data: bytes = sync(
            self.fs.loop, self.fs._read_range, self.target, self.version_id, start, end
        )
        return data

    # -- writing --------------------------------------------------------------------------------
    def _initiate_upload(self) -> None:
        """Start a multipart upload once a first full block is buffered."""

    def _submit(self, method: str, **kwargs: Any) -> Future[dict[str, Any]]:
        coro = self.fs._s3_call(method, Bucket=self.target.project, Key=self.target.key, **kwargs)
        return asyncio.run_coroutine_threadsafe(coro, self.fs.loop)

    def _upload_chunk(self, final: bool = False) -> bool:
        data = self.buffer.getvalue()
        if final and self.upload_id is None and len(data) <= self.blocksize:
            self._small: bytes | None = data  # one PUT, in commit()
            if self.autocommit:
                self.commit()
            return True
        if self.upload_id is None:
            started = self._submit("create_multipart_upload", **self.s3_kwargs).result()
            self.upload_id = started["UploadId"]
        while len(data) >= self.blocksize or (final and data):
            part, data = data[: self.blocksize], data[self.blocksize :]
            if final and len(data) < MIN_PART:
                part, data = part + data, b""  # a short tail rides with the last part
            self._wait_for_room()
            self.parts.append(
                self._submit(
                    "upload_part",
                    PartNumber=len(self.parts) + 1,
                    UploadId=self.upload_id,
                    Body=part,
                )
            )
        self.buffer = io.BytesIO()
        self.buffer.write(data)
        if final and self.autocommit:
            self.commit()
        return False  # the buffer is managed here: it keeps what did not fill a part

    def _wait_for_room(self) -> None:
        pending = [f for f in self.parts if not f.done()]
        while len(pending) >= self.max_concurrency:
            pending[0].result()
            pending = [f for f in self.parts if not f.done()]

    def commit(self) -> None:
        # "xb": the server refuses atomically if someone else created the path meanwhile.
        exclusive = {"IfNoneMatch": "*"} if "x" in self.mode else {}
        try:
            if self.upload_id is None:
                body = getattr(self, "_small", None)
                self._submit("put_object", Body=body or b"", **self.s3_kwargs, **exclusive).result()
            else:
                etags = [f.result()["ETag"] for f in self.parts]
                self._submit(
                    "complete_multipart_upload",
                    UploadId=self.upload_id,
                    MultipartUpload={
                        "Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]
                    },
                    **exclusive,
                ).result()
        except Exception as exc:
            if exclusive and (
                isinstance(exc, FileExistsError) or s3_error(exc) == "PreconditionFailed"
            ):
                raise FileExistsError(
                    errno.EEXIST, f"aos://{self.target} exists (mode 'xb')"
                ) from exc
            raise
        self.fs.invalidate_cache(self.target.plain)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None and self.writable():  # writable() is False once closed
            # An exception inside `with fs.open(..., "wb")`: publish nothing, not a partial file.
            self.discard()
            self.closed = True
            return
        self.close()

    def discard(self) -> None:
        if self.upload_id is not None:
            for f in self.parts:
                f.cancel()
            self._submit("abort_multipart_upload", UploadId=self.upload_id).result()
            self.upload_id = None
