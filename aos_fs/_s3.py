"""The byte path: an s3fs filesystem on the AOS S3 endpoint, and keys for it.

Keys come from `storage_options` (`key`/`secret`), the profile, or are created once per token and
process through the API, scoped by that token (they reach only what the token reaches and die
with it).
"""

from __future__ import annotations

import asyncio
import errno
import threading
from typing import Any

import s3fs  # type: ignore[import-untyped]
from botocore.exceptions import ClientError

from .client import AsyncAOSClient

_KEYS: dict[tuple[str, str], tuple[str, str]] = {}
_KEYS_LOCK = threading.Lock()


async def credentials(api: AsyncAOSClient) -> tuple[str, str] | None:
    """S3 keys for the client's token (cached per token), or `None` for anonymous access."""
    profile = api.profile
    if profile.s3_access_key_id and profile.s3_secret_access_key:
        return profile.s3_access_key_id, profile.s3_secret_access_key
    token = profile.token
    if not token:
        return None
    with _KEYS_LOCK:
        known = _KEYS.get((api.url, token))
    if known:
        return known
    me = await api.whoami()
    created = await api.create_s3_credentials(token_id=me.token.id if me.token else None)
    assert created.secret_access_key is not None  # noqa: S101 - shown on creation
    pair = (created.access_key_id, created.secret_access_key)
    with _KEYS_LOCK:
        return _KEYS.setdefault((api.url, token), pair)


async def connect(
    url: str,
    keys: tuple[str, str] | None,
    *,
    loop: asyncio.AbstractEventLoop,
    options: dict[str, Any],
) -> s3fs.S3FileSystem:
    """An s3fs filesystem for `url`, bound to `loop`, with its session open."""
    fs = s3fs.S3FileSystem(
        key=keys[0] if keys else None,
        secret=keys[1] if keys else None,
        anon=keys is None,
        endpoint_url=url,
        asynchronous=True,
        loop=loop,
        skip_instance_cache=True,
        use_listings_cache=False,
        version_aware=True,
        client_kwargs={"region_name": "us-east-1"},
        **options,
    )
    await fs.set_session()
    return fs


def s3_error(exc: BaseException) -> str | None:
    """The S3 error code behind an exception s3fs raised, if any."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ClientError):
            return str(seen.response.get("Error", {}).get("Code"))
        seen = seen.__cause__
    return None


def is_range_error(exc: BaseException) -> bool:
    return s3_error(exc) == "InvalidRange" or (
        isinstance(exc, OSError) and exc.errno == errno.EINVAL and "range" in str(exc).lower()
    )
