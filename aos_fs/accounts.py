"""Account features of the typed clients: `client.accounts` (sync) and `AsyncAOSClient.accounts`.

Personal notifications, access requests, announcements, statistics, service accounts,
workspaces and OIDC sign-in; each method is one call of `aos_fs._account_calls`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import _account_calls as C
from .account_models import (
    AccessRequest,
    Announcement,
    BrowserSignIn,
    DeviceSignIn,
    Notification,
    OIDCProvider,
    ResourceStatistics,
    SignInResult,
    UserStatistics,
    Workspace,
    WorkspaceTemplate,
)
from .models import PermissionLevel, Resource, S3Credentials, User

if TYPE_CHECKING:
    from .client import AOSClient, AsyncAOSClient


class Accounts:
    """Account calls of one `AOSClient`."""

    def __init__(self, client: AOSClient) -> None:
        self._client = client

    def notifications(self, *, unread: bool = False, limit: int = 100) -> list[Notification]:
        """Your personal notifications, newest first."""
        return self._client._send(C.notifications(unread, limit))

    def mark_read(self, ids: Sequence[str] | None = None) -> int:
        """Mark notifications read (all when `ids` is None); returns how many."""
        result = self._client._send(C.mark_read(ids))
        return int(result["marked"])

    def request_access(
        self, resource_id: str, level: str | PermissionLevel = "READ", message: str = ""
    ) -> AccessRequest:
        """Ask the admins of a resource for a permission."""
        return self._client._send(C.request_access(resource_id, level, message))

    def access_requests(
        self, *, incoming: bool = False, status: str | None = None
    ) -> list[AccessRequest]:
        """Your requests, or (incoming) those waiting for your decision."""
        return self._client._send(C.access_requests(incoming, status))

    def decide_access(
        self,
        request_id: str,
        grant: bool,
        *,
        level: str | PermissionLevel | None = None,
        reason: str = "",
    ) -> AccessRequest:
        """Grant or refuse an access request."""
        return self._client._send(C.decide_access(request_id, grant, level, reason))

    def withdraw_access(self, request_id: str) -> AccessRequest:
        """Withdraw your pending access request."""
        return self._client._send(C.withdraw_access(request_id))

    def announcements(self, *, include_expired: bool = False) -> list[Announcement]:
        """The current announcements."""
        return self._client._send(C.announcements(include_expired))

    def announce(
        self,
        title: str,
        body: str = "",
        *,
        severity: str = "info",
        expires_at: datetime | None = None,
    ) -> Announcement:
        """Make an announcement (admins)."""
        return self._client._send(C.announce(title, body, severity, expires_at))

    def delete_announcement(self, announcement_id: str) -> None:
        """Remove an announcement (admins)."""
        self._client._send(C.delete_announcement(announcement_id))

    def resource_statistics(self, resource_id: str) -> ResourceStatistics:
        """Objects, bytes, revisions and last change below a resource."""
        return self._client._send(C.resource_statistics(resource_id))

    def user_statistics(self, user_id: str) -> UserStatistics:
        """What a user created and uploaded."""
        return self._client._send(C.user_statistics(user_id))

    def service_accounts(self, project_id: str) -> list[User]:
        """A project's service accounts (project admins)."""
        return self._client._send(C.service_accounts(project_id))

    def service_account_s3_credentials(self, user_id: str) -> S3Credentials:
        """S3 keys for a service account (the secret is shown once)."""
        return self._client._send(C.service_account_s3(user_id))

    def workspace_templates(self) -> list[WorkspaceTemplate]:
        """The workspace templates."""
        return self._client._send(C.workspace_templates())

    def create_workspace_template(self, name: str, **fields: Any) -> WorkspaceTemplate:
        """Define a workspace template (admins)."""
        return self._client._send(C.create_workspace_template(name, fields))

    def delete_workspace_template(self, template_id: str) -> None:
        """Remove a workspace template (admins)."""
        self._client._send(C.delete_workspace_template(template_id))

    def create_workspace(self, template: str) -> Workspace:
        """A short-lived scratch project with its own expiring token and S3 keys."""
        return self._client._send(C.create_workspace(template))

    def workspace(self, project_id: str) -> Workspace:
        """A workspace (without its secrets)."""
        return self._client._send(C.get_workspace(project_id))

    def claim_workspace(self, project_id: str, *, workspace_token: str | None = None) -> Resource:
        """Turn a workspace into a normal project that you own."""
        return self._client._send(C.claim_workspace(project_id, workspace_token))

    def oidc_providers(self) -> list[OIDCProvider]:
        """The OIDC providers one can sign in with."""
        return self._client._send(C.oidc_providers())

    def oidc_device(self, provider: str) -> DeviceSignIn:
        """Start a device-code sign-in."""
        return self._client._send(C.oidc_device(provider))

    def oidc_poll(self, provider: str, flow_id: str) -> SignInResult:
        """Ask whether a device-code sign-in has finished."""
        return self._client._send(C.oidc_poll(provider, flow_id))

    def oidc_authorize(self, provider: str, *, redirect_uri: str | None = None) -> BrowserSignIn:
        """Start a browser sign-in (authorization code with PKCE)."""
        return self._client._send(C.oidc_browser(provider, redirect_uri))


class AsyncAccounts:
    """Account calls of one `AsyncAOSClient`."""

    def __init__(self, client: AsyncAOSClient) -> None:
        self._client = client

    async def notifications(self, *, unread: bool = False, limit: int = 100) -> list[Notification]:
        """Your personal notifications, newest first."""
        return await self._client._send(C.notifications(unread, limit))

    async def mark_read(self, ids: Sequence[str] | None = None) -> int:
        """Mark notifications read (all when `ids` is None); returns how many."""
        result = await self._client._send(C.mark_read(ids))
        return int(result["marked"])

    async def request_access(
        self, resource_id: str, level: str | PermissionLevel = "READ", message: str = ""
    ) -> AccessRequest:
        """Ask the admins of a resource for a permission."""
        return await self._client._send(C.request_access(resource_id, level, message))

    async def access_requests(
        self, *, incoming: bool = False, status: str | None = None
    ) -> list[AccessRequest]:
        """Your requests, or (incoming) those waiting for your decision."""
        return await self._client._send(C.access_requests(incoming, status))

    async def decide_access(
        self,
        request_id: str,
        grant: bool,
        *,
        level: str | PermissionLevel | None = None,
        reason: str = "",
    ) -> AccessRequest:
        """Grant or refuse an access request."""
        return await self._client._send(C.decide_access(request_id, grant, level, reason))

    async def withdraw_access(self, request_id: str) -> AccessRequest:
        """Withdraw your pending access request."""
        return await self._client._send(C.withdraw_access(request_id))

    async def announcements(self, *, include_expired: bool = False) -> list[Announcement]:
        """The current announcements."""
        return await self._client._send(C.announcements(include_expired))

    async def announce(
        self,
        title: str,
        body: str = "",
        *,
        severity: str = "info",
        expires_at: datetime | None = None,
    ) -> Announcement:
        """Make an announcement (admins)."""
        return await self._client._send(C.announce(title, body, severity, expires_at))

    async def delete_announcement(self, announcement_id: str) -> None:
        """Remove an announcement (admins)."""
        await self._client._send(C.delete_announcement(announcement_id))

    async def resource_statistics(self, resource_id: str) -> ResourceStatistics:
        """Objects, bytes, revisions and last change below a resource."""
        return await self._client._send(C.resource_statistics(resource_id))

    async def user_statistics(self, user_id: str) -> UserStatistics:
        """What a user created and uploaded."""
        return await self._client._send(C.user_statistics(user_id))

    async def service_accounts(self, project_id: str) -> list[User]:
        """A project's service accounts (project admins)."""
        return await self._client._send(C.service_accounts(project_id))

    async def service_account_s3_credentials(self, user_id: str) -> S3Credentials:
        """S3 keys for a service account (the secret is shown once)."""
        return await self._client._send(C.service_account_s3(user_id))

    async def workspace_templates(self) -> list[WorkspaceTemplate]:
        """The workspace templates."""
        return await self._client._send(C.workspace_templates())

    async def create_workspace_template(self, name: str, **fields: Any) -> WorkspaceTemplate:
        """Define a workspace template (admins)."""
        return await self._client._send(C.create_workspace_template(name, fields))

    async def delete_workspace_template(self, template_id: str) -> None:
        """Remove a workspace template (admins)."""
        await self._client._send(C.delete_workspace_template(template_id))

    async def create_workspace(self, template: str) -> Workspace:
        """A short-lived scratch project with its own expiring token and S3 keys."""
        return await self._client._send(C.create_workspace(template))

    async def workspace(self, project_id: str) -> Workspace:
        """A workspace (without its secrets)."""
        return await self._client._send(C.get_workspace(project_id))

    async def claim_workspace(
        self, project_id: str, *, workspace_token: str | None = None
    ) -> Resource:
        """Turn a workspace into a normal project that you own."""
        return await self._client._send(C.claim_workspace(project_id, workspace_token))

    async def oidc_providers(self) -> list[OIDCProvider]:
        """The OIDC providers one can sign in with."""
        return await self._client._send(C.oidc_providers())

    async def oidc_device(self, provider: str) -> DeviceSignIn:
        """Start a device-code sign-in."""
        return await self._client._send(C.oidc_device(provider))

    async def oidc_poll(self, provider: str, flow_id: str) -> SignInResult:
        """Ask whether a device-code sign-in has finished."""
        return await self._client._send(C.oidc_poll(provider, flow_id))

    async def oidc_authorize(
        self, provider: str, *, redirect_uri: str | None = None
    ) -> BrowserSignIn:
        """Start a browser sign-in (authorization code with PKCE)."""
        return await self._client._send(C.oidc_browser(provider, redirect_uri))
