"""Turn an S3 request body into a verified byte stream for the services."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass

from ...backends.blobs.base import Verify
from ...domain.numbers import parse_uint
from .checksums import ALGORITHMS, decode_b64
from .chunked import aws_chunked, plain, verified
from .context import S3Request
from .errors import S3Error
from .sigv4 import UNSIGNED


def _verifier(md5: bytes | None, sha256: str | None) -> Verify | None:
    """Check Content-MD5 and a hex x-amz-content-sha256 against what the blob store computed."""
    if md5 is None and sha256 is None:
        return None

    def verify(md5_hex: str, sha256_hex: str) -> None:
        if md5 is not None and not hmac.compare_digest(bytes.fromhex(md5_hex), md5):
            raise S3Error(
                "BadDigest", "The Content-MD5 you specified did not match what we received."
            )
        if sha256 is not None and not hmac.compare_digest(sha256_hex, sha256.lower()):
            raise S3Error(
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            )

    return verify


@dataclass
class Body:
    """A request body as a stream, the S3 checksums (filled once it is exhausted), and the
    digest check the blob store runs before the bytes can become visible."""

    stream: AsyncIterator[bytes]
    checksums: dict[str, str]
    verify: Verify | None


async def request_body(ctx: S3Request) -> Body:
    """The body as a stream, and a dict that holds the S3 checksums once it is exhausted.

    Every check fails while the stream is read, so a caller that commits only after reading
    it to the end never stores bytes that do not match what the client declared.
    """
    headers = ctx.headers
    request = ctx.request
    payload = ctx.auth.payload_hash if ctx.auth else headers.get("x-amz-content-sha256", UNSIGNED)
    expected = {
        algo: headers[f"x-amz-checksum-{algo}"]
        for algo in ALGORITHMS
        if f"x-amz-checksum-{algo}" in headers
    }
    announced = [
        t.strip().lower().removeprefix("x-amz-checksum-")
        for t in headers.get("x-amz-trailer", "").split(",")
        if t.strip()
    ]
    for algo in announced:
        if algo not in ALGORITHMS:
            raise S3Error("InvalidRequest", f"Unsupported trailing checksum {algo!r}")
    trailers: dict[str, str] = {}
    stream: AsyncIterator[bytes]
    if payload.startswith("STREAMING-"):
        decoded = headers.get("x-amz-decoded-content-length")
        decoded_length = parse_uint(decoded) if decoded is not None else None
        if decoded is not None and decoded_length is None:
            raise S3Error("InvalidArgument", "x-amz-decoded-content-length must be a number")
        stream = aws_chunked(
            request.content,
            auth=ctx.auth,
            signed=payload.startswith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
            decoded_length=decoded_length,
            trailers=trailers,
        )
        sha256_hex = None
    else:
        if request.content_length is None and "chunked" not in headers.get("Transfer-Encoding", ""):
            raise S3Error("MissingContentLength", "You must provide the Content-Length HTTP header")
        stream = plain(request.content, request.content_length)
        sha256_hex = payload if len(payload) == 64 else None
    md5 = decode_b64(headers["Content-MD5"], "Content-MD5") if "Content-MD5" in headers else None
    if md5 is not None and len(md5) != 16:
        raise S3Error("InvalidDigest", "The Content-MD5 you specified was invalid.")
    computed: dict[str, str] = {}
    if expected or announced:
        stream = verified(stream, expected, trailers, announced, computed)
    return Body(stream, computed, _verifier(md5, sha256_hex))
