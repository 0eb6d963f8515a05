"""`BrowserPanel`: projects → collections → datasets → objects, one page of a listing at a time.

The listing is one `Select` per page (a widget per row does not scale), filtered and sorted by
the server, with cursor paging and a visible count.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
from traitlets import Int

from aos_fs import Resource

from ._format import is_object, row_label, size
from ._session import Session
from ._tasks import StatusLine, Tasks, on_click

SORTS = [("name", "name"), ("created", "created_at"), ("updated", "updated_at"), ("size", "size")]
KINDS = {0: ["project"], 1: ["collection", "dataset"], 2: ["dataset"]}


class BrowserPanel(W.VBox):
    """Navigate the hierarchy; the selection and location live on the `Session`."""

    page_size = Int(100, help="Rows per page of a listing (the server caps it at 10,000)")

    def __init__(self, session: Session, *, page_size: int = 100, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.page_size = page_size
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self.items: list[Resource] = []
        self._starts: list[str | None] = [None]  # cursor that starts each page seen so far
        self._next: str | None = None
        self.total: int | None = None
        self._quiet = False

        self.crumbs = W.HBox(layout=W.Layout(flex_flow="row wrap"))
        self.filter = W.Text(placeholder="name starts with...", continuous_update=False)
        self.sort = W.Dropdown(options=SORTS, value="name", layout=W.Layout(width="8em"))
        self.descending = W.ToggleButton(description="desc", layout=W.Layout(width="5em"))
        self.listing = W.Select(options=[], rows=16, layout=W.Layout(width="100%"))
        self.listing.add_class("aos-listing")
        self.prev_button = W.Button(description="◀ prev", layout=W.Layout(width="6em"))
        self.next_button = W.Button(description="next ▶", layout=W.Layout(width="6em"))
        self.count = W.HTML()
        self.open_button = W.Button(description="Open", icon="folder-open")
        self.up_button = W.Button(description="Up", icon="level-up")
        self.refresh_button = W.Button(icon="refresh", layout=W.Layout(width="3em"))
        self.new_name = W.Text(placeholder="new name", layout=W.Layout(width="12em"))
        self.new_kind = W.Dropdown(options=["project"], layout=W.Layout(width="8em"))
        self.create_button = W.Button(description="Create", icon="plus")
        self.delete_button = W.Button(description="Delete", icon="trash", button_style="danger")

        self.prev_button.on_click(on_click(self.tasks, self.prev_page))
        self.next_button.on_click(on_click(self.tasks, self.next_page))
        self.open_button.on_click(on_click(self.tasks, self.enter_selected))
        self.up_button.on_click(on_click(self.tasks, self.up))
        self.refresh_button.on_click(on_click(self.tasks, self.refresh))
        self.create_button.on_click(
            on_click(self.tasks, lambda: self.create(self.new_name.value, self.new_kind.value))
        )
        self.delete_button.on_click(on_click(self.tasks, self.delete_selected))
        self.filter.observe(self._on_query_change, "value")
        self.sort.observe(self._on_query_change, "value")
        self.descending.observe(self._on_query_change, "value")
        self.listing.observe(self._on_listing_change, "value")
        session.observe(self._on_connected_change, "connected")
        session.observe(self._on_changed_change, "changed")

        self.children = [
            self.crumbs,
            W.HBox([self.filter, self.sort, self.descending, self.refresh_button]),
            self.listing,
            W.HBox([self.prev_button, self.next_button, self.count]),
            W.HBox([self.open_button, self.up_button, self.delete_button]),
            W.HBox([self.new_name, self.new_kind, self.create_button]),
            self.status,
        ]
        self.add_class("aos-browser")
        self._render_crumbs()

    # -- navigation -----------------------------------------------------------------------------
    async def go(self, path: str) -> None:
        """Go to `path` ('' is the list of projects) and show its first page."""
        path = path.strip("/")
        container = None
        if path:
            container = (await self.session.client.resolve(path))[-1]
            if is_object(container):
                raise ValueError(f"{path} is an object, not a folder")
            container = await self.session.client.get(container.id, stats=True)
        self.session.go(path, container)
        if self.filter.value:  # a new location starts unfiltered
            self._quiet = True
            try:
                self.filter.value = ""
            finally:
                self._quiet = False
        self.total = container.stats.count if container and container.stats else None
        self._starts, self._next = [None], None
        self._render_crumbs()
        depth = len(path.split("/")) if path else 0
        self.new_kind.options = KINDS.get(depth, ["dataset"]) if depth < 3 else []
        await self._load(None)

    async def refresh(self) -> None:
        """Reload the current page (and the location's statistics)."""
        here = self.session.container
        if here is not None:
            here = await self.session.client.get(here.id, stats=True)
            self.session.container = here
            self.total = here.stats.count if here.stats else None
        await self._load(self._starts[-1])

    async def next_page(self) -> None:
        if self._next is None:
            self.status.info("This is the last page")
            return
        self._starts.append(self._next)
        await self._load(self._next)

    async def prev_page(self) -> None:
        if len(self._starts) == 1:
            self.status.info("This is the first page")
            return
        self._starts.pop()
        await self._load(self._starts[-1])

    async def enter(self, name: str) -> None:
        """Open the child container `name` of the current location."""
        base = self.session.path
        await self.go(f"{base}/{name}" if base else name)

    async def enter_selected(self) -> None:
        r = self.session.selection
        if r is None or is_object(r):
            self.status.info("Select a project, collection or dataset to open")
            return
        await self.enter(r.name)

    async def up(self) -> None:
        await self.go(self.session.path.rpartition("/")[0])

    def select(self, name: str) -> Resource:
        """Select the row called `name` on the current page."""
        for i, r in enumerate(self.items):
            if r.name == name:
                self.listing.value = i
                return r
        raise LookupError(f"{name!r} is not on this page; filter by its name first")

    # -- changes --------------------------------------------------------------------------------
    async def create(self, name: str, kind: str = "") -> Resource:
        """Create a project, collection or dataset named `name` here."""
        name = name.strip()
        if not name:
            raise ValueError("Type a name first")
        client, here = self.session.client, self.session.container
        kind = kind or (self.new_kind.options[0] if self.new_kind.options else "dataset")
        if here is None:
            made = await client.create_project(name)
        elif kind == "collection":
            made = await client.create_collection(here.id, name)
        else:
            made = await client.create_dataset(here.id, name)
        self.new_name.value = ""
        self.status.ok(f"Created {kind} {name}")
        await self.refresh()
        return made

    async def delete_selected(self) -> None:
        """Delete the selected resource (a soft delete: admins can restore it)."""
        r = self.session.selection
        if r is None:
            self.status.info("Select something to delete")
            return
        await self.session.client.delete(r.id)
        self.status.ok(f"Deleted {r.name}")
        await self.refresh()

    # -- internals ------------------------------------------------------------------------------
    async def _load(self, cursor: str | None) -> None:
        client, here = self.session.client, self.session.container
        prefix = self.filter.value.strip() or None
        if here is None:
            page = await client.list_projects(cursor=cursor, limit=self.page_size, prefix=prefix)
            items = page.items
        else:
            page = await client.children(
                here.id,
                cursor=cursor,
                limit=self.page_size,
                sort=self.sort.value,
                order="desc" if self.descending.value else "asc",
                prefix=prefix,
            )
            items = page.items
        self._next = page.next_cursor
        self._show(items)

    def _show(self, items: list[Resource]) -> None:
        chosen = self.session.selection
        keep = next((i for i, r in enumerate(items) if chosen and r.id == chosen.id), None)
        self.items = items
        with self.listing.hold_trait_notifications():
            self.listing.value = None
            self.listing.options = [(row_label(r), i) for i, r in enumerate(items)]
            self.listing.value = keep  # a reload keeps the selection when the row is still here
        first = (len(self._starts) - 1) * self.page_size
        shown = f"{first + 1:,}-{first + len(items):,}" if items else "none"
        total = f" · {self.total:,} objects below" if self.total is not None else ""
        here = self.session.container
        if here is not None and here.stats is not None:
            total += f" ({size(here.stats.size)})"
        more = " · more ▶" if self._next else ""
        self.count.value = f"items {shown}{total}{more}"
        self.prev_button.disabled = len(self._starts) == 1
        self.next_button.disabled = self._next is None

    def _render_crumbs(self) -> None:
        parts = self.session.path.split("/") if self.session.path else []
        buttons = []
        for depth, label in enumerate(["AOS", *parts]):
            target = "/".join(parts[:depth])
            b = W.Button(description=label, layout=W.Layout(width="auto"))
            b.on_click(on_click(self.tasks, lambda t=target: self.go(t)))
            buttons.append(b)
        self.crumbs.children = buttons

    def _on_listing_change(self, change: dict[str, Any]) -> None:
        i = change["new"]
        if i is None or i >= len(self.items):
            self.session.select(None)
            return
        r = self.items[i]
        base = self.session.path
        self.session.select(r, f"{base}/{r.name}" if base else r.name)

    def _on_query_change(self, _: dict[str, Any]) -> None:
        if self.session.connected and not self._quiet:
            self._starts, self._next = [None], None
            self.tasks.spawn(self._load(None))

    def _on_connected_change(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.tasks.spawn(self.go(""))
        else:
            self.items = []
            self.listing.options = []
            self.count.value = ""

    def _on_changed_change(self, _: dict[str, Any]) -> None:
        if self.session.connected:
            self.tasks.spawn(self.refresh())
