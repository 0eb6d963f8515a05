"""Routes that hand out ways to move bytes: presigned S3 URLs and bundle links."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ...domain.permissions import Actor
from ...errors import InvalidInput
from ...keys import AUTH, BUNDLES, OBJECTS, SETTINGS
from ...services.common import now
from ..s3.sigv4 import aws_quote, presign
from .routing import ApiRouter

router = ApiRouter()


class PresignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: Annotated[str, Field(min_length=3, max_length=4096, description="project/key")]
    method: Literal["GET", "PUT"] = "GET"
    expires_in: Annotated[int, Field(ge=1, description="Seconds; at most the server maximum")] = (
        3600
    )
    version_id: str | None = Field(
        default=None, description="GET only: this version of the object instead of the latest"
    )


class PresignedURL(BaseModel):
    url: str
    method: str
    expires_at: str


class BundleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resource_ids: Annotated[list[str], Field(min_length=1, max_length=1000)]
    format: Literal["tar.gz", "zip"] = "tar.gz"
    expires_in: Annotated[int, Field(ge=1)] = 3600
    once: bool = Field(default=False, description="The link works for one download only")


class BundleLink(BaseModel):
    id: str
    url: str
    expires_at: str
    once: bool


def _base_url(request: web.Request) -> str:
    settings = request.config_dict[SETTINGS]
    return settings.public_url.rstrip("/") if settings.public_url else str(request.url.origin())


@router.op(
    "POST",
    "/presign",
    summary="A presigned S3 URL to GET or PUT one object",
    tag="data",
    body=PresignRequest,
    response=PresignedURL,
)
async def create_presigned(
    request: web.Request, actor: Actor, body: PresignRequest
) -> PresignedURL:
    settings = request.config_dict[SETTINGS]
    if body.expires_in > settings.max_presign_seconds:
        raise InvalidInput(
            f"expires_in may be at most {settings.max_presign_seconds} seconds on this server",
            field="expires_in",
        )
    project, _, key = body.path.strip("/").partition("/")
    if not key:
        raise InvalidInput("The path must name an object: project/key", field="path")
    objects = request.config_dict[OBJECTS]
    if body.version_id is not None and body.method != "GET":
        raise InvalidInput("version_id goes with GET only: versions are immutable", field="method")
    if body.method == "GET":
        # READ, and the object (or that version of it) has data.
        await objects.open(actor, project, key, version_id=body.version_id)
    else:
        await objects.check_write(actor, project, key)
    access, secret = await request.config_dict[AUTH].signing_credentials(actor)
    raw_path = "/" + aws_quote(project, safe="") + "/" + aws_quote(key, safe="/~")
    url = presign(
        method=body.method,
        base_url=_base_url(request),
        raw_path=raw_path,
        access_key=access,
        secret=secret,
        expires=body.expires_in,
        extra_query={"versionId": body.version_id} if body.version_id else None,
    )
    expires_at = (now() + timedelta(seconds=body.expires_in)).isoformat()
    return PresignedURL(url=url, method=body.method, expires_at=expires_at)


@router.op(
    "POST",
    "/bundles",
    summary="A link that streams resources as one .tar.gz or .zip",
    tag="data",
    body=BundleRequest,
    response=BundleLink,
    status=201,
)
async def create_bundle(request: web.Request, actor: Actor, body: BundleRequest) -> BundleLink:
    settings = request.config_dict[SETTINGS]
    created = await request.config_dict[BUNDLES].create(
        actor,
        body.resource_ids,
        format=body.format,
        expires_in=body.expires_in,
        once=body.once,
        max_seconds=settings.max_presign_seconds,
    )
    url = f"{_base_url(request)}/api/v2/bundles/{created.secret}/bundle.{created.format}"
    return BundleLink(
        id=created.id, url=url, expires_at=created.expires_at.isoformat(), once=created.once
    )


@router.op(
    "GET",
    "/bundles/{secret}/{filename}",
    summary="Download a bundle (the link is the credential)",
    tag="data",
)
async def download_bundle(
    request: web.Request, actor: Actor, secret: str, filename: str
) -> web.StreamResponse:
    service = request.config_dict[BUNDLES]
    record, members = await service.open(secret)
    media = "application/zip" if record.format == "zip" else "application/gzip"
    response = web.StreamResponse(
        headers={
            "Content-Type": media,
            "Content-Disposition": f'attachment; filename="bundle.{record.format}"',
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    async for chunk in service.stream(record, members):
        await response.write(chunk)
    await response.write_eof()
    return response
