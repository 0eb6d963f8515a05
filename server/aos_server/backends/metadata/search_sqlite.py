"""Search on SQLite: an FTS5 index kept by triggers (migration 006), ranked by bm25."""

from __future__ import annotations

import re
from typing import Any

from .base import SearchHit, SearchQuery
from .rows import R_COLUMNS, resource_row, ts
from .search_text import common_filters, matches_visible

# bm25 weights per column: name, title, description, key_values, authors.
_WEIGHTS = "10.0, 8.0, 2.0, 4.0, 3.0"
_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """User words as an FTS5 query: every word must match, the last also as a prefix.

    Words are quoted, so FTS5 syntax in the input (AND, NEAR, column filters, quotes) is only
    ever searched for, never interpreted.
    """
    words = _WORD.findall(text)
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def _kv_clause(key_value: tuple[str, str | None], params: list[Any]) -> str:
    key, value = key_value
    clause = "json_extract(kv.value, '$.key') = ?"
    params.append(key)
    if value is not None:
        clause += " AND json_extract(kv.value, '$.value') = ?"
        params.append(value)
    return f"EXISTS (SELECT 1 FROM json_each(r.key_values) kv WHERE {clause})"


def filters(query: SearchQuery) -> tuple[list[str], list[Any]]:
    """WHERE clauses (on `r`) and their parameters for the non-text filters."""
    return common_filters(query, _kv_clause, ts)


class SqliteSearch:
    """Mixed into the SQLite session (needs `self.c`, a `SQLConnection`).

    Without filters, ranking runs on the FTS index alone and only the page it picks is joined
    to `resources` (joining every match first doubles the time of a common word). Resources
    whose title or name is exactly the query come first, ahead of the bm25 order.
    """

    c: Any

    async def search(
        self, query: SearchQuery, *, offset: int, limit: int
    ) -> tuple[list[SearchHit], bool]:
        where, params = filters(query)
        match = fts_query(query.text)
        if match is None:
            rows = await self.c.fetchall(
                f"SELECT {R_COLUMNS} FROM resources r WHERE {' AND '.join(where)}"
                " ORDER BY r.updated_at DESC, r.id LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
            return [SearchHit(resource_row(row), 0.0, True) for row in rows], len(rows) == limit
        exact = query.text.strip().lower()
        if len(where) > 1:  # filters cut the matches down: join, filter, then rank
            rows = await self.c.fetchall(
                f"SELECT {R_COLUMNS}, -bm25(resource_search, {_WEIGHTS}) AS score,"
                " (lower(r.title) = ? OR lower(r.name) = ?) AS exact"
                " FROM resource_search"
                " JOIN search_ids si ON si.rowid = resource_search.rowid"
                " JOIN resources r ON r.id = si.resource_id"
                f" WHERE resource_search MATCH ? AND {' AND '.join(where)}"
                " ORDER BY exact DESC, score DESC, r.id LIMIT ? OFFSET ?",
                [exact, exact, match, *params, limit, offset],
            )
            ranked = [self._hit(row, float(row["score"]), query.text) for row in rows]
            return ranked, len(rows) == limit
        hits: list[SearchHit] = []
        if offset == 0:
            firsts = await self.c.fetchall(
                f"SELECT {R_COLUMNS}, si.rowid AS fts_rowid FROM resources r"
                " JOIN search_ids si ON si.resource_id = r.id"
                " WHERE (lower(r.title) = ? OR lower(r.name) = ?) AND r.deleted_at IS NULL"
                " ORDER BY r.id LIMIT 100",
                [exact, exact],
            )
            hits += await self._exact_hits(firsts, match, query.text)
        ranked = await self.c.fetchall(
            f"SELECT rowid, -bm25(resource_search, {_WEIGHTS}) AS score FROM resource_search"
            " WHERE resource_search MATCH ? ORDER BY score DESC, rowid LIMIT ? OFFSET ?",
            [match, limit, offset],
        )
        if not ranked:
            return hits, False
        marks = ", ".join("?" * len(ranked))
        rows = await self.c.fetchall(
            f"SELECT {R_COLUMNS}, si.rowid AS fts_rowid FROM search_ids si"
            f" JOIN resources r ON r.id = si.resource_id WHERE si.rowid IN ({marks})"
            " AND r.deleted_at IS NULL AND lower(r.title) != ? AND lower(r.name) != ?",
            [*(row["rowid"] for row in ranked), exact, exact],
        )
        by_rowid = {row["fts_rowid"]: row for row in rows}
        for row in ranked:
            found = by_rowid.get(row["rowid"])
            if found is not None:
                hits.append(self._hit(found, float(row["score"]), query.text))
        return hits, len(ranked) == limit

    @staticmethod
    def _hit(row: Any, score: float, text: str) -> SearchHit:
        res = resource_row(row)
        return SearchHit(res, score, matches_visible(res, text))

    async def _exact_hits(self, rows: list[Any], match: str, text: str) -> list[SearchHit]:
        """Exact title/name matches that the words match too, with their bm25 score."""
        if not rows:
            return []
        rowids = [row["fts_rowid"] for row in rows]
        scored = await self.c.fetchall(
            f"SELECT rowid, -bm25(resource_search, {_WEIGHTS}) AS score FROM resource_search"
            f" WHERE resource_search MATCH ? AND rowid IN ({', '.join('?' * len(rowids))})",
            [match, *rowids],
        )
        scores = {row["rowid"]: float(row["score"]) for row in scored}
        return [
            self._hit(row, scores[row["fts_rowid"]], text)
            for row in rows
            if row["fts_rowid"] in scores
        ]
