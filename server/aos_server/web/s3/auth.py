"""S3 authentication: signature → access key → the AOS actor behind it."""

from __future__ import annotations

from ...errors import Unauthenticated
from .context import S3Request
from .errors import S3Error
from .sigv4 import parse_auth


async def authenticate(ctx: S3Request) -> None:
    request = ctx.request
    parsed = parse_auth(request.method, request.raw_path, request.headers, request.query)
    if parsed is None:
        return  # anonymous: PUBLIC projects only, decided per operation
    try:
        found = await ctx.auth_service.s3_actor(parsed.access_key)
    except Unauthenticated as exc:
        raise S3Error("AccessDenied", exc.message) from exc
    if found is None:
        raise S3Error(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
    secret, actor = found
    suffix = ctx.settings.s3_virtual_host
    host = (request.host or "").split(":", 1)[0].lower()
    if suffix and host.endswith("." + suffix):
        parsed.v2_bucket = host[: -len(suffix) - 1]
    ctx.auth = parsed.verify(secret)  # SECURITY: verify before the actor is trusted
    ctx.actor = actor
