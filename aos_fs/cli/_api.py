"""JSON API calls the typed client has no method for yet (search, hooks)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._requests import call

if TYPE_CHECKING:
    from ..client import AOSClient


def request(
    api: AOSClient,
    method: str,
    path: str,
    *,
    params: dict[str, Any] | None = None,
    body: Any = None,
    empty: bool = False,
) -> Any:
    """Send one call to `/api/v2{path}` with the client's retries and error translation."""
    result = None if empty else Any
    clean = {k: v for k, v in (params or {}).items() if v is not None}
    return api._send(call(method, path, result, params=clean, body=body))
