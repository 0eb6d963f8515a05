"""The BlobStore contract: where object bytes live (local disk now; upstream S3 with scale-out)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...domain.ranges import RangeSpec


@dataclass(frozen=True, slots=True)
class PartInfo:
    size: int
    md5: str


@dataclass(frozen=True, slots=True)
class SweepReport:
    temp_files: int
    uploads: int


class StagedBlob(ABC):
    """Bytes written to a hidden temporary place, with their size and hashes (of the plaintext).

    Nothing is visible until `commit(key)`. Call `discard()` on every path that does not commit
    (use try/finally, so that cancellation discards too).
    """

    size: int
    md5: str
    sha256: str

    @abstractmethod
    async def commit(self, key: str) -> None:
        """Make the bytes durable and visible under `key` (atomic: all or nothing)."""

    @abstractmethod
    async def discard(self) -> None:
        """Remove the temporary bytes; safe to call twice."""

    def held(self) -> bytes | None:
        """The whole plaintext when it is held in memory and stored plain (a small body), for
        a caller that keeps it elsewhere (the metadata database) instead of committing it."""
        return None


# Called with the MD5 and SHA-256 (hex) of a staged stream before it can become visible; raising
# discards it. Lets the S3 layer check Content-MD5 and a signed payload hash without hashing twice.
Verify = Callable[[str, str], None]


class BlobStore(ABC):
    @abstractmethod
    async def stage(
        self,
        chunks: AsyncIterator[bytes],
        *,
        compress: bool = False,
        encrypt: bool = False,
        verify: Verify | None = None,
    ) -> StagedBlob:
        """Write a stream to a hidden temporary place while hashing it.

        Leaves nothing behind when the stream raises, `verify` raises or the task is cancelled.
        """

    @abstractmethod
    def open_read(self, key: str, byte_range: RangeSpec | None = None) -> AsyncIterator[bytes]:
        """Stream a blob, or part of it. Raises `ObjectNotFound` when the blob is absent."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove a blob; no error when it is absent."""

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def local_path(self, key: str) -> Path | None:
        """The file of a blob stored plain (for zero-copy sendfile), else `None`."""

    @abstractmethod
    async def stage_part(
        self,
        upload_id: str,
        part_number: int,
        chunks: AsyncIterator[bytes],
        *,
        verify: Verify | None = None,
    ) -> PartInfo:
        """Store one multipart part; uploading the same number again replaces it atomically."""

    @abstractmethod
    async def assemble(
        self,
        upload_id: str,
        part_numbers: Sequence[int],
        *,
        compress: bool = False,
        encrypt: bool = False,
    ) -> StagedBlob:
        """Concatenate parts, in the given order, into a staged blob."""

    @abstractmethod
    async def abort_upload(self, upload_id: str) -> None:
        """Remove every part of an upload; no error when there is none."""

    @abstractmethod
    async def sweep(self, *, older_than: float) -> SweepReport:
        """Remove temporary files and multipart uploads untouched for `older_than` seconds."""

    @abstractmethod
    def list_keys(self) -> AsyncIterator[str]:
        """Every committed blob key (to find orphans that no revision references)."""

    async def read_small(self, key: str, limit: int) -> bytes | None:
        """The whole blob in one step when it is stored plain and at most `limit` bytes;
        `None` means "stream it with `open_read`" (the default for every store)."""
        return None

    async def close(self) -> None:  # noqa: B027 - optional: only stores holding sessions need it
        """Release connections and sessions; the store is not used afterwards."""

    @property
    def supports_sendfile(self) -> bool:
        return False


class WrappedBlobStore(BlobStore):
    """A store that passes every call to `inner`; subclasses override what they change."""

    def __init__(self, inner: BlobStore) -> None:
        self.inner = inner

    async def stage(
        self,
        chunks: AsyncIterator[bytes],
        *,
        compress: bool = False,
        encrypt: bool = False,
        verify: Verify | None = None,
    ) -> StagedBlob:
        return await self.inner.stage(chunks, compress=compress, encrypt=encrypt, verify=verify)

    def open_read(self, key: str, byte_range: RangeSpec | None = None) -> AsyncIterator[bytes]:
        return self.inner.open_read(key, byte_range)

    async def delete(self, key: str) -> None:
        await self.inner.delete(key)

    async def exists(self, key: str) -> bool:
        return await self.inner.exists(key)

    async def local_path(self, key: str) -> Path | None:
        return await self.inner.local_path(key)

    async def stage_part(
        self,
        upload_id: str,
        part_number: int,
        chunks: AsyncIterator[bytes],
        *,
        verify: Verify | None = None,
    ) -> PartInfo:
        return await self.inner.stage_part(upload_id, part_number, chunks, verify=verify)

    async def assemble(
        self,
        upload_id: str,
        part_numbers: Sequence[int],
        *,
        compress: bool = False,
        encrypt: bool = False,
    ) -> StagedBlob:
        return await self.inner.assemble(
            upload_id, part_numbers, compress=compress, encrypt=encrypt
        )

    async def abort_upload(self, upload_id: str) -> None:
        await self.inner.abort_upload(upload_id)

    async def sweep(self, *, older_than: float) -> SweepReport:
        return await self.inner.sweep(older_than=older_than)

    def list_keys(self) -> AsyncIterator[str]:
        return self.inner.list_keys()

    async def read_small(self, key: str, limit: int) -> bytes | None:
        return await self.inner.read_small(key, limit)

    async def close(self) -> None:
        await self.inner.close()

    @property
    def supports_sendfile(self) -> bool:
        return self.inner.supports_sendfile
