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
    found = await ctx.auth_service.s3_secret(parsed.access_key)
    if found is None:
        raise S3Error(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
    secret, record = found
    ctx.auth = parsed.verify(secret)
    try:
        ctx.actor = await ctx.auth_service.actor_for_token_id(record.token_id, record.user_id)
    except Unauthenticated as exc:
        raise S3Error("AccessDenied", exc.message) from exc
