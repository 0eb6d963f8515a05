"""GET /search: ranked full-text search over the resources the caller may see."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from aos_fs.models import DataClass, Kind, SearchResult, SearchResults

from ...backends.metadata.base import SearchQuery
from ...domain.permissions import Actor
from ...keys import SEARCH
from .routing import ApiRouter

router = ApiRouter()


class SearchParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: Annotated[str, Field(max_length=1000, description="Words; all must match")] = ""
    kind: str | None = Field(default=None, description="Comma-separated kinds, e.g. DATASET,OBJECT")
    data_class: str | None = Field(default=None, description="Comma-separated data classes")
    license: str | None = Field(default=None, description="SPDX id (metadata or data license)")
    kv: str | None = Field(
        default=None, description="Comma-separated `key=value` or `key` (any value) filters"
    )
    created_after: datetime | None = None
    created_before: datetime | None = None
    within: str | None = Field(default=None, description="Only below this resource id")
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    cursor: str | None = Field(default=None, description="`next_cursor` of the previous page")

    @field_validator("kind")
    @classmethod
    def _kinds(cls, v: str | None) -> str | None:
        for k in _split(v):
            if k not in Kind.__members__:
                raise ValueError(f"unknown kind {k!r}; use {', '.join(Kind.__members__)}")
        return v

    @field_validator("data_class")
    @classmethod
    def _classes(cls, v: str | None) -> str | None:
        for k in _split(v):
            if k not in DataClass.__members__:
                raise ValueError(
                    f"unknown data class {k!r}; use {', '.join(DataClass.__members__)}"
                )
        return v


def _split(raw: str | None) -> tuple[str, ...]:
    return tuple(p.strip().upper() for p in (raw or "").split(",") if p.strip())


def _key_values(raw: str | None) -> tuple[tuple[str, str | None], ...]:
    out: list[tuple[str, str | None]] = []
    for part in (raw or "").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        out.append((key.strip(), value.strip() if sep else None))
    return tuple(out)


@router.op(
    "GET",
    "/search",
    summary="Find resources by words and filters, best match first (anonymous: PUBLIC only)",
    tag="search",
    query=SearchParams,
    response=SearchResults,
)
async def search(request: web.Request, actor: Actor, query: SearchParams) -> SearchResults:
    page = await request.config_dict[SEARCH].search(
        actor,
        SearchQuery(
            text=query.q,
            kinds=_split(query.kind),
            data_classes=_split(query.data_class),
            license=query.license,
            key_values=_key_values(query.kv),
            created_after=query.created_after,
            created_before=query.created_before,
        ),
        within=query.within,
        cursor=query.cursor,
        limit=query.limit,
    )
    return SearchResults(
        items=[SearchResult(resource=f.resource, score=f.score, path=f.path) for f in page.items],
        next_cursor=page.next_cursor,
    )
