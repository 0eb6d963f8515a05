"""`DownloadPanel`: presigned download links for the browser, and downloads to the kernel."""

from __future__ import annotations

import asyncio
import html
import os
from typing import Any

import ipywidgets as W
from fsspec.callbacks import Callback

from ._format import is_object, size
from ._progress import TransferProgress
from ._session import Session
from ._tasks import StatusLine, Tasks, on_click


class _ToProgress(Callback):  # type: ignore[misc]  # fsspec is untyped
    def __init__(self, progress: TransferProgress, key: str) -> None:
        super().__init__()
        self._progress, self._key = progress, key

    def call(self, *args: Any, **kwargs: Any) -> None:
        self._progress.advance(self._key, int(self.value))


class DownloadPanel(W.VBox):
    """Download the selected object: a link for the browser, or a copy on the kernel's disk."""

    def __init__(self, session: Session, *, expires_in: int = 3600, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.expires_in = expires_in
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self.progress = TransferProgress()
        self.link = W.HTML()
        self.url = ""
        self.link_button = W.Button(description="Download link", icon="link")
        self.local_path = W.Text(
            placeholder="save to (kernel's disk)", layout=W.Layout(width="24em")
        )
        self.local_button = W.Button(description="Save on kernel", icon="download")
        self.link_button.on_click(on_click(self.tasks, self.make_link))
        self.local_button.on_click(
            on_click(self.tasks, lambda: self.download_to(self.local_path.value))
        )
        session.observe(self._on_selection_change, "selection")
        self.children = [
            W.HBox([self.link_button, self.link]),
            W.HBox([self.local_path, self.local_button]),
            self.progress,
            self.status,
        ]
        self.add_class("aos-download")

    def _selected(self) -> str:
        if not is_object(self.session.selection):
            raise ValueError("Select an object in the browser first")
        return self.session.selected_path

    async def make_link(self) -> str:
        """A presigned GET link to the selected object (it works without logging in)."""
        path = self._selected()
        signed = await self.session.client.presign(path, method="GET", expires_in=self.expires_in)
        self.url = str(signed["url"])
        name = html.escape(path.rsplit("/", 1)[-1])
        until = html.escape(signed["expires_at"])
        self.link.value = (
            f'<a class="aos-download-link" href="{html.escape(self.url)}" target="_blank" '
            f'download="{name}">{name}</a> <small>(valid until {until})</small>'
        )
        return self.url

    async def download_to(self, local: str) -> str:
        """Copy the selected object to `local` (a file, or a folder to put it in)."""
        path = self._selected()
        local = await asyncio.to_thread(os.path.expanduser, local.strip() or ".")
        if await asyncio.to_thread(os.path.isdir, local):
            local = os.path.join(local, path.rsplit("/", 1)[-1])
        r = self.session.selection
        self.progress.start({local: (path.rsplit("/", 1)[-1], int(r.size or 0))})
        await self.session.fs._get_file(
            f"aos://{path}", local, callback=_ToProgress(self.progress, local)
        )
        self.progress.finish(local)
        self.status.ok(f"Saved {size(r.size)} to {local}")
        return local

    def _on_selection_change(self, _: dict[str, Any]) -> None:
        self.link.value = ""
        self.url = ""
