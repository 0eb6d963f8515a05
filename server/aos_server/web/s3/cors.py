"""Per-project CORS rules (S3's CORSConfiguration): preflight answers and response headers."""

from __future__ import annotations

import fnmatch

from aiohttp import web

from ...keys import META
from . import xml as s3xml
from .context import S3Request
from .errors import S3Error


async def _rules(ctx: S3Request) -> list[s3xml.CORSRule]:
    if not ctx.bucket:
        return []
    async with ctx.request.config_dict[META].read() as s:
        project = await s.get_project_by_name(ctx.bucket)
        if project is None:
            return []
        body = await s.get_bucket_config(project.id, "cors")
    return s3xml.parse_cors(body.encode()) if body else []


def _match(rule: s3xml.CORSRule, origin: str, method: str, headers: list[str]) -> bool:
    if not any(fnmatch.fnmatchcase(origin, o) for o in rule.allowed_origins):
        return False
    if method not in rule.allowed_methods:
        return False
    allowed = [h.lower() for h in rule.allowed_headers]
    return all(any(fnmatch.fnmatchcase(h.lower(), a) for a in allowed) for h in headers)


def _headers(rule: s3xml.CORSRule, origin: str) -> dict[str, str]:
    # SECURITY: an origin that matched only through "*" gets "*" and never credentials; echoing
    # it with Allow-Credentials would let any site make credentialed calls.
    wildcard = "*" in rule.allowed_origins and origin not in rule.allowed_origins
    out = {
        # One origin per response (several Allow-Origin headers break browsers; Aruna PR #210).
        "Access-Control-Allow-Origin": "*" if wildcard else origin,
        "Access-Control-Allow-Methods": ", ".join(rule.allowed_methods),
    }
    if not wildcard:
        out["Vary"] = "Origin"
        out["Access-Control-Allow-Credentials"] = "true"
    if rule.expose_headers:
        out["Access-Control-Expose-Headers"] = ", ".join(rule.expose_headers)
    if rule.max_age_seconds is not None:
        out["Access-Control-Max-Age"] = str(rule.max_age_seconds)
    return out


async def preflight(ctx: S3Request) -> web.StreamResponse:
    origin = ctx.headers.get("Origin")
    method = ctx.headers.get("Access-Control-Request-Method")
    if not origin or not method:
        raise S3Error(
            "BadRequest", "A CORS preflight needs Origin and Access-Control-Request-Method"
        )
    wanted = [
        h.strip()
        for h in ctx.headers.get("Access-Control-Request-Headers", "").split(",")
        if h.strip()
    ]
    for rule in await _rules(ctx):
        if _match(rule, origin, method, wanted):
            headers = _headers(rule, origin)
            if wanted:
                headers["Access-Control-Allow-Headers"] = ", ".join(wanted)
            return web.Response(status=200, headers=headers)
    raise S3Error("AccessForbidden", "CORSResponse: This CORS request is not allowed.")


async def actual_request_headers(ctx: S3Request) -> dict[str, str]:
    """CORS headers for an actual (non-preflight) request whose Origin matches a rule."""
    origin = ctx.headers.get("Origin")
    if not origin:
        return {}
    for rule in await _rules(ctx):
        if _match(rule, origin, ctx.request.method, []):
            return _headers(rule, origin)
    return {}


CORS_HEADERS = web.RequestKey("s3_cors", dict)


async def on_response_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """Apply the CORS headers computed for this request just before any response is sent."""
    headers = request.get(CORS_HEADERS)
    if headers:
        response.headers.update(headers)
