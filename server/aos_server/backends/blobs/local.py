"""Blobs on local disk: temp file + fsync + atomic rename; plain files are sent with sendfile."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import BinaryIO

from ...domain.ids import new_id
from ...domain.ranges import RangeSpec, resolve
from ...errors import InvalidInput, ObjectNotFound
from .base import BlobStore, PartInfo, StagedBlob, SweepReport, Verify
from .pipeline import BUFFER, HashingSink, absorb_all, chain, prefetch, pump
from .sealed import CHUNK, SealedReader, SealedWriter, Sealer

_KEY = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def check_key(key: str) -> str:
    # SECURITY: only server-made keys of a strict alphabet ever reach the filesystem.
    if not _KEY.match(key):
        raise InvalidInput(f"Invalid blob key {key!r}")
    return key


# Bodies up to this size are hashed on the event loop (MD5 and SHA-256 of 16 KiB take about
# 30 microseconds, less than a thread hop); larger ones in a worker thread.
HASH_IN_PLACE = 16 * 1024


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Sink(HashingSink):
    """A temp file (plain or sealed) fed by the shared hashing pipeline."""

    def __init__(self, path: Path, sealer: Sealer | None, master: bytes | None) -> None:
        self.path = path
        self.f: BinaryIO = path.open("wb")
        self.writer = SealedWriter(self.f, sealer, master) if sealer else None
        super().__init__(self._write_all)

    def _write_all(self, bufs: Sequence[bytes]) -> None:
        if self.writer is not None:
            for b in bufs:
                self.writer.write(b)
        else:
            self.f.writelines(bufs)

    def finish(self) -> None:
        """Flush and fsync (blocking)."""
        if self.writer:
            self.writer.close()
        self.f.flush()
        os.fsync(self.f.fileno())
        self.f.close()


class _LocalStaged(StagedBlob):
    def __init__(self, store: LocalBlobStore, tmp: Path, sink: _Sink, sealed: bool) -> None:
        self.store = store
        self.tmp = tmp
        self.size = sink.size
        self.md5 = sink.md5.hexdigest()
        self.sha256 = sink.sha256.hexdigest()
        self.sealed = sealed

    async def commit(self, key: str) -> None:
        final = self.store.path(key, sealed=self.sealed)

        def move() -> None:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.tmp, final)
            _fsync_dir(final.parent)

        await asyncio.to_thread(move)

    async def discard(self) -> None:
        await asyncio.to_thread(self.tmp.unlink, missing_ok=True)


class _SmallStaged(StagedBlob):
    """A body small enough to hold (at most one pipeline buffer): hashed at once, and written
    only by `commit`, which does the temp file, fsync, rename and directory fsync in a single
    thread hop instead of two. Until then nothing is on disk, so `discard` has nothing to undo.
    """

    def __init__(self, store: LocalBlobStore, bufs: list[bytes], sealer: Sealer | None) -> None:
        self.store = store
        self.bufs = bufs
        self.sealer = sealer
        sink = HashingSink(lambda _: None)
        absorb_all(sink, bufs)
        self.size = sink.size
        self.md5 = sink.md5.hexdigest()
        self.sha256 = sink.sha256.hexdigest()

    @classmethod
    async def hashed(
        cls,
        store: LocalBlobStore,
        bufs: list[bytes],
        sealer: Sealer | None,
        verify: Verify | None,
    ) -> _SmallStaged:
        if sum(len(b) for b in bufs) <= HASH_IN_PLACE:
            staged = cls(store, bufs, sealer)  # microseconds: cheaper than a thread hop
        else:
            staged = await asyncio.to_thread(cls, store, bufs, sealer)
        if verify is not None:
            verify(staged.md5, staged.sha256)
        return staged

    async def commit(self, key: str) -> None:
        bufs, self.bufs = self.bufs, []
        await asyncio.to_thread(self.store._write_small, key, bufs, self.sealer)

    def held(self) -> bytes | None:
        return b"".join(self.bufs) if self.sealer is None else None

    async def discard(self) -> None:
        self.bufs = []


class LocalBlobStore(BlobStore):
    """Blobs under `root/blobs/ab/cd/<key>` (plain) or `<key>.sealed`; temp files in `root/tmp`."""

    def __init__(self, root: Path, *, master_key: bytes | None = None) -> None:
        self.root = root
        self.master = master_key
        self.blobs = root / "blobs"
        self.tmp = root / "tmp"
        self.uploads = root / "multipart"
        self._ready = False

    async def _ensure_dirs(self) -> None:
        if not self._ready:
            for d in (self.blobs, self.tmp, self.uploads):
                await asyncio.to_thread(d.mkdir, parents=True, exist_ok=True)
            self._ready = True

    @property
    def supports_sendfile(self) -> bool:
        return True

    def path(self, key: str, *, sealed: bool) -> Path:
        check_key(key)
        return self.blobs / key[-2:] / key[-4:-2] / (key + (".sealed" if sealed else ""))

    async def _stage_to(
        self,
        tmp: Path,
        chunks: AsyncIterator[bytes],
        sealer: Sealer | None,
        verify: Verify | None = None,
    ) -> _Sink:
        head, ended = await prefetch(chunks)
        if ended:  # a small body: open, write, hash and fsync in one thread hop
            sink = await asyncio.to_thread(self._stage_small, tmp, head, sealer)
            try:
                if verify is not None:
                    verify(sink.md5.hexdigest(), sink.sha256.hexdigest())
            except BaseException:
                await asyncio.to_thread(tmp.unlink, missing_ok=True)
                raise
            return sink
        return await self._stream_to(tmp, head, chunks, sealer, verify)

    async def _stream_to(
        self,
        tmp: Path,
        head: list[bytes],
        rest: AsyncIterator[bytes],
        sealer: Sealer | None,
        verify: Verify | None,
    ) -> _Sink:
        """A body larger than one buffer (`head` read already) through the hashing pipeline."""
        sink = await asyncio.to_thread(_Sink, tmp, sealer, self.master)
        try:
            await pump(chain(head, rest), sink)
            if verify is not None:
                verify(sink.md5.hexdigest(), sink.sha256.hexdigest())
            await asyncio.to_thread(sink.finish)
        except BaseException:
            await asyncio.to_thread(sink.f.close)
            await asyncio.to_thread(tmp.unlink, missing_ok=True)
            raise
        return sink

    def _stage_small(self, tmp: Path, bufs: list[bytes], sealer: Sealer | None) -> _Sink:
        sink = _Sink(tmp, sealer, self.master)
        try:
            absorb_all(sink, bufs)
            sink.finish()
        except BaseException:
            sink.f.close()
            tmp.unlink(missing_ok=True)
            raise
        return sink

    async def stage(
        self,
        chunks: AsyncIterator[bytes],
        *,
        compress: bool = False,
        encrypt: bool = False,
        verify: Verify | None = None,
    ) -> StagedBlob:
        await self._ensure_dirs()
        sealer = Sealer.new(compress=compress, encrypt=encrypt) if compress or encrypt else None
        head, ended = await prefetch(chunks)
        if ended:  # small: hashed now, written with its commit in one thread hop
            return await _SmallStaged.hashed(self, head, sealer, verify)
        tmp = self.tmp / f"{new_id()}.partial"
        sink = await self._stream_to(tmp, head, chunks, sealer, verify)
        return _LocalStaged(self, tmp, sink, sealer is not None)

    def _write_small(self, key: str, bufs: Sequence[bytes], sealer: Sealer | None) -> None:
        """Temp file, fsync, rename into place, fsync the directory (blocking)."""
        final = self.path(key, sealed=sealer is not None)
        tmp = self.tmp / f"{new_id()}.partial"
        sink = _Sink(tmp, sealer, self.master)
        try:
            sink._write_all(bufs)  # hashed already: only the write stage
            sink.finish()
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        except BaseException:
            sink.f.close()
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(final.parent)

    async def _locate(self, key: str) -> tuple[Path, bool]:
        plain, sealed = self.path(key, sealed=False), self.path(key, sealed=True)
        if await asyncio.to_thread(plain.exists):
            return plain, False
        if await asyncio.to_thread(sealed.exists):
            return sealed, True
        raise ObjectNotFound(f"The bytes of blob {key} are missing from the store")

    async def open_read(
        self, key: str, byte_range: RangeSpec | None = None
    ) -> AsyncIterator[bytes]:
        path, sealed = await self._locate(key)
        f = await asyncio.to_thread(path.open, "rb")
        try:
            if sealed:
                async for chunk in self._read_sealed(f, byte_range):
                    yield chunk
                return
            size = (await asyncio.to_thread(os.fstat, f.fileno())).st_size
            offset, length = resolve(byte_range, size) if byte_range else (0, size)
            await asyncio.to_thread(f.seek, offset)
            while length > 0:
                data = await asyncio.to_thread(f.read, min(BUFFER, length))
                if not data:
                    break
                length -= len(data)
                yield data
        finally:
            await asyncio.to_thread(f.close)

    async def _read_sealed(self, f: BinaryIO, byte_range: RangeSpec | None) -> AsyncIterator[bytes]:
        reader = await asyncio.to_thread(SealedReader, f, self.master)
        offset, length = resolve(byte_range, reader.size) if byte_range else (0, reader.size)
        index = offset // CHUNK
        skip = offset - index * CHUNK
        while length > 0:
            plain = await asyncio.to_thread(reader.chunk, index)
            piece = plain[skip : skip + length]
            skip = 0
            index += 1
            length -= len(piece)
            yield piece

    async def delete(self, key: str) -> None:
        for sealed in (False, True):
            await asyncio.to_thread(self.path(key, sealed=sealed).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        try:
            await self._locate(key)
        except ObjectNotFound:
            return False
        return True

    async def read_small(self, key: str, limit: int) -> bytes | None:
        path = self.path(key, sealed=False)

        def read() -> bytes | None:
            try:
                with path.open("rb") as f:
                    data = f.read(limit + 1)
            except FileNotFoundError:
                return None  # sealed, or missing: the streaming path says which
            return data if len(data) <= limit else None

        return await asyncio.to_thread(read)  # open, read and close in one thread hop

    async def local_path(self, key: str) -> Path | None:
        path = self.path(key, sealed=False)
        return path if await asyncio.to_thread(path.exists) else None

    # -- multipart -------------------------------------------------------------------------------
    def _part(self, upload_id: str, number: int) -> Path:
        return self.uploads / check_key(upload_id) / f"{int(number):05d}"

    async def stage_part(
        self,
        upload_id: str,
        part_number: int,
        chunks: AsyncIterator[bytes],
        *,
        verify: Verify | None = None,
    ) -> PartInfo:
        await self._ensure_dirs()
        final = self._part(upload_id, part_number)
        await asyncio.to_thread(final.parent.mkdir, parents=True, exist_ok=True)
        tmp = final.with_name(f"{final.name}.{new_id()}.partial")
        sink = await self._stage_to(tmp, chunks, None, verify)
        await asyncio.to_thread(os.replace, tmp, final)
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
            for path in paths:
                f = await asyncio.to_thread(path.open, "rb")
                try:
                    while data := await asyncio.to_thread(f.read, BUFFER):
                        yield data
                finally:
                    await asyncio.to_thread(f.close)

        return await self.stage(chunks(), compress=compress, encrypt=encrypt)

    async def abort_upload(self, upload_id: str) -> None:
        await asyncio.to_thread(shutil.rmtree, self.uploads / check_key(upload_id), True)

    # -- housekeeping ----------------------------------------------------------------------------
    async def sweep(self, *, older_than: float) -> SweepReport:
        await self._ensure_dirs()

        def run() -> SweepReport:
            limit = time.time() - older_than
            temps = 0
            for p in self.tmp.iterdir():
                if p.stat().st_mtime < limit:
                    p.unlink(missing_ok=True)
                    temps += 1
            uploads = 0
            for d in self.uploads.iterdir():
                newest = max((c.stat().st_mtime for c in d.iterdir()), default=d.stat().st_mtime)
                if newest < limit:
                    shutil.rmtree(d, ignore_errors=True)
                    uploads += 1
            return SweepReport(temp_files=temps, uploads=uploads)

        return await asyncio.to_thread(run)

    async def list_keys(self) -> AsyncIterator[str]:
        await self._ensure_dirs()
        paths = await asyncio.to_thread(lambda: sorted(self.blobs.glob("*/*/*")))
        for p in paths:
            yield p.name.removesuffix(".sealed")
