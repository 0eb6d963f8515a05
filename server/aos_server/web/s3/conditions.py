"""Conditional requests (RFC 9110 §13) as S3 evaluates them on GET, HEAD and copy sources."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime

from .errors import S3Error


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/").strip('"') for part in header.split(",")}


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None  # an unparsable date is ignored, as S3 does


def check_conditions(
    headers: Mapping[str, str],
    *,
    etag: str,
    last_modified: datetime,
    prefix: str = "If-",
    for_read: bool = True,
) -> None:
    """Raise `NotModified` (304) or `PreconditionFailed` (412) as the conditions demand.

    `prefix` is `x-amz-copy-source-if-` for CopyObject sources, where a failed
    If-None-Match / If-Modified-Since is a 412 too.
    """
    modified = last_modified.replace(microsecond=0)
    names = {
        n: f"{prefix}{n}" for n in ("Match", "None-Match", "Modified-Since", "Unmodified-Since")
    }
    if_match = headers.get(names["Match"])
    if_none = headers.get(names["None-Match"])
    unmodified = _date(headers.get(names["Unmodified-Since"], ""))
    since = _date(headers.get(names["Modified-Since"], ""))
    if if_match is not None:
        if "*" not in _etags(if_match) and etag not in _etags(if_match):
            raise S3Error(
                "PreconditionFailed", "At least one of the preconditions failed: If-Match"
            )
    elif unmodified is not None and modified > unmodified:
        raise S3Error(
            "PreconditionFailed", "At least one of the preconditions failed: If-Unmodified-Since"
        )
    failed_read = "NotModified" if for_read and prefix == "If-" else "PreconditionFailed"
    if if_none is not None:
        if "*" in _etags(if_none) or etag in _etags(if_none):
            raise S3Error(failed_read, "Not modified (If-None-Match)")
    elif since is not None and modified <= since:
        raise S3Error(failed_read, "Not modified (If-Modified-Since)")
