"""Words as the search index sees them, for checks made outside the index."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from aos_fs.models import Resource

from .base import SearchQuery

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased words without diacritics (what FTS5's unicode61 tokenizer yields)."""
    folded = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _WORD.findall(plain)


def matches_visible(resource: Resource, text: str) -> bool:
    """Whether every word of `text` (the last also as a prefix) occurs in what a redacted view
    of `resource` shows: name, title, description and authors."""
    wanted = words(text)
    if not wanted:
        return True
    shown = " ".join(
        [
            resource.name,
            resource.title,
            resource.description,
            *(f"{a.name} {a.email or ''} {a.orcid or ''}" for a in resource.authors),
        ]
    )
    have = set(words(shown))
    *whole, last = wanted
    return all(w in have for w in whole) and any(h.startswith(last) for h in have)


def common_filters(
    query: SearchQuery,
    kv_clause: Callable[[tuple[str, str | None], list[Any]], str],
    timestamp: Callable[[Any], Any],
) -> tuple[list[str], list[Any]]:
    """WHERE clauses on `r` for the non-text filters; the dialects differ only in how a
    key-value is looked up in JSON and how a timestamp is passed."""
    where = ["r.deleted_at IS NULL"]
    params: list[Any] = []
    for column, values in (("kind", query.kinds), ("data_class", query.data_classes)):
        if values:
            where.append(f"r.{column} IN ({', '.join('?' * len(values))})")
            params += values
    if query.license:
        where.append("(r.metadata_license = ? OR r.data_license = ?)")
        params += [query.license, query.license]
    for key_value in query.key_values:
        where.append(kv_clause(key_value, params))
    if query.created_after:
        where.append("r.created_at >= ?")
        params.append(timestamp(query.created_after))
    if query.created_before:
        where.append("r.created_at < ?")
        params.append(timestamp(query.created_before))
    return where, params
