"""`SharingPanel`: grant and revoke permissions, scoped expiring tokens, S3 credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import ipywidgets as W

from aos_fs import AOSPermissionError, PermissionLevel, Resource
from aos_fs.models import CreatedToken, Permission, S3Credentials

from ._format import table
from ._frontend import SecretBox
from ._session import Session
from ._tasks import StatusLine, Tasks, on_click

LEVELS = [lvl.value for lvl in PermissionLevel if lvl.value != "NONE"]


class SharingPanel(W.VBox):
    """Share the selected resource (or the browser's location when nothing is selected)."""

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self._users: dict[str, str] = {}  # name -> id (admins see the user list)
        self.heading = W.HTML()
        self.grants = W.HTML()
        self.user = W.Combobox(placeholder="user name or id", description="User")
        self.level = W.Dropdown(options=LEVELS, value="READ", layout=W.Layout(width="8em"))
        self.grant_button = W.Button(description="Grant", icon="user-plus")
        self.revoke_button = W.Button(description="Revoke", icon="user-times")
        self.token_name = W.Text(placeholder="token name", description="Token")
        self.token_level = W.Dropdown(options=LEVELS, value="READ", layout=W.Layout(width="8em"))
        self.token_days = W.BoundedIntText(
            value=7, min=1, max=3650, description="days", layout=W.Layout(width="10em")
        )
        self.token_scoped = W.Checkbox(value=True, description="only this resource")
        self.token_button = W.Button(description="Create token", icon="key")
        self.s3_button = W.Button(description="Create S3 keys", icon="key")
        self.secret = SecretBox()
        self.grant_button.on_click(
            on_click(self.tasks, lambda: self.grant(self.user.value, self.level.value))
        )
        self.revoke_button.on_click(on_click(self.tasks, lambda: self.revoke(self.user.value)))
        self.token_button.on_click(on_click(self.tasks, self._create_token_from_form))
        self.s3_button.on_click(on_click(self.tasks, self.create_s3_credentials))
        session.observe(self._on_target_change, ["selection", "container"])
        self.children = [
            self.heading,
            self.grants,
            W.HBox([self.user, self.level, self.grant_button, self.revoke_button]),
            W.HBox([self.token_name, self.token_level, self.token_days, self.token_scoped]),
            W.HBox([self.token_button, self.s3_button]),
            self.secret,
            self.status,
        ]
        self.add_class("aos-sharing")

    @property
    def target(self) -> Resource | None:
        return self.session.selection or self.session.container

    async def refresh(self) -> list[Permission]:
        """Show the grants on the target (needs ADMIN on it)."""
        r = self.target
        if r is None:
            self.heading.value = "<i>Open or select a project, collection, dataset or object</i>"
            self.grants.value = ""
            return []
        self.heading.value = f"<b>Sharing {r.kind.value.lower()} {r.name}</b>"
        client = self.session.client
        if not self._users:
            await self._load_users()
        try:
            grants = await client.permissions(r.id)
        except AOSPermissionError:
            self.grants.value = "<i>Only admins of this resource see its grants</i>"
            return []
        names = {v: k for k, v in self._users.items()}
        self.grants.value = table(
            [(names.get(g.user_id, g.user_id), g.level.value) for g in grants],
            header=["user", "level"],
        )
        return grants

    async def grant(self, user: str, level: str = "READ") -> Permission:
        """Give `user` (name or id) `level` on the target."""
        r = self._need_target()
        user_id = await self._user_id(user)
        granted = await self.session.client.grant(r.id, user_id, level)
        self.status.ok(f"{user} now has {level} on {r.name}")
        await self.refresh()
        return granted

    async def revoke(self, user: str) -> None:
        """Take away what `user` was granted on the target (inherited grants stay)."""
        r = self._need_target()
        await self.session.client.grant(r.id, await self._user_id(user), "NONE")
        self.status.ok(f"Revoked {user}'s grant on {r.name}")
        await self.refresh()

    async def create_token(
        self, name: str, level: str = "READ", *, days: int = 7, scoped: bool = True
    ) -> CreatedToken:
        """A new token of yours; the secret is shown once in the page and returned here."""
        if not name.strip():
            raise ValueError("Give the token a name")
        scope = self._need_target() if scoped else None
        expires = datetime.now(UTC) + timedelta(days=days)
        created = await self.session.client.create_token(
            name.strip(), scope_id=scope.id if scope else None, level=level, expires_at=expires
        )
        where = f" on {scope.name}" if scope else ""
        label = f"token {created.name}: {level}{where}, until {expires:%Y-%m-%d} (shown once)"
        self.secret.reveal(created.secret, label)
        self.status.ok(f"Created token {created.name}; copy it now, it is not shown again")
        return created

    async def create_s3_credentials(self) -> S3Credentials:
        """S3 keys acting as the current token; the secret is shown once."""
        client = self.session.client
        me = await client.whoami()
        keys = await client.create_s3_credentials(token_id=me.token.id if me.token else None)
        self.secret.reveal(
            f"{keys.access_key_id}:{keys.secret_access_key}",
            f"S3 access key id:secret for {self.session.url} (shown once)",
        )
        self.status.ok(f"Created S3 keys {keys.access_key_id}")
        return keys

    async def _create_token_from_form(self) -> None:
        await self.create_token(
            self.token_name.value,
            self.token_level.value,
            days=self.token_days.value,
            scoped=self.token_scoped.value,
        )
        self.token_name.value = ""

    def _need_target(self) -> Resource:
        if self.target is None:
            raise ValueError("Open or select a resource in the browser first")
        return self.target

    async def _load_users(self) -> None:
        if self.session.is_admin:
            users = await self.session.client.list_users(limit=1000)
            self._users = {u.name: u.id for u in users}
            self.user.options = sorted(self._users)

    async def _user_id(self, user: str) -> str:
        user = user.strip()
        if not user:
            raise ValueError("Type a user name or id")
        if user not in self._users:
            await self._load_users()
        return self._users.get(user, user)

    def _on_target_change(self, _: dict[str, Any]) -> None:
        self.secret.hide()
        if self.session.connected:
            self.tasks.spawn(self.refresh())
