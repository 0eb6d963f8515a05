"""`NotificationsPanel`: a live feed of the service's events below a project (or everywhere)."""

from __future__ import annotations

import asyncio
import html
from collections import deque
from typing import Any

import ipywidgets as W

from aos_fs.events import Event

from ._session import Session
from ._tasks import StatusLine, Tasks, Throttle, on_click


class NotificationsPanel(W.VBox):
    """Streams events (Server-Sent Events) into one HTML list of the latest `keep` lines."""

    def __init__(self, session: Session, *, keep: int = 50, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self.events: deque[Event] = deque(maxlen=keep)
        self._task: asyncio.Future[Any] | None = None
        self._throttle = Throttle(0.3)
        self.scope = W.Text(placeholder="project or path (empty: all you can see)")
        self.start_button = W.Button(description="Start", icon="play")
        self.stop_button = W.Button(description="Stop", icon="stop")
        self.feed = W.HTML("<i>Not listening</i>")
        self.start_button.on_click(lambda _: self.start(self.scope.value))
        self.stop_button.on_click(on_click(self.tasks, self.stop))
        self.children = [
            W.HBox([self.scope, self.start_button, self.stop_button]),
            self.feed,
            self.status,
        ]
        self.add_class("aos-notifications")

    @property
    def listening(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, within: str = "") -> None:
        """Start listening below `within` (a path or id; '' for everything visible)."""
        if self.listening:
            return
        self._task = self.tasks.spawn(self._listen(within.strip() or None))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self.status.info("Stopped")

    async def _listen(self, within: str | None) -> None:
        where = within or "everything you can see"
        async with self.session.client.events.subscribe(within=within) as sub:
            self.status.ok(f"Listening to {where}")
            self._render(force=True)
            async for event in sub:
                self.events.appendleft(event)
                self._render()
                if self._throttle.interval:  # let a burst collect before the next render
                    loop = asyncio.get_running_loop()
                    loop.call_later(self._throttle.interval, self._render)

    def _render(self, force: bool = False) -> None:
        if not self._throttle(force):
            return
        if not self.events:
            self.feed.value = "<i>No events yet</i>"
            return
        lines = [
            f"<li><code>{e.time:%H:%M:%S}</code> <b>{html.escape(e.type)}</b> "
            f"{html.escape(str(e.data.get('path') or e.data.get('name') or e.resource_id or ''))}"
            "</li>"
            for e in self.events
        ]
        self.feed.value = f'<ul class="aos-feed">{"".join(lines)}</ul>'
