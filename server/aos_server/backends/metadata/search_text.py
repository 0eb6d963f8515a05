"""Words as the search index sees them, for checks made outside the index."""

from __future__ import annotations

import re
import unicodedata

from aos_fs.models import Resource

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
