"""The store contract of the account features: inbox, access requests, announcements,
statistics, workspaces and OIDC identities (a part of `MetadataSession`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from aos_fs.account_models import (
    AccessRequest,
    Announcement,
    Notification,
    ResourceStatistics,
    UserStatistics,
    WorkspaceTemplate,
)
from aos_fs.models import User


@dataclass(frozen=True, slots=True)
class WorkspaceRecord:
    project_id: str
    template_id: str
    user_id: str
    anonymous: bool
    expires_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FlowRecord:
    """A sign-in under way (device code or authorization code); its secrets are sealed."""

    id: str
    provider: str
    kind: str
    sealed: bytes
    expires_at: datetime
    created_at: datetime


class AccountsSession(ABC):
    # -- inbox ----------------------------------------------------------------------------------
    @abstractmethod
    async def insert_notification(self, user_id: str, item: Notification) -> None:
        """Put a notification into one user's inbox."""

    @abstractmethod
    async def list_notifications(
        self, user_id: str, *, unread_only: bool, limit: int
    ) -> list[Notification]:
        """A user's notifications, newest first."""

    @abstractmethod
    async def mark_read(self, user_id: str, ids: Sequence[str] | None, when: datetime) -> int:
        """Mark these (or all) unread notifications of the user read; returns how many."""

    # -- access requests ------------------------------------------------------------------------
    @abstractmethod
    async def insert_access_request(self, req: AccessRequest) -> None: ...

    @abstractmethod
    async def update_access_request(self, req: AccessRequest) -> None: ...

    @abstractmethod
    async def get_access_request(self, request_id: str) -> AccessRequest | None: ...

    @abstractmethod
    async def list_access_requests(
        self,
        *,
        user_id: str | None = None,
        resource_ids: Sequence[str] | None = None,
        status: str | None = None,
    ) -> list[AccessRequest]:
        """Requests by one user and/or on these resources, newest first."""

    # -- announcements --------------------------------------------------------------------------
    @abstractmethod
    async def insert_announcement(self, item: Announcement) -> None: ...

    @abstractmethod
    async def list_announcements(self, *, now: datetime | None) -> list[Announcement]:
        """Newest first; with `now`, only those not expired by then."""

    @abstractmethod
    async def delete_announcement(self, announcement_id: str) -> bool: ...

    # -- statistics -----------------------------------------------------------------------------
    @abstractmethod
    async def resource_statistics(self, resource_id: str) -> ResourceStatistics:
        """Objects, bytes and revisions below a container (or of one object)."""

    @abstractmethod
    async def user_statistics(self, user_id: str) -> UserStatistics: ...

    # -- workspaces -----------------------------------------------------------------------------
    @abstractmethod
    async def insert_workspace_template(self, template: WorkspaceTemplate) -> None:
        """Raises `AlreadyExists` for a second template of one name."""

    @abstractmethod
    async def get_workspace_template(self, id_or_name: str) -> WorkspaceTemplate | None: ...

    @abstractmethod
    async def list_workspace_templates(self) -> list[WorkspaceTemplate]: ...

    @abstractmethod
    async def delete_workspace_template(self, template_id: str) -> bool: ...

    @abstractmethod
    async def insert_workspace(self, record: WorkspaceRecord) -> None: ...

    @abstractmethod
    async def get_workspace(self, project_id: str) -> WorkspaceRecord | None: ...

    @abstractmethod
    async def delete_workspace(self, project_id: str) -> bool: ...

    @abstractmethod
    async def expired_workspaces(self, now: datetime, limit: int) -> list[WorkspaceRecord]: ...

    @abstractmethod
    async def delete_user_credentials(self, user_id: str) -> None:
        """Remove every token and S3 key of a user (a workspace account that ends)."""

    @abstractmethod
    async def list_service_accounts(self, project_id: str) -> list[User]: ...

    @abstractmethod
    async def list_admin_ids(self) -> list[str]:
        """The ids of the active global admins."""

    # -- OIDC -----------------------------------------------------------------------------------
    @abstractmethod
    async def get_identity(self, provider: str, subject: str) -> str | None:
        """The user id signed in as (provider, subject), or None."""

    @abstractmethod
    async def insert_identity(
        self, provider: str, subject: str, user_id: str, when: datetime
    ) -> None: ...

    @abstractmethod
    async def insert_flow(self, flow: FlowRecord) -> None: ...

    @abstractmethod
    async def get_flow(self, flow_id: str) -> FlowRecord | None: ...

    @abstractmethod
    async def delete_flow(self, flow_id: str) -> bool:
        """True for the one caller that removed it (a flow is finished once)."""

    @abstractmethod
    async def delete_expired_flows(self, now: datetime) -> int: ...
