"""Raw JSON calls for the filesystem's hot paths (listing, resolving), without model validation.

Listing 10,000 objects through the typed client spends more time validating models than the
request takes; the filesystem only reads a few fields, so these calls return plain dicts parsed
by pydantic-core's JSON parser. They reuse the client's retries and error translation.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pydantic_core

from . import _requests as R
from .client import AsyncAOSClient
from .errors import AOSNotFound

Raw = dict[str, Any]
PAGE = 10_000  # the server's largest page


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while building large acyclic results.

    A 10,000-entry listing allocates some 300,000 containers; the collections they trigger
    cost more than the parse itself, and can find nothing to free in fresh, acyclic data.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Plain:
    """Stands in for a TypeAdapter: parse JSON, validate nothing (pydantic's validation of
    `dict[str, Any]` costs 5x the parse on a 10,000-entry listing)."""

    @staticmethod
    def validate_json(payload: bytes) -> Any:
        with gc_paused():
            return pydantic_core.from_json(payload)


def _call(path: str, params: dict[str, Any] | None = None) -> R.Call[Any]:
    return R.Call("GET", path, _Plain(), params or {})  # type: ignore[arg-type]


async def resolve(api: AsyncAOSClient, path: str) -> list[Raw] | None:
    """The resources along `path`, or `None` when nothing is there."""
    try:
        found: list[Raw] = await api._send(_call("/resolve", {"path": path}))
    except AOSNotFound:
        return None
    return found


async def children_page(
    api: AsyncAOSClient,
    resource_id: str,
    *,
    prefix: str | None = None,
    limit: int = PAGE,
    cursor: str | None = None,
) -> tuple[list[Raw], str | None]:
    page: Raw = await api._send(
        _call(
            f"/resources/{R.seg(resource_id)}/children",
            R._params(cursor=cursor, limit=limit, prefix=prefix or None),
        )
    )
    return page["items"], page.get("next_cursor")


async def iter_children(
    api: AsyncAOSClient, resource_id: str, *, prefix: str | None = None
) -> AsyncIterator[Raw]:
    """Every child (whose name starts with `prefix`), in name order."""
    cursor = None
    while True:
        items, cursor = await children_page(api, resource_id, prefix=prefix, cursor=cursor)
        for item in items:
            yield item
        if not cursor:
            return


async def all_children(
    api: AsyncAOSClient, resource_id: str, prefix: str | None = None
) -> list[Raw]:
    return [c async for c in iter_children(api, resource_id, prefix=prefix)]


async def child(api: AsyncAOSClient, parent_id: str, name: str) -> Raw | None:
    """The child called exactly `name`: in name order it comes first among those it prefixes."""
    items, _ = await children_page(api, parent_id, prefix=name, limit=1)
    return items[0] if items and items[0]["name"] == name else None


async def projects(api: AsyncAOSClient) -> list[Raw]:
    out: list[Raw] = []
    cursor = None
    while True:
        page: Raw = await api._send(_call("/projects", R._params(cursor=cursor, limit=PAGE)))
        out += page["items"]
        if not (cursor := page.get("next_cursor")):
            return out


async def version(api: AsyncAOSClient, object_id: str, revision: int) -> Raw:
    return await api._send(_call(f"/resources/{R.seg(object_id)}/versions/{int(revision)}"))


async def version_by_id(api: AsyncAOSClient, version_id: str) -> Raw:
    return await api._send(_call(f"/versions/{R.seg(version_id)}"))


async def versions(api: AsyncAOSClient, object_id: str) -> list[Raw]:
    return await api._send(_call(f"/resources/{R.seg(object_id)}/versions"))
