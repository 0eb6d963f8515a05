"""`WorkspacePanel`: create a scratch workspace from a template, and claim it as a project."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from aos_fs.account_models import Workspace

from ._format import table
from ._frontend import SecretBox
from ._session import Session
from ._tasks import StatusLine, Tasks, on_click


class WorkspacePanel(W.VBox):
    """Templates to pick from; the created workspace's project, expiry and (once) secrets."""

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self.workspace: Workspace | None = None
        self.template = W.Dropdown(options=[], description="Template")
        self.create_button = W.Button(description="Create workspace", icon="plus")
        self.claim_button = W.Button(description="Keep as my project", icon="lock", disabled=True)
        self.summary = W.HTML()
        # SECURITY: the secrets go to the page once, never into widget state or the notebook.
        self.secret = SecretBox()
        self.create_button.on_click(on_click(self.tasks, self.create))
        self.claim_button.on_click(on_click(self.tasks, self.claim))
        self.session.observe(self._on_connected, "connected")
        self.children = [
            W.HBox([self.template, self.create_button, self.claim_button]),
            self.summary,
            self.secret,
            self.status,
        ]
        self.add_class("aos-workspaces")

    def _on_connected(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.tasks.spawn(self.load_templates())

    async def load_templates(self) -> None:
        found = await self.session.client.accounts.workspace_templates()
        self.template.options = [
            (f"{t.name} ({t.lifetime // 60} min)" if t.lifetime >= 60 else t.name, t.name)
            for t in found
        ]

    async def create(self) -> None:
        if not self.template.value:
            self.status.error("No workspace template to use; ask an administrator for one")
            return
        ws = await self.session.client.accounts.create_workspace(self.template.value)
        self.workspace = ws
        self.summary.value = table(
            [
                ("project", ws.project.name),
                ("expires", f"{ws.expires_at:%Y-%m-%d %H:%M} UTC"),
                ("S3 endpoint", ws.s3_endpoint),
                ("access key id", ws.access_key_id or ""),
            ]
        )
        self.secret.reveal(
            f"token: {ws.token}\nS3 secret access key: {ws.secret_access_key}",
            "The workspace's credentials (shown once)",
        )
        self.claim_button.disabled = False
        self.session.touch()
        self.status.ok(f"Workspace {ws.project.name} created")

    async def claim(self) -> None:
        ws = self.workspace
        if ws is None:
            self.status.error("Create a workspace first")
            return
        project = await self.session.client.accounts.claim_workspace(
            ws.project.id, workspace_token=ws.token
        )
        self.workspace = None
        self.claim_button.disabled = True
        self.secret.hide()
        self.session.touch()
        self.status.ok(f"{project.name} is now your {project.data_class.value} project")
