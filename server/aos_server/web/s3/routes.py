"""The S3 endpoint at the root of the service: one dispatch table, one error shape."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from ...errors import AOSError
from ...keys import SETTINGS
from ...storage_full import as_storage_full
from . import buckets, multipart, objects
from .auth import authenticate
from .context import S3Request, split_path
from .cors import CORS_HEADERS, actual_request_headers, on_response_prepare, preflight
from .errors import S3Error, error_xml

log = logging.getLogger("aos.s3")

Handler = Callable[[S3Request], Awaitable[web.StreamResponse]]

# (method, scope, sub-resource) -> handler; scope is "service", "bucket" or "object".
ROUTES: dict[tuple[str, str, str | None], Handler] = {
    ("GET", "service", None): buckets.list_buckets,
    ("PUT", "bucket", None): buckets.create_bucket,
    ("HEAD", "bucket", None): buckets.head_bucket,
    ("DELETE", "bucket", None): buckets.delete_bucket,
    ("GET", "bucket", None): buckets.list_objects,
    ("GET", "bucket", "location"): buckets.get_location,
    ("GET", "bucket", "versioning"): buckets.get_versioning,
    ("PUT", "bucket", "versioning"): buckets.put_versioning,
    ("GET", "bucket", "versions"): buckets.list_versions,
    ("GET", "bucket", "uploads"): multipart.list_uploads,
    ("POST", "bucket", "delete"): buckets.delete_objects,
    ("GET", "bucket", "cors"): buckets.get_cors,
    ("PUT", "bucket", "cors"): buckets.put_cors,
    ("DELETE", "bucket", "cors"): buckets.delete_cors,
    ("GET", "bucket", "acl"): objects.get_acl,
    ("GET", "bucket", "policy"): buckets.not_configured(
        "NoSuchBucketPolicy", "The bucket policy does not exist; access follows AOS permissions"
    ),
    ("GET", "bucket", "tagging"): buckets.not_configured(
        "NoSuchTagSet", "The bucket has no tag set; use project key-values"
    ),
    ("GET", "bucket", "lifecycle"): buckets.not_configured(
        "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"
    ),
    ("GET", "bucket", "encryption"): buckets.not_configured(
        "ServerSideEncryptionConfigurationNotFoundError",
        "Encryption at rest is a server setting (AOS_ENCRYPT), not a bucket setting",
    ),
    ("PUT", "object", None): objects.put_object,
    ("GET", "object", None): objects.get_object,
    ("HEAD", "object", None): objects.head_object,
    ("DELETE", "object", None): objects.delete_object,
    ("GET", "object", "tagging"): objects.get_tagging,
    ("PUT", "object", "tagging"): objects.put_tagging,
    ("DELETE", "object", "tagging"): objects.delete_tagging,
    ("GET", "object", "acl"): objects.get_acl,
    ("POST", "object", "uploads"): multipart.create_upload,
    ("PUT", "object", "uploadId"): multipart.upload_part,
    ("POST", "object", "uploadId"): multipart.complete_upload,
    ("DELETE", "object", "uploadId"): multipart.abort_upload,
    ("GET", "object", "uploadId"): multipart.list_parts,
}


def _scope(ctx: S3Request) -> str:
    if ctx.key:
        return "object"
    return "bucket" if ctx.bucket else "service"


async def dispatch(request: web.Request) -> web.StreamResponse:
    settings = request.config_dict[SETTINGS]
    bucket, key = split_path(request, settings.s3_virtual_host)
    ctx = S3Request(request, bucket, key)
    try:
        if request.method == "OPTIONS":
            return await preflight(ctx)
        if "Origin" in request.headers:
            request[CORS_HEADERS] = await actual_request_headers(ctx)
        await authenticate(ctx)
        handler = ROUTES.get((request.method, _scope(ctx), ctx.subresource))
        if handler is None:
            raise S3Error(
                "NotImplemented"
                if request.method in ("GET", "PUT", "POST", "DELETE", "HEAD")
                else "MethodNotAllowed",
                f"{request.method} {_scope(ctx)}"
                + (f"?{ctx.subresource}" if ctx.subresource else "")
                + " is not supported by this endpoint",
            )
        response = await handler(ctx)
    except S3Error as exc:
        response = _error(ctx, exc)
    except AOSError as exc:
        response = _error(ctx, S3Error.from_aos_error(exc))
    except (web.HTTPRequestEntityTooLarge, web.HTTPBadRequest) as exc:
        response = _error(ctx, S3Error("InvalidRequest", exc.reason))
    except Exception as exc:
        if (full := as_storage_full(exc)) is not None:
            log.warning("storage full on %s: %s", request.method, exc)
            response = _error(ctx, S3Error.from_aos_error(full))
        else:
            log.exception("unhandled S3 error on %s %s", request.method, request.path)
            response = _error(
                ctx, S3Error("InternalError", "We encountered an internal error. Please try again.")
            )
    response.headers.setdefault("x-amz-request-id", ctx.request_id)
    response.headers.setdefault("Server", "AOS-Py")
    return response


def _error(ctx: S3Request, err: S3Error) -> web.StreamResponse:
    if err.status == 304 or ctx.request.method == "HEAD":
        return web.Response(status=err.status, headers=err.headers)
    return web.Response(
        status=err.status,
        body=error_xml(err, ctx.resource, ctx.request_id),
        content_type="application/xml",
        headers=err.headers,
    )


def install_s3(app: web.Application) -> None:
    """Add the S3 routes after every other route, so /health and /api/v2 keep theirs."""
    # `[\s\S]*`, not `.*`: a key may hold a (percent-encoded) newline, which `.` skips, and the
    # request would fall through to a plain-text 404 instead of an S3 answer.
    for path in ("/", "/{bucket}", r"/{bucket}/{key:[\s\S]*}"):
        app.router.add_route("*", path, dispatch)
    app.on_response_prepare.append(on_response_prepare)
