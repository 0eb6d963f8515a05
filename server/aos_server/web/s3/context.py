"""What every S3 handler receives: the bucket and key as the client meant them, and the actor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from multidict import MultiMapping

from ...domain.ids import new_request_id
from ...domain.permissions import ANONYMOUS, Actor
from ...keys import AUTH, BLOBS, MULTIPART, OBJECTS, RESOURCES, SETTINGS
from .errors import S3Error

# Query parameters that select a sub-resource (an operation) rather than modify one.
SUBRESOURCES = (
    "uploads",
    "uploadId",
    "delete",
    "versioning",
    "versions",
    "location",
    "cors",
    "tagging",
    "acl",
    "policy",
    "lifecycle",
    "encryption",
    "website",
    "logging",
    "notification",
    "replication",
    "ownershipControls",
    "publicAccessBlock",
    "object-lock",
    "requestPayment",
    "accelerate",
    "attributes",
)


@dataclass
class S3Request:
    request: web.Request
    bucket: str | None
    key: str | None
    actor: Actor = ANONYMOUS
    auth: Any = None  # the verified signature, when the body is signed chunk by chunk
    request_id: str = field(default_factory=new_request_id)

    @property
    def query(self) -> MultiMapping[str]:
        return self.request.query

    @property
    def headers(self) -> MultiMapping[str]:
        return self.request.headers

    @property
    def subresource(self) -> str | None:
        for name in SUBRESOURCES:
            if name in self.request.query:
                return name
        return None

    @property
    def resource(self) -> str:
        return "/" + "/".join(p for p in (self.bucket, self.key) if p)

    def need_bucket(self) -> str:
        if not self.bucket:
            raise S3Error("InvalidRequest", "This operation needs a bucket")
        return self.bucket

    def need_key(self) -> tuple[str, str]:
        bucket = self.need_bucket()
        if not self.key:
            raise S3Error("InvalidRequest", "This operation needs an object key")
        return bucket, self.key

    # Services, reached through the app (the S3 routes live on the root app).
    @property
    def objects(self):  # type: ignore[no-untyped-def]
        return self.request.config_dict[OBJECTS]

    @property
    def multipart(self):  # type: ignore[no-untyped-def]
        return self.request.config_dict[MULTIPART]

    @property
    def resources(self):  # type: ignore[no-untyped-def]
        return self.request.config_dict[RESOURCES]

    @property
    def blobs(self):  # type: ignore[no-untyped-def]
        return self.request.config_dict[BLOBS]

    @property
    def auth_service(self):  # type: ignore[no-untyped-def]
        return self.request.config_dict[AUTH]

    @property
    def settings(self):  # type: ignore[no-untyped-def]
        return self.request.config_dict[SETTINGS]


def split_path(
    request: web.Request, virtual_host_suffix: str | None
) -> tuple[str | None, str | None]:
    """Bucket and key from the raw path (path-style) or the Host header (virtual-host style).

    The raw path is used so that an encoded '/' or '%' in a key survives exactly.
    """
    raw = request.raw_path.split("?", 1)[0]
    parts = raw.lstrip("/")
    host = (request.host or "").split(":", 1)[0].lower()
    if virtual_host_suffix and host.endswith("." + virtual_host_suffix):
        bucket = host[: -len(virtual_host_suffix) - 1]
        return bucket, unquote(parts) or None
    if not parts:
        return None, None
    bucket, _, key = parts.partition("/")
    return unquote(bucket), (unquote(key) or None)
