"""Building S3 object responses: headers, ranges, sendfile for plain blobs, streams otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from aiohttp import web

from aos_fs.models import ObjectVersion

from ...domain.numbers import parse_uint
from ...domain.ranges import ByteRange, parse_range_header, resolve
from ...errors import AOSError
from ..sendfile import sendfile_in_thread
from .errors import S3Error

if TYPE_CHECKING:
    from aiohttp.abc import AbstractStreamWriter

_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


def http_date(version: ObjectVersion) -> str:
    return format_datetime(version.created_at.replace(microsecond=0), usegmt=True)


def object_headers(
    version: ObjectVersion, query: Mapping[str, str], *, tag_count: int = 0, checksums: bool = False
) -> dict[str, str]:
    headers = {
        "ETag": f'"{version.etag}"',
        "Last-Modified": http_date(version),
        "Content-Type": version.content_type,
        "Accept-Ranges": "bytes",
        "x-amz-version-id": version.id,
    }
    for key, value in version.metadata.items():
        headers[f"x-amz-meta-{key}"] = value
    if tag_count:
        headers["x-amz-tagging-count"] = str(tag_count)
    if version.parts:
        headers["x-amz-mp-parts-count"] = str(len(version.parts))
    if checksums:
        for algo, value in version.hashes.checksums.items():
            headers[f"x-amz-checksum-{algo}"] = value
    for param, header in _OVERRIDES.items():
        if param in query:
            headers[header] = query[param]
    return headers


def select_range(
    version: ObjectVersion, range_header: str | None, part_number: str | None
) -> tuple[int, int] | None:
    """(offset, length) to send, or None for the whole object."""
    size = version.size
    if part_number is not None:
        n = parse_uint(part_number)
        if n is None or n < 1:
            raise S3Error("InvalidArgument", "partNumber must be a positive integer")
        parts = version.parts or [size]
        if n > len(parts):
            raise S3Error("InvalidPartNumber", f"The object has {len(parts)} part(s)")
        return sum(parts[: n - 1]), parts[n - 1]
    if not range_header:
        return None
    try:
        spec = parse_range_header(range_header)
        resolved = resolve(spec, size)
    except AOSError as exc:
        if exc.code == "range_not_satisfiable":
            raise S3Error(
                "InvalidRange", "The requested range is not satisfiable", actual_size=str(size)
            ) from exc
        return None  # a malformed Range header is ignored, as S3 does
    if resolved is None:
        return None
    return resolved


class SendfileResponse(web.StreamResponse):
    """Send part of a local file with `loop.sendfile` (zero-copy) after our own headers."""

    def __init__(self, path: Path, offset: int, count: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._path = path
        self._offset = offset
        self._count = count
        self.content_length = count

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        writer = await super().prepare(request)
        if request.method == "HEAD" or self._count == 0:
            await super().write_eof()
            return writer
        fobj = await asyncio.to_thread(self._path.open, "rb")
        try:
            transport = request.transport
            if transport is None:
                raise ConnectionResetError("Connection lost")
            try:
                await asyncio.get_running_loop().sendfile(
                    transport, fobj, self._offset, self._count, fallback=False
                )
            except (NotImplementedError, asyncio.SendfileNotAvailableError):
                # uvloop has no native sendfile (its fallback copies through Python): zero-copy
                # from a worker thread instead, and whatever a stalled reader leaves by the loop.
                sent = await sendfile_in_thread(transport, fobj.fileno(), self._offset, self._count)
                await self._fallback(fobj, self._offset + sent, self._count - sent)
        finally:
            await asyncio.to_thread(fobj.close)
        await super().write_eof()
        return writer

    async def _fallback(self, fobj: BinaryIO, offset: int, remaining: int) -> None:
        await asyncio.to_thread(fobj.seek, offset)
        while remaining > 0:
            chunk = await asyncio.to_thread(fobj.read, min(remaining, 1 << 20))
            if not chunk:
                break
            await self.write(chunk)
            remaining -= len(chunk)


async def stream_response(
    request: web.Request,
    chunks: AsyncIterator[bytes],
    *,
    status: int,
    headers: dict[str, str],
    length: int,
) -> web.StreamResponse:
    response = web.StreamResponse(status=status, headers=headers)
    response.content_length = length
    await response.prepare(request)
    if request.method != "HEAD":
        async for chunk in chunks:
            await response.write(chunk)
    await response.write_eof()
    return response


def range_spec(offset: int, length: int) -> ByteRange:
    return ByteRange(start=offset, end=offset + length - 1)
