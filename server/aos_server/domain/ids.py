"""Identifiers: ULIDs for every stored thing, opaque random secrets for credentials."""

from __future__ import annotations

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
