"""AWS request signatures: SigV4 (header and presigned query) and SigV2 (header and query).

`parse_auth()` reads what a request claims; `ParsedAuth.verify(secret)` checks it. Signatures are
compared in constant time. `presign()` makes SigV4 query URLs for the presign API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TypedDict
from urllib.parse import quote, unquote

from multidict import CIMultiDictProxy

from .errors import S3Error

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_SKEW = timedelta(minutes=15)
MAX_PRESIGN = 7 * 24 * 3600
# SigV2 sub-resources that are part of the signed resource.
_V2_SUBRESOURCES = frozenset(
    [
        "acl",
        "cors",
        "delete",
        "lifecycle",
        "location",
        "logging",
        "notification",
        "partNumber",
        "policy",
        "requestPayment",
        "tagging",
        "torrent",
        "uploadId",
        "uploads",
        "versionId",
        "versioning",
        "versions",
        "website",
        "response-content-type",
        "response-content-language",
        "response-expires",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
    ]
)


def aws_quote(value: str, safe: str = "-_.~") -> str:
    return quote(value, safe=safe)


@lru_cache(maxsize=256)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _amz_time(value: str) -> datetime:
    """`20261125T230501Z` as a UTC instant (strptime costs ten times as much per request)."""
    d = value
    if len(d) != 16 or d[8] != "T" or d[15] != "Z" or not (d[:8] + d[9:15]).isdigit():
        raise S3Error("AccessDenied", "X-Amz-Date is not a valid timestamp")
    try:
        return datetime(
            int(d[0:4]),
            int(d[4:6]),
            int(d[6:8]),
            int(d[9:11]),
            int(d[11:13]),
            int(d[13:15]),
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise S3Error("AccessDenied", "X-Amz-Date is not a valid timestamp") from exc


def _hmac_hex(key: bytes, msg: str) -> str:
    return hmac.new(key, msg.encode(), hashlib.sha256).hexdigest()


def _same(expected: str, given: str) -> bool:
    """Constant-time equality; on bytes, since `compare_digest` raises on non-ASCII `str`."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


def canonical_query(raw_query: str, *, exclude: str | None = None) -> str:
    pairs = []
    for item in raw_query.split("&") if raw_query else []:
        key, _, value = item.partition("=")
        key, value = unquote(key), unquote(value)
        if key == exclude:
            continue
        pairs.append((aws_quote(key), aws_quote(value)))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def canonical_uris(raw_path: str) -> list[str]:
    """The path as sent, and as AWS would encode it (clients differ in what they escape)."""
    as_sent = raw_path or "/"
    normalized = aws_quote(unquote(as_sent), safe="/~-_.")
    return [as_sent] if normalized == as_sent else [as_sent, normalized]


def canonical_headers(headers: CIMultiDictProxy[str], names: list[str]) -> str:
    lines = []
    for name in names:
        values = headers.getall(name, [])
        if not values:
            raise S3Error(
                "SignatureDoesNotMatch", f"The signed header {name!r} is missing from the request"
            )
        lines.append(f"{name}:{','.join(' '.join(v.split()) for v in values)}")
    return "\n".join(lines) + "\n"


@dataclass
class VerifiedAuth:
    """What a verified SigV4 request carries forward (the chunk signatures chain from it)."""

    access_key: str
    key: bytes | None = None
    scope: str = ""
    amz_date: str = ""
    seed_signature: str = ""
    payload_hash: str = UNSIGNED


class _RequestParts(TypedDict):
    """The request fields a ParsedAuth carries whatever the signing scheme."""

    method: str
    raw_path: str
    raw_query: str
    headers: CIMultiDictProxy[str]


@dataclass
class ParsedAuth:
    access_key: str
    version: int
    method: str
    raw_path: str
    raw_query: str
    headers: CIMultiDictProxy[str]
    signature: str
    signed_headers: list[str] = field(default_factory=list)
    date: str = ""
    region: str = ""
    service: str = "s3"
    amz_date: str = ""
    expires: int | None = None
    presigned: bool = False
    # SigV2 signs "/bucket/key" even when the bucket travels in the Host header (virtual host).
    v2_bucket: str | None = None

    @property
    def payload_hash(self) -> str:
        if self.presigned:
            return UNSIGNED
        return self.headers.get("x-amz-content-sha256", UNSIGNED if self.version == 2 else "")

    def verify(self, secret: str, now: datetime | None = None) -> VerifiedAuth:
        now = now or datetime.now(UTC)
        if self.version == 2:
            return self._verify_v2(secret, now)
        self._check_time(now)
        if not self.payload_hash:
            raise S3Error(
                "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
            )
        key = signing_key(secret, self.date, self.region, self.service)
        scope = f"{self.date}/{self.region}/{self.service}/aws4_request"
        query = canonical_query(
            self.raw_query, exclude="X-Amz-Signature" if self.presigned else None
        )
        headers = canonical_headers(self.headers, self.signed_headers)
        for uri in canonical_uris(self.raw_path):
            request = "\n".join(
                [self.method, uri, query, headers, ";".join(self.signed_headers), self.payload_hash]
            )
            to_sign = "\n".join(
                [ALGORITHM, self.amz_date, scope, hashlib.sha256(request.encode()).hexdigest()]
            )
            # SECURITY: constant-time comparison of the signatures.
            if _same(_hmac_hex(key, to_sign), self.signature):
                return VerifiedAuth(
                    self.access_key, key, scope, self.amz_date, self.signature, self.payload_hash
                )
        raise S3Error(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )

    def _check_time(self, now: datetime) -> None:
        when = _amz_time(self.amz_date)
        if not self.amz_date.startswith(self.date):
            raise S3Error("SignatureDoesNotMatch", "The credential date does not match X-Amz-Date")
        if self.presigned:
            if when - MAX_SKEW > now:
                raise S3Error("AccessDenied", "Request is not valid yet")
            if now > when + timedelta(seconds=self.expires or 0):
                raise S3Error("AccessDenied", "Request has expired")
        elif abs(now - when) > MAX_SKEW:
            raise S3Error(
                "RequestTimeTooSkewed",
                "The difference between the request time and the server's time is too large.",
            )

    def _verify_v2(self, secret: str, now: datetime) -> VerifiedAuth:
        if self.presigned:
            if self.expires is None or now.timestamp() > self.expires:
                raise S3Error("AccessDenied", "Request has expired")
            date = str(self.expires)
        else:
            date = "" if "x-amz-date" in self.headers else self.headers.get("Date", "")
        amz = sorted(
            (k.lower(), ",".join(self.headers.getall(k)))
            for k in {h.lower() for h in self.headers}
            if k.startswith("x-amz-")
        )
        resource = self.raw_path.split("?", 1)[0]
        if self.v2_bucket is not None:
            resource = f"/{self.v2_bucket}{resource}"
        subs = []
        for item in self.raw_query.split("&") if self.raw_query else []:
            key, sep, value = item.partition("=")
            key = unquote(key)
            if key in _V2_SUBRESOURCES:
                subs.append(f"{key}={unquote(value)}" if sep else key)
        if subs:
            resource += "?" + "&".join(sorted(subs))
        to_sign = "\n".join(
            [
                self.method,
                self.headers.get("Content-MD5", ""),
                self.headers.get("Content-Type", ""),
                date,
                *(f"{k}:{v}" for k, v in amz),
                resource,
            ]
        )
        expected = base64.b64encode(
            hmac.new(secret.encode(), to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        # SECURITY: constant-time comparison.
        if not _same(expected, self.signature):
            raise S3Error(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method.",
            )
        return VerifiedAuth(self.access_key)


def parse_auth(
    method: str, raw_path_and_query: str, headers: CIMultiDictProxy[str], query: Mapping[str, str]
) -> ParsedAuth | None:
    """What the request claims about its signer; None for anonymous requests."""
    raw_path, _, raw_query = raw_path_and_query.partition("?")
    base = _RequestParts(method=method, raw_path=raw_path, raw_query=raw_query, headers=headers)
    header = headers.get("Authorization", "")
    if header.startswith(ALGORITHM + " "):
        fields: dict[str, str] = {}
        for part in header[len(ALGORITHM) + 1 :].split(","):
            name, _, value = part.strip().partition("=")
            fields[name] = value
        try:
            access, date, region, service, _ = fields["Credential"].split("/")
            signed = fields["SignedHeaders"].split(";")
            signature = fields["Signature"]
        except (KeyError, ValueError) as exc:
            raise S3Error(
                "AuthorizationHeaderMalformed", "The authorization header is malformed"
            ) from exc
        amz_date = headers.get("x-amz-date") or ""
        if not amz_date:
            raise S3Error("AccessDenied", "AWS authentication requires a valid X-Amz-Date header")
        return ParsedAuth(
            access,
            4,
            signature=signature,
            signed_headers=signed,
            date=date,
            region=region,
            service=service,
            amz_date=amz_date,
            **base,
        )
    if header.startswith("AWS "):
        access, _, signature = header[4:].partition(":")
        return ParsedAuth(access, 2, signature=signature, **base)
    if "X-Amz-Signature" in query:
        if query.get("X-Amz-Algorithm") != ALGORITHM:
            raise S3Error(
                "AuthorizationQueryParametersError", "X-Amz-Algorithm must be AWS4-HMAC-SHA256"
            )
        try:
            access, date, region, service, _ = query["X-Amz-Credential"].split("/")
            expires = int(query["X-Amz-Expires"])
            signed = query["X-Amz-SignedHeaders"].split(";")
            amz_date = query["X-Amz-Date"]
        except (KeyError, ValueError) as exc:
            raise S3Error(
                "AuthorizationQueryParametersError",
                "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
                "X-Amz-Expires parameters.",
            ) from exc
        if not 1 <= expires <= MAX_PRESIGN:
            raise S3Error("AuthorizationQueryParametersError", "X-Amz-Expires must be 1-604800")
        return ParsedAuth(
            access,
            4,
            signature=query["X-Amz-Signature"],
            signed_headers=signed,
            date=date,
            region=region,
            service=service,
            amz_date=amz_date,
            expires=expires,
            presigned=True,
            **base,
        )
    if "Signature" in query and "AWSAccessKeyId" in query:
        try:
            expires = int(query["Expires"])
        except (KeyError, ValueError) as exc:
            raise S3Error("AccessDenied", "Query-string authentication requires Expires") from exc
        return ParsedAuth(
            query["AWSAccessKeyId"],
            2,
            signature=query["Signature"],
            expires=expires,
            presigned=True,
            **base,
        )
    return None


def presign(
    *,
    method: str,
    base_url: str,
    raw_path: str,
    access_key: str,
    secret: str,
    expires: int,
    region: str = "us-east-1",
    now: datetime | None = None,
    extra_query: Mapping[str, str] | None = None,
) -> str:
    """A SigV4 query-signed URL (host is the only signed header)."""
    now = now or datetime.now(UTC)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    host = base_url.split("://", 1)[1].split("/", 1)[0]
    params = {
        "X-Amz-Algorithm": ALGORITHM,
        "X-Amz-Credential": f"{access_key}/{date}/{region}/s3/aws4_request",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(expires),
        "X-Amz-SignedHeaders": "host",
        **(extra_query or {}),
    }
    query = "&".join(f"{aws_quote(k)}={aws_quote(v)}" for k, v in sorted(params.items()))
    request = "\n".join([method, raw_path, query, f"host:{host}\n", "host", UNSIGNED])
    scope = f"{date}/{region}/s3/aws4_request"
    to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(request.encode()).hexdigest()])
    signature = _hmac_hex(signing_key(secret, date, region, "s3"), to_sign)
    return f"{base_url}{raw_path}?{query}&X-Amz-Signature={signature}"
