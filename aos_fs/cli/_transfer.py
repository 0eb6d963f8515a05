"""Moving bytes: parallel, resumable multipart uploads and ranged downloads, with progress.

A large upload keeps its S3 upload id and part size in a small state file under the cache
directory (`$XDG_CACHE_HOME/aos/uploads`, else `~/.cache/aos/uploads`), keyed by server,
destination and the local file's size and mtime; running the same `aos put` again asks the
server which parts it has (ListParts) and sends only the others. A large download writes into
`<file>.aos-partial` with a `.json` sidecar naming the pinned version and the finished ranges;
running the same `aos get` again fetches only the missing ranges, checks the SHA-256 and renames.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import mimetypes
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fsspec.callbacks import Callback  # type: ignore[import-untyped]

from ..paths import AOSPath

if TYPE_CHECKING:
    from ..filesystem import AOSFileSystem

MiB = 1 << 20
MIN_PART = 5 * MiB
MAX_PARTS = 10_000


class Progress:
    """One byte counter for a whole transfer; a tqdm bar on a terminal, silent otherwise."""

    def __init__(self, enabled: bool, total: int, files: int, verb: str) -> None:
        self.files = files
        self.done_files = 0
        self.verb = verb
        self._bar: Any = None
        if enabled:
            from tqdm import tqdm  # type: ignore[import-untyped]

            self._bar = tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                file=sys.stderr,
                dynamic_ncols=True,
                desc=self._desc(),
                mininterval=0.2,
            )

    def _desc(self) -> str:
        return f"{self.verb} {self.done_files}/{self.files} files"

    def update(self, n: int) -> None:
        if self._bar is not None and n:
            self._bar.update(n)

    def file_done(self) -> None:
        self.done_files += 1
        if self._bar is not None:
            self._bar.set_description(self._desc(), refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.set_description(self._desc())
            self._bar.close()

    def callback(self) -> Callback:
        return _Forward(self)


class _Forward(Callback):  # type: ignore[misc]  # fsspec is untyped
    """fsspec callback → the shared progress counter."""

    value: int

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self._progress = progress

    def set_size(self, size: int) -> None:
        self.size = size

    def relative_update(self, inc: int = 1) -> None:
        self.value += inc
        self._progress.update(inc)

    def absolute_update(self, value: int) -> None:
        self._progress.update(value - self.value)
        self.value = value


class Throttle:
    """An average byte rate that a whole transfer keeps to (`--limit-rate`); `None`: no limit."""

    def __init__(self, rate: int | None) -> None:
        self.rate = rate
        self.started = time.monotonic()
        self.sent = 0

    async def take(self, n: int) -> None:
        if not self.rate:
            return
        self.sent += n
        delay = self.started + self.sent / self.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)


@dataclass
class Transfer:
    """One file to move; `resumed` tells whether earlier work was reused."""

    local: Path
    remote: str
    size: int
    resumed: bool = False
    parts: int = 1
    meta: dict[str, Any] = field(default_factory=dict)


def part_size_for(size: int, wanted: int) -> int:
    """At least `wanted` (and 5 MiB), big enough for at most 10,000 parts."""
    part = max(wanted, MIN_PART)
    while -(-size // part) > MAX_PARTS:
        part *= 2
    return part


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "aos"


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _read_at(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as f:
        f.seek(offset)
        return f.read(length)


# -- uploads ------------------------------------------------------------------------------------
async def upload(
    fs: AOSFileSystem,
    t: Transfer,
    progress: Progress,
    *,
    part_size: int,
    jobs: int,
    throttle: Throttle | None = None,
) -> None:
    """Upload `t.local` to `t.remote` in parallel parts, resuming an earlier attempt."""
    p = AOSPath.parse(t.remote)
    stat = t.local.stat()
    part = part_size_for(t.size, part_size)
    ident = f"{fs.url}|{p.plain}|{t.local.resolve()}|{t.size}|{stat.st_mtime_ns}|{part}"
    state_path = cache_dir() / "uploads" / (hashlib.sha256(ident.encode()).hexdigest() + ".json")
    count = max(1, -(-t.size // part))
    t.parts = count
    done: dict[int, str] = {}
    state = _read_json(state_path)
    upload_id = state.get("upload_id") if state else None
    if upload_id:
        try:
            done = await _uploaded_parts(fs, p, upload_id, part, t.size)
            t.resumed = True
        except OSError:
            upload_id, done = None, {}
    if not upload_id:
        content_type = mimetypes.guess_type(p.key)[0] or "application/octet-stream"
        created = await fs._s3_call(
            "create_multipart_upload", Bucket=p.project, Key=p.key, ContentType=content_type
        )
        upload_id = str(created["UploadId"])
        _write_json(state_path, {"upload_id": upload_id, "remote": p.plain, "part_size": part})
    progress.update(sum(min(part, t.size - (n - 1) * part) for n in done))
    limit = asyncio.Semaphore(jobs)

    async def one(n: int) -> None:
        async with limit:
            offset = (n - 1) * part
            data = await asyncio.to_thread(_read_at, t.local, offset, min(part, t.size - offset))
            if throttle is not None:
                await throttle.take(len(data))
            sent = await fs._s3_call(
                "upload_part",
                Bucket=p.project,
                Key=p.key,
                UploadId=upload_id,
                PartNumber=n,
                Body=data,
            )
            done[n] = str(sent["ETag"])
            progress.update(len(data))

    await asyncio.gather(*(one(n) for n in range(1, count + 1) if n not in done))
    await fs._s3_call(
        "complete_multipart_upload",
        Bucket=p.project,
        Key=p.key,
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": done[n]} for n in sorted(done)]},
    )
    with contextlib.suppress(FileNotFoundError):
        state_path.unlink()
    fs.invalidate_cache(p.plain)


async def _uploaded_parts(
    fs: AOSFileSystem, p: AOSPath, upload_id: str, part: int, size: int
) -> dict[int, str]:
    """Parts the server already has (with the size this attempt expects)."""
    done: dict[int, str] = {}
    marker = 0
    while True:
        page = await fs._s3_call(
            "list_parts",
            Bucket=p.project,
            Key=p.key,
            UploadId=upload_id,
            PartNumberMarker=marker,
        )
        for item in page.get("Parts", []):
            n = int(item["PartNumber"])
            if int(item["Size"]) == min(part, size - (n - 1) * part):
                done[n] = str(item["ETag"])
        if not page.get("IsTruncated"):
            return done
        marker = int(page["NextPartNumberMarker"])


# -- downloads ----------------------------------------------------------------------------------
async def download(
    fs: AOSFileSystem,
    t: Transfer,
    progress: Progress,
    *,
    part_size: int,
    jobs: int,
    throttle: Throttle | None = None,
) -> None:
    """Download `t.remote` (pinned to the revision in `t.meta`) in parallel ranges, resumably."""
    p = AOSPath.parse(t.remote)
    version_id = t.meta.get("version_id")
    part = max(part_size, MiB)
    partial = t.local.with_name(t.local.name + ".aos-partial")
    sidecar = partial.with_name(partial.name + ".json")
    count = max(1, -(-t.size // part))
    t.parts = count
    state = _read_json(sidecar)
    done: set[int] = set()
    if (
        state
        and partial.exists()
        and state.get("version_id") == version_id
        and state.get("size") == t.size
        and state.get("part_size") == part
    ):
        done = {int(i) for i in state.get("done", [])}
        t.resumed = True
    else:
        partial.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as f:
            f.truncate(t.size)
    state = {"version_id": version_id, "size": t.size, "part_size": part, "remote": str(p)}
    _write_json(sidecar, {**state, "done": sorted(done)})
    progress.update(sum(min(part, t.size - i * part) for i in done))
    fd = os.open(partial, os.O_RDWR)
    limit = asyncio.Semaphore(jobs)
    extra = {"VersionId": version_id} if version_id else {}

    async def one(i: int) -> None:
        start = i * part
        end = min(t.size, start + part)
        async with limit:
            resp = await fs._s3_call(
                "get_object",
                Bucket=p.project,
                Key=p.key,
                Range=f"bytes={start}-{end - 1}",
                **extra,
            )
            body = resp["Body"]
            try:
                offset = start
                while chunk := await body.read(MiB):
                    if throttle is not None:
                        await throttle.take(len(chunk))
                    await asyncio.to_thread(os.pwrite, fd, chunk, offset)
                    offset += len(chunk)
                    progress.update(len(chunk))
            finally:
                body.close()
            if offset != end:
                raise OSError(f"short read of aos://{p}: bytes {start}-{end} ended at {offset}")
            done.add(i)
            _write_json(sidecar, {**state, "done": sorted(done)})

    try:
        if t.size:
            await asyncio.gather(*(one(i) for i in range(count) if i not in done))
        await asyncio.to_thread(os.fsync, fd)
    finally:
        os.close(fd)
    expected = t.meta.get("sha256")
    if expected:
        actual = await asyncio.to_thread(_sha256, partial)
        if actual != expected:
            partial.unlink()
            sidecar.unlink(missing_ok=True)
            raise OSError(f"aos://{p}: SHA-256 mismatch after download; run `aos get` again")
    os.replace(partial, t.local)
    sidecar.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(4 * MiB):
            h.update(chunk)
    return h.hexdigest()
