"""`AnnouncementsBar` (messages from the administrators) and `AccessPanel` (your personal
notifications, access requests to decide, asking for access, statistics of the selection)."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from aos_fs.account_models import AccessRequest, Notification

from ._format import size, table
from ._session import Session
from ._tasks import StatusLine, Tasks, on_click

_SEVERITY = {"info": "#2c5282", "warning": "#b7791f", "critical": "#c53030"}
LEVELS = ["READ", "APPEND", "WRITE", "ADMIN"]


class AnnouncementsBar(W.VBox):
    """The current announcements, loaded on connect; empty (and invisible) when there are none."""

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self.messages = W.HTML()
        self.children = [self.messages, self.status]
        self.session.observe(self._on_connected, "connected")
        self.add_class("aos-announcements")

    def _on_connected(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.tasks.spawn(self.refresh())
        else:
            self.messages.value = ""

    async def refresh(self) -> None:
        items = await self.session.client.accounts.announcements()
        self.messages.value = "".join(
            f'<div style="border-left:4px solid {_SEVERITY.get(a.severity, "#2c5282")};'
            f'padding:2px 8px;margin:2px 0"><b>{html.escape(a.title)}</b> '
            f"{html.escape(a.body)}</div>"
            for a in items
        )


class AccessPanel(W.VBox):
    """Your inbox; the access requests waiting for you; asking for access to the selection."""

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self.notes: list[Notification] = []
        self.requests: list[AccessRequest] = []
        self.inbox = W.HTML("<i>Not loaded</i>")
        self.refresh_button = W.Button(description="Refresh", icon="refresh")
        self.read_button = W.Button(description="Mark all read", icon="check")
        self.pending = W.Select(options=[], rows=5, layout=W.Layout(width="95%"))
        self.reason = W.Text(placeholder="reason (optional)")
        self.grant_button = W.Button(description="Grant", icon="check", button_style="success")
        self.refuse_button = W.Button(description="Refuse", icon="times", button_style="danger")
        self.level = W.Dropdown(options=LEVELS, value="READ", layout=W.Layout(width="8em"))
        self.message = W.Text(placeholder="why you need it")
        self.ask_button = W.Button(description="Ask for access", icon="key")
        self.stats_button = W.Button(description="Statistics", icon="bar-chart")
        self.my_stats_button = W.Button(description="My statistics", icon="user")
        self.stats = W.HTML()
        self.refresh_button.on_click(on_click(self.tasks, self.refresh))
        self.read_button.on_click(on_click(self.tasks, self.mark_all_read))
        self.grant_button.on_click(on_click(self.tasks, lambda: self.decide(True)))
        self.refuse_button.on_click(on_click(self.tasks, lambda: self.decide(False)))
        self.ask_button.on_click(on_click(self.tasks, self.ask))
        self.stats_button.on_click(on_click(self.tasks, self.statistics))
        self.my_stats_button.on_click(on_click(self.tasks, self.my_statistics))
        self.session.observe(self._on_connected, "connected")
        self.children = [
            W.HTML("<b>Notifications</b>"),
            W.HBox([self.refresh_button, self.read_button]),
            self.inbox,
            W.HTML("<b>Requests waiting for you</b>"),
            self.pending,
            W.HBox([self.reason, self.grant_button, self.refuse_button]),
            W.HTML("<b>The selected resource</b>"),
            W.HBox([self.level, self.message, self.ask_button, self.stats_button]),
            self.my_stats_button,
            self.stats,
            self.status,
        ]
        self.add_class("aos-access")

    def _on_connected(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.tasks.spawn(self.refresh())

    async def refresh(self) -> None:
        api = self.session.client.accounts
        self.notes = await api.notifications()
        self.requests = await api.access_requests(incoming=True, status="PENDING")
        rows = [
            (f"{n.created_at:%Y-%m-%d %H:%M}", "" if n.read_at else "new", n.title)
            for n in self.notes
        ]
        self.inbox.value = table(rows, ["when", "", "message"]) if rows else "<i>Nothing</i>"
        self.pending.options = [
            (f"{r.level.value} on {r.resource_id} for {r.user_id}: {r.message}", r.id)
            for r in self.requests
        ]
        unread = sum(1 for n in self.notes if n.read_at is None)
        self.status.ok(f"{unread} unread, {len(self.requests)} waiting for you")

    async def mark_all_read(self) -> None:
        await self.session.client.accounts.mark_read(None)
        await self.refresh()

    async def decide(self, grant: bool) -> None:
        if not self.pending.value:
            self.status.error("Pick a request first")
            return
        req = await self.session.client.accounts.decide_access(
            self.pending.value, grant, reason=self.reason.value
        )
        self.reason.value = ""
        await self.refresh()
        self.status.ok(f"Request {req.id}: {req.status.lower()}")

    async def ask(self) -> None:
        res = self.session.selection
        if res is None:
            self.status.error("Select a resource in the browser first")
            return
        req = await self.session.client.accounts.request_access(
            res.id, self.level.value, self.message.value
        )
        self.message.value = ""
        self.status.ok(f"Asked for {req.level.value} on {res.name}")

    async def statistics(self) -> None:
        res = self.session.selection or self.session.container
        if res is None:
            self.status.error("Select a resource in the browser first")
            return
        found = await self.session.client.accounts.resource_statistics(res.id)
        last = f"{found.last_change:%Y-%m-%d %H:%M}" if found.last_change else "-"
        self.stats.value = table(
            [
                ("objects", found.objects),
                ("bytes", size(found.bytes)),
                ("revisions", found.versions),
                ("bytes, all revisions", size(found.version_bytes)),
                ("last change", last),
            ]
        )
        self.status.ok(f"Statistics of {res.name}")

    async def my_statistics(self) -> None:
        found = await self.session.client.accounts.user_statistics(self.session.user_id)
        last = f"{found.last_upload:%Y-%m-%d %H:%M}" if found.last_upload else "-"
        self.stats.value = table(
            [
                ("projects created", found.projects),
                ("objects created", found.objects),
                ("revisions uploaded", found.versions),
                ("bytes uploaded", size(found.bytes)),
                ("last upload", last),
            ]
        )
        self.status.ok(f"Statistics of {self.session.user}")
