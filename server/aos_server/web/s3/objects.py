"""S3 object operations: Put, Get, Head, Delete, Copy, tagging."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote

from aiohttp import web

from ...errors import NotFound
from ...keys import GRAPH
from ...services.objects import StoredObject
from ...services.write_plan import WriteCondition
from . import xml as s3xml
from .body import request_body
from .conditions import check_conditions
from .context import S3Request
from .errors import S3Error
from .responses import (
    SendfileResponse,
    object_headers,
    range_spec,
    select_range,
    stream_response,
)

SMALL_READ = 256 * 1024  # objects up to this size are read whole instead of sent with sendfile


def user_metadata(ctx: S3Request) -> dict[str, str]:
    return {
        name[len("x-amz-meta-") :].lower(): value
        for name, value in ctx.headers.items()
        if name.lower().startswith("x-amz-meta-")
    }


def tags_header(ctx: S3Request) -> dict[str, str] | None:
    raw = ctx.headers.get("x-amz-tagging")
    if raw is None:
        return None
    return {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def write_condition(ctx: S3Request) -> WriteCondition | None:
    """If-None-Match: * / If-Match: <etag> on PutObject and CompleteMultipartUpload."""
    none_match = ctx.headers.get("If-None-Match")
    if none_match is not None and none_match.strip() != "*":
        raise S3Error("NotImplemented", "If-None-Match on writes supports only '*'")
    if_match = ctx.headers.get("If-Match")
    if none_match is None and if_match is None:
        return None
    return WriteCondition(if_match=if_match, if_none_match=none_match is not None)


def declared_size(ctx: S3Request) -> int | None:
    """The object size the client announced (checked against the bytes as they are read)."""
    decoded = ctx.headers.get("x-amz-decoded-content-length")
    if decoded is not None:
        return int(decoded) if decoded.isdigit() else None
    streaming = ctx.headers.get("x-amz-content-sha256", "").startswith("STREAMING-")
    return None if streaming else ctx.request.content_length


def _tag_count(stored: StoredObject) -> int:
    return sum(1 for kv in stored.resource.key_values if kv.variant == "LABEL")


async def put_object(ctx: S3Request) -> web.StreamResponse:
    if "x-amz-copy-source" in ctx.headers:
        return await copy_object(ctx)
    bucket, key = ctx.need_key()
    body = await request_body(ctx)  # lazy: put() checks permission before reading it
    stored = await ctx.objects.put(
        ctx.actor,
        bucket,
        key,
        body.stream,
        content_type=ctx.headers.get("Content-Type", "binary/octet-stream"),
        metadata=user_metadata(ctx),
        checksums=body.checksums,
        tags=tags_header(ctx),
        verify=body.verify,
        condition=write_condition(ctx),
        size_hint=declared_size(ctx),
    )
    headers = {"ETag": f'"{stored.version.etag}"', "x-amz-version-id": stored.version.id}
    for algo, value in stored.version.hashes.checksums.items():
        headers[f"x-amz-checksum-{algo}"] = value
    return web.Response(status=200, headers=headers)


async def _open(ctx: S3Request) -> StoredObject:
    bucket, key = ctx.need_key()
    version_id = ctx.query.get("versionId")
    try:
        return await ctx.objects.open(  # type: ignore[no-any-return]
            ctx.actor, bucket, key, version_id=version_id if version_id != "null" else None
        )
    except NotFound as exc:
        if exc.code == "version_not_found":
            raise S3Error("NoSuchVersion", "The specified version does not exist.") from exc
        if exc.code == "project_not_found":
            raise S3Error("NoSuchBucket", "The specified bucket does not exist") from exc
        raise S3Error("NoSuchKey", "The specified key does not exist.") from exc


async def get_object(ctx: S3Request) -> web.StreamResponse:
    stored = await _open(ctx)
    version = stored.version
    check_conditions(ctx.headers, etag=version.etag, last_modified=version.created_at)
    selected = select_range(version, ctx.headers.get("Range"), ctx.query.get("partNumber"))
    headers = object_headers(
        version,
        ctx.query,
        tag_count=_tag_count(stored),
        # Checksums cover the whole object: never send them with a part of it.
        checksums=selected is None
        and ctx.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED",
    )
    status = 200
    offset, length = 0, version.size
    if selected is not None:
        offset, length = selected
        if ctx.headers.get("Range") or len(version.parts) > 1:
            status = 206
            end = offset + length - 1 if length else offset
            headers["Content-Range"] = f"bytes {offset}-{end}/{version.size}"
    if stored.blob_key is None or version.size == 0:
        # Explicit: a HEAD response has no body to count, and clients read the size from here.
        headers["Content-Length"] = "0"
        return web.Response(status=status, headers=headers, body=b"")
    if version.size <= SMALL_READ and ctx.request.method == "GET":
        # Small objects: one thread hop for the bytes beats open + sendfile + close.
        data = await ctx.blobs.read_small(stored.blob_key, SMALL_READ)
        if data is not None and len(data) == version.size:
            return web.Response(status=status, headers=headers, body=data[offset : offset + length])
    path = await ctx.blobs.local_path(stored.blob_key)
    if path is not None:
        return SendfileResponse(path, offset, length, status=status, headers=headers)
    # On HEAD the stream is created but never read (nothing is opened until it is).
    chunks = ctx.blobs.open_read(
        stored.blob_key, range_spec(offset, length) if selected is not None else None
    )
    return await stream_response(ctx.request, chunks, status=status, headers=headers, length=length)


async def head_object(ctx: S3Request) -> web.StreamResponse:
    return await get_object(ctx)


async def delete_object(ctx: S3Request) -> web.StreamResponse:
    bucket, key = ctx.need_key()
    if ctx.query.get("versionId"):
        raise S3Error(
            "InvalidArgument",
            "Revisions are immutable and kept for provenance; delete the object (without "
            "versionId) to remove it from its paths",
        )
    try:
        stored = await ctx.objects.locate(ctx.actor, bucket, key)
    except NotFound:
        return web.Response(status=204)  # deleting a missing key succeeds, as in S3
    await ctx.request.config_dict[GRAPH].delete(ctx.actor, stored.id)
    return web.Response(status=204)


def copy_source(ctx: S3Request) -> tuple[str, str, str | None]:
    raw = ctx.headers["x-amz-copy-source"]
    path, _, query = raw.partition("?")
    path = unquote(path).lstrip("/")
    bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise S3Error("InvalidArgument", "x-amz-copy-source must be bucket/key[?versionId=…]")
    version = parse_qs(query).get("versionId", [None])[-1]
    return bucket, key, version


async def read_source(ctx: S3Request) -> StoredObject:
    bucket, key, version_id = copy_source(ctx)
    try:
        source: StoredObject = await ctx.objects.open(ctx.actor, bucket, key, version_id=version_id)
    except NotFound as exc:
        raise S3Error("NoSuchKey", f"The copy source {bucket}/{key} does not exist") from exc
    check_conditions(
        ctx.headers,
        etag=source.version.etag,
        last_modified=source.version.created_at,
        prefix="x-amz-copy-source-if-",
    )
    return source


async def copy_object(ctx: S3Request) -> web.StreamResponse:
    bucket, key = ctx.need_key()
    source = await read_source(ctx)
    replace = ctx.headers.get("x-amz-metadata-directive", "COPY").upper() == "REPLACE"
    tag_directive = ctx.headers.get("x-amz-tagging-directive", "COPY").upper()
    if not replace and (bucket, key) == copy_source(ctx)[:2]:
        raise S3Error(
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself "
            "without changing the object's metadata",
        )
    tags = tags_header(ctx) if tag_directive == "REPLACE" else None
    if tags is None:
        tags = {kv.key: kv.value for kv in source.resource.key_values if kv.variant == "LABEL"}
    stored = await ctx.objects.copy(
        ctx.actor,
        source,
        bucket,
        key,
        metadata=user_metadata(ctx) if replace else None,
        content_type=ctx.headers.get("Content-Type") if replace else None,
        tags=tags,
    )
    body = s3xml.copy_object_result(stored.version.etag, stored.version.created_at)
    return web.Response(
        body=body,
        content_type="application/xml",
        headers={
            "x-amz-version-id": stored.version.id,
            "x-amz-copy-source-version-id": source.version.id,
        },
    )


async def get_tagging(ctx: S3Request) -> web.StreamResponse:
    stored = await _open(ctx)
    tags = {kv.key: kv.value for kv in stored.resource.key_values if kv.variant == "LABEL"}
    return web.Response(body=s3xml.tagging(tags), content_type="application/xml")


async def put_tagging(ctx: S3Request) -> web.StreamResponse:
    stored = await _open(ctx)
    tags = s3xml.parse_tagging(await ctx.request.read())
    await ctx.objects.set_tags(ctx.actor, stored.resource.id, tags)
    return web.Response(status=200, headers={"x-amz-version-id": stored.version.id})


async def delete_tagging(ctx: S3Request) -> web.StreamResponse:
    stored = await _open(ctx)
    await ctx.objects.set_tags(ctx.actor, stored.resource.id, {})
    return web.Response(status=204)


async def get_acl(ctx: S3Request) -> web.StreamResponse:
    if ctx.key:
        await _open(ctx)
    owner = ctx.actor.user_id or "anonymous"
    return web.Response(body=s3xml.acl(owner), content_type="application/xml")
