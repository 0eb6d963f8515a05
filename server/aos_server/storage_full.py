"""Recognise "the disk is full" in whatever shape a backend raises it.

Blob writes fail with `OSError` (ENOSPC, EDQUOT, or EFBIG under a file-size limit); SQLite with
`SQLITE_FULL` ("database or disk is full"); PostgreSQL with SQLSTATE 53100 (`disk_full`). The
web edges turn each into one `StorageFull` error (507), so a client reads what happened instead
of a generic internal error.
"""

from __future__ import annotations

import errno
import sqlite3

from .errors import StorageFull

_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_SQLITE_FULL = 13
_PG_DISK_FULL = "53100"

MESSAGE = (
    "The server's storage is full, so the request was not stored; nothing stored before is "
    "affected. Retry once an operator has freed space."
)


def _is_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in _ERRNOS:
        return True
    if isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) == _SQLITE_FULL:
        return True
    return getattr(exc, "sqlstate", None) == _PG_DISK_FULL


def as_storage_full(exc: BaseException) -> StorageFull | None:
    """A `StorageFull` for `exc` (or an exception it was raised from), else `None`."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if _is_full(current):
            return StorageFull(MESSAGE)
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
