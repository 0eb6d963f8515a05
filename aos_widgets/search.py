"""`SearchPanel`: find resources by words and filters; a hit opens in the other panels."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from aos_fs.models import SearchResult

from ._format import size as human_size
from ._session import Session
from ._tasks import StatusLine, Tasks, on_click

KINDS = ["any kind", "PROJECT", "COLLECTION", "DATASET", "OBJECT"]


class SearchPanel(W.VBox):
    """Ranked full-text search (server side, one page of hits in one Select)."""

    def __init__(self, session: Session, *, page_size: int = 50, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.page_size = page_size
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self.query = W.Text(
            placeholder="words, e.g. plankton survey 2024", layout=W.Layout(width="24em")
        )
        self.kind = W.Dropdown(options=KINDS, value="any kind", layout=W.Layout(width="10em"))
        self.key_value = W.Text(placeholder="key=value (optional)", layout=W.Layout(width="14em"))
        self.search_button = W.Button(description="Search", icon="search", button_style="primary")
        self.more_button = W.Button(description="More", icon="chevron-down", disabled=True)
        self.hits = W.Select(options=[], rows=12, layout=W.Layout(width="95%"))
        self.summary = W.HTML()
        self.results: list[SearchResult] = []
        self._cursor: str | None = None
        self.search_button.on_click(on_click(self.tasks, self.search))
        self.more_button.on_click(on_click(self.tasks, self.more))
        self.hits.observe(self._on_pick, "value")
        self.children = [
            W.HBox([self.query, self.kind, self.key_value, self.search_button]),
            self.summary,
            self.hits,
            self.more_button,
            self.status,
        ]
        self.add_class("aos-search")

    async def search(self, text: str | None = None) -> list[SearchResult]:
        """Run a new search (default: the field); returns the first page of hits."""
        if text is not None:
            self.query.value = text
        self.results, self._cursor = [], None
        await self._page()
        return self.results

    async def more(self) -> list[SearchResult]:
        """Load the next page of hits."""
        if self._cursor is not None:
            await self._page()
        return self.results

    async def _page(self) -> None:
        kv: dict[str, str | None] = {}
        if raw := self.key_value.value.strip():
            key, sep, value = raw.partition("=")
            kv[key.strip()] = value.strip() if sep else None
        page = await self.session.client.search(
            self.query.value,
            kind=None if self.kind.value == "any kind" else self.kind.value,
            kv=kv or None,
            limit=self.page_size,
            cursor=self._cursor,
        )
        self.results += page.items
        self._cursor = page.next_cursor
        self.hits.options = [(self._label(r), n) for n, r in enumerate(self.results)]
        self.more_button.disabled = self._cursor is None
        more = " (more available)" if self._cursor else ""
        self.summary.value = f"<small>{len(self.results)} found{more}</small>"
        self.status.ok(f"{len(self.results)} found for {self.query.value!r}")

    @staticmethod
    def _label(hit: SearchResult) -> str:
        res = hit.resource
        size = f" · {human_size(res.size or 0)}" if res.kind.value == "OBJECT" else ""
        title = f" — {res.title}" if res.title else ""
        return f"{res.kind.value.title():<10} {hit.path or res.name}{title}{size}"

    def _on_pick(self, change: dict[str, Any]) -> None:
        if change["new"] is None:
            return
        hit = self.results[change["new"]]
        self.session.select(hit.resource, hit.path or "")
        self.summary.value = (
            f"<small>selected <code>aos://{html.escape(hit.path or hit.resource.name)}</code>"
            "</small>"
        )
