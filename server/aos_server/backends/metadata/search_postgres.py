"""Search on PostgreSQL: a weighted tsvector per resource (migration 006), ranked by ts_rank."""

from __future__ import annotations

import re
from typing import Any

from .base import SearchHit, SearchQuery
from .rows import R_COLUMNS, resource_row
from .search_text import common_filters, matches_visible, words

# ts_rank weights for D, C, B, A: description, authors, key-values, name and title.
_WEIGHTS = "'{0.2, 0.3, 0.4, 1.0}'"
_SAFE = re.compile(r"^\w+$", re.UNICODE)


def ts_query(text: str) -> str | None:
    """Every word must match, the last also as a prefix; only word characters get through."""
    found = [w for w in words(text) if _SAFE.match(w)]
    if not found:
        return None
    *whole, last = found
    return " & ".join([*whole, f"{last}:*"])


def _kv_clause(key_value: tuple[str, str | None], params: list[Any]) -> str:
    key, value = key_value
    clause = "kv->>'key' = ?"
    params.append(key)
    if value is not None:
        clause += " AND kv->>'value' = ?"
        params.append(value)
    return f"EXISTS (SELECT 1 FROM jsonb_array_elements(r.key_values) kv WHERE {clause})"


class PostgresSearch:
    """Mixed into the PostgreSQL session (needs `self.c`, a `SQLConnection`)."""

    c: Any

    async def search(
        self, query: SearchQuery, *, offset: int, limit: int
    ) -> tuple[list[SearchHit], bool]:
        where, params = common_filters(query, _kv_clause, lambda t: t)
        tsq = ts_query(query.text)
        if tsq is None:
            rows = await self.c.fetchall(
                f"SELECT {R_COLUMNS} FROM resources r WHERE {' AND '.join(where)}"
                " ORDER BY r.updated_at DESC, r.id LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
            return [SearchHit(resource_row(row), 0.0, True) for row in rows], len(rows) == limit
        exact = query.text.strip().lower()
        rows = await self.c.fetchall(
            f"SELECT {R_COLUMNS}, ts_rank({_WEIGHTS}, s.doc, q) AS score,"
            " (lower(r.title) = ? OR lower(r.name) = ?) AS exact"
            " FROM resource_search s CROSS JOIN to_tsquery('simple', ?) q"
            " JOIN resources r ON r.id = s.resource_id"
            f" WHERE s.doc @@ q AND {' AND '.join(where)}"
            " ORDER BY exact DESC, score DESC, r.id LIMIT ? OFFSET ?",
            [exact, exact, tsq, *params, limit, offset],
        )
        hits = []
        for row in rows:
            res = resource_row(row)
            hits.append(SearchHit(res, float(row["score"]), matches_visible(res, query.text)))
        return hits, len(rows) == limit
