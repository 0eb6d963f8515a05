"""Identifiers: ULIDs for every stored thing, opaque random secrets for credentials."""

from __future__ import annotations

import itertools
import os
import re
import secrets

from ulid import ULID

ULID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
_ULID_RE = re.compile(ULID_PATTERN)


def new_id() -> str:
    """Return a new ULID as its canonical 26-character string (sortable by creation time)."""
    return str(ULID())


def is_id(value: str) -> bool:
    return bool(_ULID_RE.match(value))


def new_secret(nbytes: int = 32) -> str:
    """Return a URL-safe random secret with `nbytes` of entropy."""
    return secrets.token_urlsafe(nbytes)


# Request ids: this process's random prefix and a counter (16 hex digits, like S3's), unique
# across processes and restarts without the cost of a ULID on every request.
_REQUEST_PREFIX = os.urandom(4).hex().upper()
_REQUESTS = itertools.count(1)


def new_request_id() -> str:
    return f"{_REQUEST_PREFIX}{next(_REQUESTS) & 0xFFFFFFFF:08X}"
