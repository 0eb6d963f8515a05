"""RFC 9457 problem+json: the one error shape of the JSON API."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from ... import errors
from ...storage_full import as_storage_full

log = logging.getLogger("aos.api")

# AOSError class -> HTTP status; the most specific class in the MRO wins.
STATUS: dict[type[errors.AOSError], int] = {
    errors.NotFound: 404,
    errors.Gone: 410,
    errors.AlreadyExists: 409,
    errors.Conflict: 409,
    errors.Unauthenticated: 401,
    errors.PermissionDenied: 403,
    errors.InvalidInput: 400,
    errors.PreconditionFailed: 412,
    errors.RangeNotSatisfiable: 416,
    errors.TooLarge: 413,
    errors.Unavailable: 501,
    errors.IntegrityError: 422,
    errors.StorageFull: 507,
    errors.Busy: 503,
}

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    416: "Range not satisfiable",
    422: "Unprocessable content",
    500: "Internal server error",
    503: "Service busy",
    507: "Insufficient storage",
}


def status_of(exc: errors.AOSError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def problem(
    status: int, detail: str, code: str, *, extra: dict[str, Any] | None = None
) -> web.Response:
    body: dict[str, Any] = {
        "type": f"https://aos-py.dev/errors/{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if extra:
        body.update(extra)
    headers = {"WWW-Authenticate": 'Bearer realm="aos"'} if status == 401 else None
    return web.Response(
        status=status,
        text=json.dumps(body),
        content_type="application/problem+json",
        headers=headers,
    )


def validation_problem(exc: ValidationError, where: str) -> web.Response:
    errs = []
    for e in exc.errors(include_url=False, include_context=False, include_input=False):
        loc = ".".join(str(p) for p in e["loc"]) or where
        errs.append({"field": loc, "message": e["msg"], "type": e["type"]})
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errs[:5])
    return problem(
        422, f"The {where} is not valid: {summary}", "invalid_input", extra={"errors": errs}
    )


@web.middleware
async def problem_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Turn every failure inside the API into problem+json (nothing escapes as HTML or a trace)."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except errors.AOSError as exc:
        extra = {k: v for k, v in exc.details.items() if isinstance(v, str | int | bool)}
        return problem(status_of(exc), exc.message, exc.code, extra=extra)
    except ValidationError as exc:
        return validation_problem(exc, "request")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        detail = {
            404: f"No API route {request.method} {request.path}; see /api/v2/openapi.json",
            405: f"{request.method} is not allowed on {request.path}",
            413: "The request body is too large for this route",
        }.get(exc.status, exc.reason)
        return problem(exc.status, detail, exc.reason.lower().replace(" ", "_"))
    except Exception as exc:
        if (full := as_storage_full(exc)) is not None:
            log.warning("storage full on %s: %s", request.method, exc)
            return problem(507, full.message, full.code)
        # SECURITY: log the route template, not the path: a path may carry a secret (bundle links).
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "(no route)"
        log.exception("unhandled error on %s %s", request.method, route)
        return problem(
            500,
            "The server failed to handle this request; it has been logged. Retry, or report it "
            "with the time of the request.",
            "internal",
        )
