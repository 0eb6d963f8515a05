"""`ConnectPanel`: server URL and token (or a profile); shows who is logged in."""

from __future__ import annotations

import html
import os
from typing import Any

import ipywidgets as W

from ._session import Session
from ._tasks import StatusLine, Tasks, on_click


class ConnectPanel(W.VBox):
    """Log in with a URL and a token, or a profile from the client config file.

    The token field is cleared as soon as it has been read: the token is kept by the `Session`
    only, so it never ends up in the widget state saved with a notebook.
    """

    def __init__(self, session: Session | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session or Session()
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self.url = W.Text(
            value=os.environ.get("AOS_URL", ""),
            placeholder="http://127.0.0.1:8080",
            description="Server",
            layout=W.Layout(width="22em"),
        )
        self.token = W.Password(
            placeholder="token (or leave empty to use AOS_TOKEN / the profile)",
            description="Token",
            layout=W.Layout(width="22em"),
        )
        self.profile = W.Text(placeholder="profile (optional)", layout=W.Layout(width="10em"))
        self.connect_button = W.Button(description="Connect", button_style="primary", icon="plug")
        self.logout_button = W.Button(description="Log out", icon="sign-out")
        self.who = W.HTML("Not connected")
        self.connect_button.on_click(on_click(self.tasks, self.connect))
        self.logout_button.on_click(on_click(self.tasks, self.logout))
        self.session.observe(self._on_connected_change, "connected")
        self.children = [
            W.HBox([self.url, self.token, self.profile, self.connect_button, self.logout_button]),
            W.HBox([self.who, self.status]),
        ]
        self.add_class("aos-connect")

    async def connect(
        self, url: str | None = None, token: str | None = None, profile: str | None = None
    ) -> str:
        """Connect with the given values, else those in the fields, else env/profile."""
        url = url or self.url.value.strip() or None
        secret = token or self.token.value.strip() or None
        self.token.value = ""  # SECURITY: never keep the token in widget state
        self.status.info("Connecting...")
        name = await self.session.connect(
            url, secret, profile=profile or self.profile.value or None
        )
        self.url.value = self.session.url
        self.status.ok("Connected")
        return name

    async def logout(self) -> None:
        await self.session.close()
        self.status.info("Logged out")

    def _on_connected_change(self, change: dict[str, Any]) -> None:
        s = self.session
        if change["new"]:
            admin = " (admin)" if s.is_admin else ""
            self.who.value = (
                f"Logged in as <b>{html.escape(s.user)}</b>{admin} at {html.escape(s.url)}"
            )
        else:
            self.who.value = "Not connected"
