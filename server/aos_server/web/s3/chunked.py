"""Request bodies as async byte streams: plain, aws-chunked (signed chunks or unsigned with a
trailer), with checksum verification that fails *before* the caller can commit anything."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator, Mapping
from typing import Protocol

from .checksums import Checksum
from .errors import S3Error
from .sigv4 import EMPTY_SHA256, VerifiedAuth

READ_SIZE = 1 << 20
MAX_LINE = 4096
MAX_CHUNK = 64 << 20
MAX_SIGNED_CHUNK = 16 << 20


class Source(Protocol):
    async def read(self, n: int = -1) -> bytes: ...
    async def readexactly(self, n: int) -> bytes: ...
    async def readuntil(self, separator: bytes = ...) -> bytes: ...


async def plain(source: Source, length: int | None) -> AsyncIterator[bytes]:
    """The body as sent; with a Content-Length, exactly that many bytes or IncompleteBody."""
    remaining = length
    while remaining is None or remaining > 0:
        chunk = await source.read(READ_SIZE if remaining is None else min(READ_SIZE, remaining))
        if not chunk:
            if remaining:
                raise S3Error("IncompleteBody", "You did not provide the number of bytes specified")
            return
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk


async def _line(source: Source) -> bytes:
    try:
        line = await source.readuntil(b"\n")
    except (asyncio.IncompleteReadError, ValueError) as exc:
        raise S3Error(
            "IncompleteBody", "The chunked body ended early or has an overlong line"
        ) from exc
    if len(line) > MAX_LINE:
        raise S3Error("InvalidChunkSizeError", "A chunk header line is too long")
    return line.rstrip(b"\r\n")


def _chunk_signature(auth: VerifiedAuth, previous: str, data_hash: str) -> str:
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256-PAYLOAD", auth.amz_date, auth.scope, previous, EMPTY_SHA256, data_hash]
    )
    assert auth.key is not None  # noqa: S101 - signed chunks come with a SigV4 key
    return hmac.new(auth.key, to_sign.encode(), hashlib.sha256).hexdigest()


async def aws_chunked(
    source: Source,
    *,
    auth: VerifiedAuth | None,
    signed: bool,
    decoded_length: int | None,
    trailers: dict[str, str],
) -> AsyncIterator[bytes]:
    """Decode aws-chunked framing; verify chunk signatures; collect trailer headers."""
    previous = auth.seed_signature if auth else ""
    total = 0
    while True:
        header = (await _line(source)).decode("latin-1")
        size_text, _, ext = header.partition(";")
        try:
            size = int(size_text.strip(), 16)
        except ValueError as exc:
            raise S3Error("InvalidChunkSizeError", f"Bad chunk size {size_text!r}") from exc
        if size < 0 or size > MAX_CHUNK:
            raise S3Error("InvalidChunkSizeError", "Chunks may hold at most 64 MiB")
        claimed = ext.partition("chunk-signature=")[2].strip()
        if signed and size > MAX_SIGNED_CHUNK:
            raise S3Error("InvalidChunkSizeError", "Signed chunks may hold at most 16 MiB")
        digest = hashlib.sha256() if signed else None
        held: list[bytes] = []  # a signed chunk is released only once its signature checks out
        remaining = size
        while remaining:
            try:
                data = await source.readexactly(min(READ_SIZE, remaining))
            except asyncio.IncompleteReadError as exc:
                raise S3Error("IncompleteBody", "The body ended inside a chunk") from exc
            remaining -= len(data)
            total += len(data)
            if digest is None:
                yield data
            else:
                digest.update(data)
                held.append(data)
        if digest is not None:
            if auth is None:
                raise S3Error("AccessDenied", "Signed chunks need a signed request")
            expected = _chunk_signature(auth, previous, digest.hexdigest())
            if not hmac.compare_digest(expected, claimed):  # SECURITY: constant time
                raise S3Error(
                    "SignatureDoesNotMatch",
                    "The chunk signature does not match; the upload was not stored",
                )
            previous = expected
            for data in held:
                yield data
        if size == 0:
            break
        if await source.readexactly(2) != b"\r\n":
            raise S3Error("IncompleteBody", "A chunk is not followed by CRLF")
    while True:  # trailer headers, then an empty line (or the end of the body)
        try:
            line = await _line(source)
        except S3Error:
            break
        if not line:
            break
        name, _, value = line.decode("latin-1").partition(":")
        trailers[name.strip().lower()] = value.strip()
    if decoded_length is not None and total != decoded_length:
        raise S3Error(
            "IncompleteBody",
            f"x-amz-decoded-content-length says {decoded_length} bytes, the body had {total}",
        )


async def verified(
    chunks: AsyncIterator[bytes],
    expected: Mapping[str, str],
    trailers: Mapping[str, str],
    announced: list[str],
    computed: dict[str, str],
) -> AsyncIterator[bytes]:
    """Pass chunks through while computing the checksums; raise at the end on any mismatch.

    `expected` holds header checksums (x-amz-checksum-<algo>); `announced` the algorithms whose
    values arrive as trailers. `computed` receives the final values (base64).
    """
    sums = {algo: Checksum(algo) for algo in {*expected, *announced}}
    async for chunk in chunks:
        for s in sums.values():
            if len(chunk) >= 256 * 1024 and s.algorithm.startswith("sha"):
                await asyncio.to_thread(s.update, chunk)
            else:
                s.update(chunk)
        yield chunk
    for algo, s in sums.items():
        value = s.b64()
        want = expected.get(algo) or trailers.get(f"x-amz-checksum-{algo}")
        if want is None:
            raise S3Error(
                "InvalidRequest", f"The announced trailer x-amz-checksum-{algo} is missing"
            )
        if not hmac.compare_digest(value, want):
            raise S3Error(
                "BadDigest",
                f"The {algo.upper()} you specified did not match the calculated checksum.",
            )
        computed[algo] = value
