"""Hypothesis strategies for raw S3 requests, a SigV4 signer for them and a raw HTTP client.

Requests are built as bytes, so paths and headers carry exactly what was drawn. Most of them are
signed properly with SigV4 (botocore's signer, over the very path, query and headers sent), so
they get past authentication and reach the handlers; the rest carry a malformed, foreign or
tampered `Authorization`.
"""

from __future__ import annotations

import hashlib
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import strategies as st

from tests.conftest import ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY

BUCKET = "fuzz-s3"
# Weighted toward the methods S3 serves, so most requests reach a handler.
METHODS = ["GET"] * 4 + ["PUT"] * 4 + ["POST", "DELETE", "HEAD"] * 2 + ["OPTIONS", "PATCH", "COPY"]
SUBRESOURCES = [
    "uploads", "uploadId", "partNumber", "versionId", "list-type", "max-keys", "prefix",
    "delimiter", "continuation-token", "marker", "start-after", "fetch-owner", "encoding-type",
    "delete", "tagging", "acl", "versioning", "versions", "location", "cors", "policy",
    "lifecycle", "encryption", "max-parts", "part-number-marker", "max-uploads", "key-marker",
    "version-id-marker", "response-content-type", "response-content-disposition", "attributes",
    "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Signature", "x-id",
]  # fmt: skip
NUMBERS = [
    "0",
    "1",
    "2",
    "-1",
    "10000",
    "10001",
    "1e3",
    "0x10",
    " 1",
    "\uff11",
    "\u00b2",
    "9" * 30,
    "",
]
ODD_KEYS = [
    "..", "../x", "%2e%2e/x", "a/../../b", "/abs", "a//b", "x\x00y", "ä/ö", "sp ace", "a+b",
    "~tilde", "q?x", "h#x", "%", "%zz", "pct%2Fslash", "\u202e", "\ud7ff", "tab\t", "new\nline",
    "a" * 1100,
]  # fmt: skip

_DATE = "%Y%m%dT%H%M%SZ"
CREDENTIALS = Credentials(ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY)


@dataclass
class RawRequest:
    method: str
    path: str  # percent-encoded, as sent
    query: list[tuple[str, str]]
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    sign: str = "sigv4"  # sigv4 | tampered | none | garbage
    short_body: bool = False  # Content-Length announces more than is sent

    def query_string(self) -> str:
        return "&".join(
            quote(k, safe="-_.~") + (f"={quote(v, safe='-_.~')}" if v else "=")
            for k, v in self.query
        )

    def target(self) -> str:
        qs = self.query_string()
        return self.path + (f"?{qs}" if qs else "")


def _text(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=max_size)


# Header values: mostly printable ASCII (so the HTTP parser lets them through), sometimes anything.
header_text = st.one_of(
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
    _text(),
)

keys = st.one_of(
    st.sampled_from(["exists/a", "missing", "exists", "dir/"]),
    st.sampled_from(ODD_KEYS),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=60),
)
buckets = st.sampled_from([BUCKET, BUCKET, BUCKET, "no-such-bucket", "Bad_Name", "ab", "x" * 70])


@st.composite
def paths(draw: st.DrawFn) -> str:
    scope = draw(st.sampled_from(["service", "bucket", "object", "object", "object"]))
    if scope == "service":
        return "/"
    bucket = quote(draw(buckets), safe="")
    if scope == "bucket":
        return f"/{bucket}" + draw(st.sampled_from(["", "/"]))
    return f"/{bucket}/" + quote(draw(keys), safe="/~")


query_values = st.one_of(st.sampled_from(NUMBERS), _text(), st.sampled_from(["2", "url", "true"]))
queries = st.one_of(
    st.just([]),
    st.lists(
        st.tuples(st.one_of(st.sampled_from(SUBRESOURCES), _text(12)), query_values), max_size=3
    ),
)


def _ranges() -> st.SearchStrategy[str]:
    n = st.integers(0, 1 << 70).map(str)
    return st.one_of(
        st.builds(lambda a, b: f"bytes={a}-{b}", n, n),
        st.builds(lambda a: f"bytes={a}-", n),
        st.builds(lambda a: f"bytes=-{a}", n),
        st.sampled_from(["bytes=", "bytes=-", "bytes=0-1,3-4", "items=0-1", "bytes=a-b", "0-1"]),
    )


def _dates() -> st.SearchStrategy[str]:
    now = datetime.now(UTC)
    return st.one_of(
        st.just(now.strftime(_DATE)),
        st.sampled_from(
            [
                (now - timedelta(days=2)).strftime(_DATE),
                "20261301T000000Z",
                "yesterday",
                "",
                "99999999T999999Z",
            ]
        ),
    )


HEADER_VALUES: dict[str, st.SearchStrategy[str]] = {
    "Range": _ranges(),
    "x-amz-date": _dates(),
    "Content-MD5": st.sampled_from(["", "abc", "1B2M2Y8AsgTpgAmY7PhCfg==", "!!!"]),
    "x-amz-content-sha256": st.sampled_from(
        [
            "UNSIGNED-PAYLOAD",
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            "0" * 64,
            "zz",
            "",
        ]
    ),
    "x-amz-decoded-content-length": st.sampled_from(NUMBERS),
    "x-amz-copy-source": st.one_of(
        st.sampled_from([f"/{BUCKET}/exists/a", f"{BUCKET}/missing", "/", "%", "/a/b?versionId=x"]),
        header_text,
    ),
    "x-amz-copy-source-range": _ranges(),
    "x-amz-meta-fuzz": header_text,
    "x-amz-tagging": st.sampled_from(["a=b", "a", "=&=", "%zz=1", "k=" + "v" * 300]),
    "x-amz-checksum-crc32": st.sampled_from(["AAAAAA==", "zz", ""]),
    "x-amz-sdk-checksum-algorithm": st.sampled_from(["CRC32", "SHA256", "MD5", "nope"]),
    "x-amz-trailer": st.sampled_from(["x-amz-checksum-crc32", "nope", ""]),
    "If-Match": st.sampled_from(["*", '"abc"', "", "W/x"]),
    "If-None-Match": st.sampled_from(["*", '"abc"', ""]),
    "If-Modified-Since": st.sampled_from(["Wed, 21 Oct 2015 07:28:00 GMT", "garbage", ""]),
    "Content-Type": st.sampled_from(["application/xml", "text/plain", "", "a/b; c=d"]),
    "Content-Encoding": st.sampled_from(["aws-chunked", "gzip", "aws-chunked,gzip", ""]),
    "Origin": st.sampled_from(["https://example.org", "null", ""]),
    "Expect": st.sampled_from(["100-continue"]),
}

XML_BODIES = [
    b"<Delete><Object><Key>exists/a</Key></Object><Quiet>true</Quiet></Delete>",
    b"<Delete><Object><Key></Key></Object></Delete>",
    b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part>"
    b"</CompleteMultipartUpload>",
    b"<CompleteMultipartUpload><Part><PartNumber>99999999999999999999</PartNumber></Part>"
    b"</CompleteMultipartUpload>",
    b"<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>",
    b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>",
    b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Delete>&a;</Delete>',
    b"<Delete><Object>",
    b"not xml",
]


@st.composite
def aws_chunked_bodies(draw: st.DrawFn) -> bytes:
    chunks = draw(st.lists(st.binary(max_size=64), max_size=3))
    out = b""
    for c in chunks:
        size = draw(st.sampled_from([f"{len(c):x}", "zz", f"{len(c) + 5:x}", "-1"]))
        out += f"{size};chunk-signature={'0' * 64}\r\n".encode() + c + b"\r\n"
    return out + draw(st.sampled_from([b"0;chunk-signature=" + b"0" * 64 + b"\r\n\r\n", b""]))


@st.composite
def http_chunked(draw: st.DrawFn, body: bytes) -> bytes:
    """`body` in HTTP/1.1 chunked framing: right, or broken in one of a few ways."""
    how = draw(st.sampled_from(["right", "right", "bad-size", "no-end", "no-crlf"]))
    size = {"bad-size": "zz"}.get(how, f"{len(body):x}")
    framed = (f"{size}\r\n".encode() + body + b"\r\n") if body else b""
    if how == "no-crlf":
        framed = framed.removesuffix(b"\r\n") + b"X"
    return framed + (b"" if how == "no-end" else b"0\r\n\r\n")


bodies = st.one_of(
    st.just(b""),
    st.binary(max_size=300),
    st.sampled_from(XML_BODIES),
    aws_chunked_bodies(),
)


@st.composite
def raw_requests(draw: st.DrawFn) -> RawRequest:
    request = RawRequest(
        method=draw(st.sampled_from(METHODS)),
        path=draw(paths()),
        query=draw(queries),
        body=draw(bodies),
        sign=draw(st.sampled_from(["sigv4", "sigv4", "sigv4", "tampered", "none", "garbage"])),
    )
    for name in draw(st.lists(st.sampled_from(sorted(HEADER_VALUES)), max_size=4, unique=True)):
        request.headers[name] = draw(HEADER_VALUES[name])
    length = draw(st.sampled_from(["right"] * 6 + ["short", "long", "junk", "chunked"]))
    if length == "chunked":
        request.headers["Transfer-Encoding"] = "chunked"
        request.body = draw(http_chunked(request.body))
    elif length == "short" and request.body:
        request.headers["Content-Length"] = str(len(request.body) - 1)
    elif length == "long":
        request.headers["Content-Length"] = str(len(request.body) + 10)
        request.short_body = True
    if request.headers.get("Transfer-Encoding") and not request.body.endswith(b"0\r\n\r\n"):
        request.short_body = True
    elif length == "junk":
        request.headers["Content-Length"] = draw(st.sampled_from(["abc", "-1", "1e3", "9" * 25]))
    if request.sign == "garbage":
        request.headers["Authorization"] = draw(
            st.one_of(
                st.sampled_from(
                    [
                        "AWS4-HMAC-SHA256",
                        "AWS4-HMAC-SHA256 Credential=",
                        f"AWS4-HMAC-SHA256 Credential={ADMIN_ACCESS_KEY}/x/y/s3/aws4_request, "
                        "SignedHeaders=host, Signature=00",
                        f"AWS {ADMIN_ACCESS_KEY}:c2lnbmF0dXJl",
                        "Bearer abc",
                        "AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/s3/aws4_request,"
                        "SignedHeaders=,Signature=ä",
                    ]
                ),
                _text(80),
            )
        )
    return request


def _latin1_safe(value: str) -> str:
    """Header values go on the wire as latin-1; anything else as its UTF-8 bytes read as latin-1."""
    return value.encode("utf-8").decode("latin-1").replace("\r", " ").replace("\n", " ")


def wire(request: RawRequest, host: str) -> bytes:
    """The request as bytes, signed as its `sign` says."""
    headers = {"Host": host, **{k: _latin1_safe(v) for k, v in request.headers.items()}}
    if "Transfer-Encoding" not in headers:
        headers.setdefault("Content-Length", str(len(request.body)))
    if request.sign in ("sigv4", "tampered"):
        if (
            request.sign == "sigv4"
        ):  # the signer sets a current one; a tampered request keeps its own
            headers.pop("x-amz-date", None)
        aws = AWSRequest(
            method=request.method,
            url=f"http://{host}{request.target()}",
            data=request.body,
            headers={k: v for k, v in headers.items() if k != "Content-Length"},
        )
        if "x-amz-content-sha256" not in headers:
            aws.headers["x-amz-content-sha256"] = hashlib.sha256(request.body).hexdigest()
        S3SigV4Auth(CREDENTIALS, "s3", "us-east-1").add_auth(aws)
        headers.update(dict(aws.headers.items()))
        if request.sign == "tampered":
            headers["Authorization"] = headers["Authorization"][:-1] + (
                "0" if headers["Authorization"][-1] != "0" else "1"
            )
    head = f"{request.method} {request.target()} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()
    )
    return head.encode("latin-1") + b"Connection: close\r\n\r\n" + request.body


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def send(host: str, port: int, data: bytes, *, half_close: bool) -> RawResponse | None:
    """Send raw bytes, read until the server closes; `None` if it closed without answering."""
    with socket.create_connection((host, port), timeout=15) as sock:
        sock.sendall(data)
        if half_close:  # the body may be shorter than announced: end it
            sock.shutdown(socket.SHUT_WR)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    while raw.startswith(b"HTTP/1.1 100"):  # an interim answer to `Expect: 100-continue`
        raw = raw.partition(b"\r\n\r\n")[2]
    if not raw:
        return None
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":
        body = _unchunk(body)
    return RawResponse(status, headers, body)


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return out
