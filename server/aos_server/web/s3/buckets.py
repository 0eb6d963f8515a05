"""S3 bucket operations: buckets are projects."""

from __future__ import annotations

import base64
import binascii

from aiohttp import web

from aos_fs.models import Kind, ObjectVersion, ProjectCreate, Resource, check_project_name

from ...domain.numbers import parse_uint
from ...domain.permissions import Level
from ...errors import AlreadyExists, InvalidInput, NotFound
from ...keys import GRAPH, META
from ...services import permissions as perms
from ...services.listing import Entry, iter_keys
from . import xml as s3xml
from .context import S3Request
from .errors import S3Error

MAX_KEYS = 1000


async def project_for(ctx: S3Request, needed: Level = Level.READ) -> Resource:
    """The bucket's project, if the caller may use it at `needed`."""
    bucket = ctx.need_bucket()
    async with ctx.request.config_dict[META].read() as s:
        project = await s.get_project_by_name(bucket)
        if project is None:
            raise S3Error("NoSuchBucket", "The specified bucket does not exist", bucket=bucket)
        acc = await perms.access(s, ctx.actor, project)
        if acc.level < needed:
            if not acc.visible:
                raise S3Error("NoSuchBucket", "The specified bucket does not exist", bucket=bucket)
            raise S3Error("AccessDenied", f"Access Denied: you need {needed.name} on {bucket}")
    return project


async def list_buckets(ctx: S3Request) -> web.StreamResponse:
    if ctx.actor.anonymous:
        raise S3Error("AccessDenied", "Anonymous users cannot list buckets; sign the request")
    projects = []
    cursor = None
    while True:
        page = await ctx.resources.list_projects(ctx.actor, cursor=cursor, limit=1000)
        projects += [p for p in page.items if not p.redacted]
        cursor = page.next_cursor
        if not cursor:
            break
    owner = ctx.actor.user_id or ""
    return web.Response(body=s3xml.list_buckets(projects, owner), content_type="application/xml")


async def create_bucket(ctx: S3Request) -> web.StreamResponse:
    bucket = ctx.need_bucket()
    try:
        check_project_name(bucket)
    except ValueError as exc:
        raise S3Error("InvalidBucketName", f"The specified bucket is not valid: {exc}") from exc
    body = ProjectCreate(name=bucket)
    if ctx.actor.anonymous:
        raise S3Error("AccessDenied", "Anonymous users cannot create buckets")
    try:
        await ctx.resources.create(ctx.actor, Kind.PROJECT, body)
    except AlreadyExists as exc:
        async with ctx.request.config_dict[META].read() as s:
            project = await s.get_project_by_name(bucket)
            mine = (
                project is not None
                and (await perms.access(s, ctx.actor, project)).level >= Level.ADMIN
            )
        code = "BucketAlreadyOwnedByYou" if mine else "BucketAlreadyExists"
        raise S3Error(code, f"The bucket {bucket} exists already") from exc
    return web.Response(status=200, headers={"Location": f"/{bucket}"})


async def head_bucket(ctx: S3Request) -> web.StreamResponse:
    await project_for(ctx)
    return web.Response(status=200, headers={"x-amz-bucket-region": "us-east-1"})


async def delete_bucket(ctx: S3Request) -> web.StreamResponse:
    project = await project_for(ctx, Level.ADMIN)
    async with ctx.request.config_dict[META].read() as s:
        if await s.list_children(project.id, limit=1):
            raise S3Error("BucketNotEmpty", "The bucket you tried to delete is not empty")
    await ctx.request.config_dict[GRAPH].delete(ctx.actor, project.id)
    return web.Response(status=204)


async def get_location(ctx: S3Request) -> web.StreamResponse:
    await project_for(ctx)
    return web.Response(body=s3xml.location(""), content_type="application/xml")


async def get_versioning(ctx: S3Request) -> web.StreamResponse:
    await project_for(ctx)
    return web.Response(body=s3xml.versioning("Enabled"), content_type="application/xml")


async def put_versioning(ctx: S3Request) -> web.StreamResponse:
    await project_for(ctx, Level.ADMIN)
    status = s3xml.parse_versioning(await ctx.request.read())
    if status != "Enabled":
        raise S3Error(
            "InvalidArgument", "Versioning is always enabled: objects in AOS are immutable"
        )
    return web.Response(status=200)


def _decode_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise S3Error("InvalidArgument", "The continuation token provided is incorrect") from exc


def _encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _max_keys(ctx: S3Request) -> int:
    raw = ctx.query.get("max-keys", str(MAX_KEYS))
    n = parse_uint(raw)
    if n is None:
        raise S3Error("InvalidArgument", "max-keys must be a non-negative integer")
    return min(n, MAX_KEYS)


async def list_objects(ctx: S3Request) -> web.StreamResponse:
    project = await project_for(ctx)
    v2 = ctx.query.get("list-type") == "2"
    prefix = ctx.query.get("prefix", "")
    delimiter = ctx.query.get("delimiter", "")
    max_keys = _max_keys(ctx)
    encoding = ctx.query.get("encoding-type")
    if encoding not in (None, "url"):
        raise S3Error("InvalidArgument", "encoding-type must be url")
    if v2:
        token = ctx.query.get("continuation-token")
        start = _decode_token(token) if token else ctx.query.get("start-after", "")
    else:
        start = ctx.query.get("marker", "")
    entries, truncated = await _collect(ctx, project, prefix, delimiter, start, max_keys)
    next_marker = entries[-1].key if truncated and entries else None
    body = s3xml.list_objects(
        bucket=project.name,
        entries=entries,
        prefix=prefix,
        delimiter=delimiter,
        max_keys=max_keys,
        truncated=truncated,
        encoding_type=encoding,
        v2=v2,
        start_after=ctx.query.get("start-after") if v2 else None,
        continuation_token=ctx.query.get("continuation-token") if v2 else None,
        next_continuation_token=_encode_token(next_marker) if v2 and next_marker else None,
        marker=None if v2 else start,
        next_marker=next_marker if not v2 and delimiter else None,
        fetch_owner=ctx.query.get("fetch-owner") == "true",
    )
    return web.Response(body=body, content_type="application/xml")


async def _collect(
    ctx: S3Request, project: Resource, prefix: str, delimiter: str, start: str, max_keys: int
) -> tuple[list[Entry], bool]:
    entries: list[Entry] = []
    truncated = False
    async with ctx.request.config_dict[META].read() as s:
        readable = (await perms.access(s, ctx.actor, project)).level >= Level.READ
        async for entry in iter_keys(
            s, project, prefix=prefix, delimiter=delimiter, start_after=start
        ):
            if entry.resource is not None and not readable:
                # Only readable objects are listed to callers without READ on the bucket.
                acc = await perms.access(s, ctx.actor, entry.resource)
                if acc.level < Level.READ:
                    continue
            if len(entries) == max_keys:
                truncated = True
                break
            entries.append(entry)
    return entries, truncated


async def list_versions(ctx: S3Request) -> web.StreamResponse:
    project = await project_for(ctx)
    prefix = ctx.query.get("prefix", "")
    delimiter = ctx.query.get("delimiter", "")
    max_keys = _max_keys(ctx)
    key_marker = ctx.query.get("key-marker", "")
    entries, truncated = await _collect(ctx, project, prefix, delimiter, key_marker, max_keys)
    rows: list[tuple[Entry, list[ObjectVersion]]] = []
    async with ctx.request.config_dict[META].read() as s:
        for entry in entries:
            if entry.resource is None:
                rows.append((entry, []))
            else:
                rows.append((entry, await s.list_versions(entry.resource.id)))
    body = s3xml.list_versions(
        bucket=project.name,
        rows=rows,
        prefix=prefix,
        delimiter=delimiter,
        max_keys=max_keys,
        truncated=truncated,
        key_marker=key_marker,
        next_key_marker=entries[-1].key if truncated and entries else None,
        encoding_type=ctx.query.get("encoding-type"),
    )
    return web.Response(body=body, content_type="application/xml")


async def delete_objects(ctx: S3Request) -> web.StreamResponse:
    await project_for(ctx)
    bucket = ctx.need_bucket()
    keys, quiet = s3xml.parse_delete(await ctx.request.read())
    if len(keys) > 1000:
        raise S3Error("MalformedXML", "A DeleteObjects request takes at most 1000 keys")
    deleted: list[tuple[str, str | None]] = []
    errors: list[tuple[str, str, str]] = []
    for key, version_id in keys:
        if version_id:
            errors.append((key, "InvalidArgument", "Revisions are immutable; omit VersionId"))
            continue
        try:
            obj = await ctx.objects.locate(ctx.actor, bucket, key)
            await ctx.request.config_dict[GRAPH].delete(ctx.actor, obj.id)
        except NotFound:
            pass  # S3 reports missing keys as deleted
        except (InvalidInput, S3Error) as exc:
            errors.append((key, "InvalidArgument", str(exc)))
            continue
        except Exception as exc:
            err = S3Error.from_exception(exc)
            errors.append((key, err.code, err.message))
            continue
        deleted.append((key, version_id))
    body = s3xml.delete_result([] if quiet else deleted, errors)
    return web.Response(body=body, content_type="application/xml")


async def get_cors(ctx: S3Request) -> web.StreamResponse:
    project = await project_for(ctx)
    async with ctx.request.config_dict[META].read() as s:
        body = await s.get_bucket_config(project.id, "cors")
    if body is None:
        raise S3Error("NoSuchCORSConfiguration", "The CORS configuration does not exist")
    return web.Response(body=body.encode(), content_type="application/xml")


async def put_cors(ctx: S3Request) -> web.StreamResponse:
    project = await project_for(ctx, Level.ADMIN)
    raw = await ctx.request.read()
    rules = s3xml.parse_cors(raw)  # validates; raises MalformedXML
    async with ctx.request.config_dict[META].write() as s:
        await s.set_bucket_config(project.id, "cors", s3xml.cors(rules).decode())
    return web.Response(status=200)


async def delete_cors(ctx: S3Request) -> web.StreamResponse:
    project = await project_for(ctx, Level.ADMIN)
    async with ctx.request.config_dict[META].write() as s:
        await s.set_bucket_config(project.id, "cors", None)
    return web.Response(status=204)


def not_configured(code: str, message: str):  # type: ignore[no-untyped-def]
    async def handler(ctx: S3Request) -> web.StreamResponse:
        await project_for(ctx)
        raise S3Error(code, message)

    return handler
