"""Errors of the AOS client, catchable by meaning (they subclass the builtin OSError family)."""

from __future__ import annotations

import errno
from typing import Any

import httpx


class AOSError(Exception):
    """Base of every error this package raises."""


class AOSHTTPError(AOSError, OSError):
    """The server answered with an error (RFC 9457 problem details)."""

    errno_code = errno.EIO

    def __init__(self, status: int, code: str, detail: str, problem: dict[str, Any] | None = None):
        super().__init__(self.errno_code, f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.problem = problem or {}

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.detail}"


class AOSNotFound(AOSHTTPError, FileNotFoundError):
    errno_code = errno.ENOENT


class AOSPermissionError(AOSHTTPError, PermissionError):
    errno_code = errno.EACCES


class AOSUnauthenticated(AOSPermissionError):
    """No valid token: missing, unknown, revoked or expired."""


class AOSConflict(AOSHTTPError, FileExistsError):
    errno_code = errno.EEXIST


class AOSInvalidInput(AOSHTTPError, ValueError):
    errno_code = errno.EINVAL


class AOSServerError(AOSHTTPError):
    """5xx: the server failed; retrying may help."""


_BY_STATUS: dict[int, type[AOSHTTPError]] = {
    400: AOSInvalidInput,
    401: AOSUnauthenticated,
    403: AOSPermissionError,
    404: AOSNotFound,
    409: AOSConflict,
    410: AOSNotFound,
    422: AOSInvalidInput,
}


def translate(response: httpx.Response) -> AOSHTTPError:
    """The exception for an error response, carrying the server's explanation."""
    problem: dict[str, Any] = {}
    try:
        body = response.json()
        if isinstance(body, dict):
            problem = body
    except ValueError:
        pass
    status = response.status_code
    detail = str(problem.get("detail") or response.text[:500] or response.reason_phrase)
    code = str(problem.get("code") or response.reason_phrase.lower().replace(" ", "_"))
    cls = _BY_STATUS.get(status, AOSServerError if status >= 500 else AOSHTTPError)
    return cls(status, code, detail, problem)
