"""S3 multipart uploads: Create, UploadPart(Copy), Complete, Abort, ListParts, ListUploads."""

from __future__ import annotations

from aiohttp import web

from ...domain.numbers import parse_uint
from ...domain.ranges import ByteRange
from ...errors import NotFound
from ...services.multipart import NoSuchUpload
from . import xml as s3xml
from .body import request_body
from .buckets import project_for
from .context import S3Request
from .errors import S3Error
from .objects import read_source, user_metadata, write_condition


async def _upload(ctx: S3Request):  # type: ignore[no-untyped-def]
    bucket, key = ctx.need_key()
    try:
        return await ctx.multipart.get(ctx.actor, ctx.query["uploadId"], bucket, key)
    except NoSuchUpload as exc:
        raise S3Error("NoSuchUpload", exc.message) from exc


async def create_upload(ctx: S3Request) -> web.StreamResponse:
    bucket, key = ctx.need_key()
    upload = await ctx.multipart.create(
        ctx.actor,
        bucket,
        key,
        content_type=ctx.headers.get("Content-Type", "binary/octet-stream"),
        metadata=user_metadata(ctx),
        checksum_algorithm=ctx.headers.get("x-amz-checksum-algorithm"),
    )
    body = s3xml.initiate_multipart(bucket, key, upload.id)
    return web.Response(body=body, content_type="application/xml")


def _part_number(ctx: S3Request) -> int:
    n = parse_uint(ctx.query.get("partNumber", ""))
    if n is None or not 1 <= n <= 10_000:
        raise S3Error("InvalidArgument", "Part number must be an integer between 1 and 10000")
    return n


async def upload_part(ctx: S3Request) -> web.StreamResponse:
    number = _part_number(ctx)
    upload = await _upload(ctx)
    if "x-amz-copy-source" in ctx.headers:
        return await _upload_part_copy(ctx, upload, number)
    body = await request_body(ctx)
    part = await ctx.multipart.upload_part(
        ctx.actor, upload, number, body.stream, checksums=body.checksums, verify=body.verify
    )
    headers = {"ETag": f'"{part.etag}"'}
    for algo, value in body.checksums.items():
        headers[f"x-amz-checksum-{algo}"] = value
    return web.Response(status=200, headers=headers)


async def _upload_part_copy(ctx: S3Request, upload, number: int) -> web.StreamResponse:  # type: ignore[no-untyped-def]
    source = await read_source(ctx)
    if source.blob_key is None:
        raise S3Error("InvalidRequest", "The copy source has no data")
    spec = None
    if raw := ctx.headers.get("x-amz-copy-source-range"):
        try:
            first, last = raw.removeprefix("bytes=").split("-", 1)
            spec = ByteRange(start=int(first), end=int(last))
        except ValueError as exc:
            raise S3Error(
                "InvalidArgument", "x-amz-copy-source-range must be bytes=first-last"
            ) from exc
        if spec.end >= source.version.size or spec.start > spec.end:
            raise S3Error("InvalidRange", "The x-amz-copy-source-range is not satisfiable")
    chunks = ctx.blobs.open_read(source.blob_key, spec)
    part = await ctx.multipart.upload_part(ctx.actor, upload, number, chunks)
    body = s3xml.copy_part_result(part.etag, part.created_at)
    return web.Response(body=body, content_type="application/xml")


async def complete_upload(ctx: S3Request) -> web.StreamResponse:
    bucket, key = ctx.need_key()
    upload = await _upload(ctx)
    requested = s3xml.parse_complete_multipart(await ctx.request.read())
    stored = await ctx.multipart.complete(
        ctx.actor, upload, bucket, requested, condition=write_condition(ctx)
    )
    body = s3xml.complete_multipart(
        location=f"{ctx.request.url.origin()}/{bucket}/{key}",
        bucket=bucket,
        key=key,
        etag=stored.version.etag,
    )
    return web.Response(
        body=body, content_type="application/xml", headers={"x-amz-version-id": stored.version.id}
    )


async def abort_upload(ctx: S3Request) -> web.StreamResponse:
    upload = await _upload(ctx)
    await ctx.multipart.abort(upload)
    return web.Response(status=204)


async def list_parts(ctx: S3Request) -> web.StreamResponse:
    bucket, key = ctx.need_key()
    upload = await _upload(ctx)
    # Part numbers end at 10,000; a larger marker lists nothing (and stays in 32-bit columns).
    marker = min(parse_uint(ctx.query.get("part-number-marker", "0")) or 0, 10_000)
    max_parts = parse_uint(ctx.query.get("max-parts", "1000") or "1000")
    if max_parts is None:
        raise S3Error("InvalidArgument", "max-parts must be a non-negative integer")
    max_parts = min(max_parts, 1000)
    parts = await ctx.multipart.parts(upload, after=marker, limit=max_parts + 1)
    truncated = len(parts) > max_parts
    parts = parts[:max_parts]
    body = s3xml.list_parts(
        bucket=bucket,
        key=key,
        upload_id=upload.id,
        parts=parts,
        part_number_marker=marker,
        max_parts=max_parts,
        truncated=truncated,
        owner=upload.user_id or "",
    )
    return web.Response(body=body, content_type="application/xml")


async def list_uploads(ctx: S3Request) -> web.StreamResponse:
    project = await project_for(ctx)
    prefix = ctx.query.get("prefix", "")
    key_marker = ctx.query.get("key-marker")
    upload_marker = ctx.query.get("upload-id-marker", "")
    max_uploads = min(int(ctx.query.get("max-uploads", "1000") or 1000), 1000)
    after = (key_marker, upload_marker) if key_marker else None
    try:
        uploads = await ctx.multipart.list(
            ctx.actor, project.id, prefix=prefix, after=after, limit=max_uploads + 1
        )
    except NotFound as exc:
        raise S3Error("NoSuchBucket", exc.message) from exc
    truncated = len(uploads) > max_uploads
    uploads = uploads[:max_uploads]
    body = s3xml.list_uploads(
        bucket=project.name,
        uploads=uploads,
        prefix=prefix,
        key_marker=key_marker or "",
        upload_id_marker=upload_marker,
        max_uploads=max_uploads,
        truncated=truncated,
    )
    return web.Response(body=body, content_type="application/xml")
