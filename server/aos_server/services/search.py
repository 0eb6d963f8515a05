"""Finding resources: ranked full-text search, filtered by what the caller may see.

Visibility follows the data classes: PUBLIC resources are found by anyone, PRIVATE ones by every
signed-in user (in their redacted view, and only by words that view shows), WORKSPACE and
CONFIDENTIAL ones only with a grant.
"""

from __future__ import annotations

from dataclasses import dataclass

from aos_fs.models import DataClass, Kind, Resource

from ..backends.metadata.base import MetadataSession, MetadataStore, SearchHit, SearchQuery
from ..domain.numbers import parse_uint
from ..domain.permissions import Actor, Level
from ..errors import InvalidInput, Unavailable
from . import permissions as perms
from .resources import public_view

BATCH = 200  # candidates read per round (a cursor counts in these windows)
MAX_SCAN = 4_000  # candidates looked at per request, so a query no one may see stays cheap


@dataclass(frozen=True)
class Found:
    resource: Resource
    score: float
    path: str | None


@dataclass(frozen=True)
class FoundPage:
    items: list[Found]
    next_cursor: str | None


def parse_cursor(cursor: str | None) -> tuple[int, int]:
    """`<window start>:<hits of that window already returned>`."""
    if not cursor:
        return 0, 0
    window, sep, skip = cursor.partition(":")
    start, done = parse_uint(window), parse_uint(skip)
    if not sep or start is None or done is None:
        raise InvalidInput("Invalid cursor; pass `next_cursor` unchanged", field="cursor")
    return start, done


class SearchService:
    def __init__(self, meta: MetadataStore) -> None:
        self.meta = meta

    async def search(
        self,
        actor: Actor,
        query: SearchQuery,
        *,
        within: str | None = None,
        cursor: str | None = None,
        limit: int = 20,
    ) -> FoundPage:
        window, skip = parse_cursor(cursor)
        items: list[Found] = []
        scanned = 0
        async with self.meta.read() as s:
            while scanned < MAX_SCAN:
                try:
                    hits, more = await s.search(query, offset=window, limit=BATCH)
                except NotImplementedError as exc:
                    raise Unavailable("Search is not available with this metadata backend") from exc
                for n in range(skip, len(hits)):
                    view = await _visible(s, actor, hits[n], within)
                    if view is None:
                        continue
                    items.append(Found(view, hits[n].score, await path_of(s, hits[n].resource)))
                    if len(items) == limit:
                        if n + 1 < len(hits):
                            return FoundPage(items, f"{window}:{n + 1}")
                        return FoundPage(items, f"{window + BATCH}:0" if more else None)
                if not more:
                    return FoundPage(items, None)
                window, skip = window + BATCH, 0
                scanned += BATCH
        return FoundPage(items, f"{window}:0")


async def _visible(
    s: MetadataSession, actor: Actor, hit: SearchHit, within: str | None
) -> Resource | None:
    res = hit.resource
    if within is not None and within != res.id and within not in await s.ancestor_ids(res.id):
        return None
    if res.data_class == DataClass.PUBLIC and actor.scope_id is None:
        return public_view(res)  # readable by anyone, no lookups needed
    acc = await perms.access(s, actor, res)
    if acc.level >= Level.READ:
        return public_view(res)
    # PRIVATE metadata is findable by signed-in users; anonymous callers find PUBLIC only.
    if acc.redacted_view and hit.public_match and not actor.anonymous:
        return perms.redact(public_view(res))
    return None


async def path_of(s: MetadataSession, res: Resource) -> str | None:
    """`project/collection/dataset/object` along the first parent at each level."""
    names = [res.name]
    here = res
    for _ in range(4):
        if here.kind == Kind.PROJECT:
            return "/".join(reversed(names))
        parents = sorted(await s.parent_ids(here.id))
        if not parents:
            return None
        parent = await s.get_resource(parents[0])
        if parent is None:
            return None
        names.append(parent.name)
        here = parent
    return "/".join(reversed(names)) if here.kind == Kind.PROJECT else None
