"""`PresignPanel`: a presigned GET or PUT URL with an expiry, copyable, with a QR code."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from ._frontend import CopyButton
from ._session import Session
from ._tasks import StatusLine, Tasks, on_click

EXPIRIES = [("15 minutes", 900), ("1 hour", 3600), ("1 day", 86400), ("7 days", 604800)]


def qr_svg(text: str) -> str:
    """An inline SVG QR code of `text` (empty if segno is not installed)."""
    try:
        import segno
    except ImportError:  # the QR code is a convenience; the URL is what matters
        return ""
    return str(segno.make(text, error="l").svg_inline(scale=2, border=2))


class PresignPanel(W.VBox):
    """Anyone holding the URL may GET (or PUT) that one object until it expires."""

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self.path = W.Text(
            description="Path", placeholder="project/.../object", layout=W.Layout(width="32em")
        )
        self.method = W.ToggleButtons(options=["GET", "PUT"], value="GET")
        self.expiry = W.Dropdown(options=EXPIRIES, value=3600, description="Expires in")
        self.create_button = W.Button(description="Create URL", icon="link", button_style="primary")
        self.url = W.Textarea(layout=W.Layout(width="95%", height="4em"), disabled=True)
        self.copy = CopyButton(description="Copy URL")
        self.link = W.HTML()
        self.qr = W.HTML()
        self.create_button.on_click(on_click(self.tasks, self.create))
        session.observe(self._on_selection_change, "selection")
        self.children = [
            self.path,
            W.HBox([self.method, self.expiry]),
            self.create_button,
            self.url,
            W.HBox([self.copy, self.link]),
            self.qr,
            self.status,
        ]
        self.add_class("aos-presign")

    async def create(
        self, path: str | None = None, method: str | None = None, expires_in: int | None = None
    ) -> str:
        """Presign `path` (default: the field); returns the URL."""
        path = (path or self.path.value).strip().removeprefix("aos://").strip("/")
        if "/" not in path:
            raise ValueError("Give the object's path: project/.../name")
        method = method or self.method.value
        signed = await self.session.client.presign(
            path, method=method, expires_in=expires_in or self.expiry.value
        )
        url = str(signed["url"])
        self.url.value = self.copy.text = url
        expires = html.escape(str(signed["expires_at"]))
        if method == "GET":
            self.link.value = (
                f'<a class="aos-presigned-link" href="{html.escape(url)}" target="_blank">open</a>'
                f" <small>until {expires}</small>"
            )
        else:
            self.link.value = f"<small>PUT the bytes to this URL until {expires}</small>"
        self.qr.value = qr_svg(url)
        self.status.ok(f"Presigned {method} URL for {path}")
        return url

    def _on_selection_change(self, _: dict[str, Any]) -> None:
        if self.session.selected_path:
            self.path.value = self.session.selected_path
        self.url.value = self.copy.text = self.link.value = self.qr.value = ""
