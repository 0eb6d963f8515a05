"""Models of the account features: personal notifications, access requests, announcements,
statistics, workspaces and OIDC sign-in (request and response bodies of `/api/v2`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .models import CreatedToken, DataClass, KeyValue, PermissionLevel, Resource, User


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- personal notifications ---------------------------------------------------------------------
class Notification(_Value):
    """A message to one user; it stays in their inbox until they mark it read."""

    id: str
    kind: str = Field(
        description="access_request, access_granted, access_refused, user_signup, workspace_expired"
    )
    title: str
    body: str = ""
    resource_id: str | None = None
    ref_id: str | None = Field(default=None, description="The access request etc. it is about")
    created_at: datetime
    read_at: datetime | None = None


class NotificationsRead(_Body):
    ids: list[str] | None = Field(default=None, description="These ones; all when omitted")


# -- access requests ----------------------------------------------------------------------------
RequestStatus = Literal["PENDING", "GRANTED", "REFUSED", "WITHDRAWN"]


class AccessRequestCreate(_Body):
    resource_id: str
    level: PermissionLevel = PermissionLevel.READ
    message: Annotated[str, Field(max_length=2000)] = ""


class AccessRequest(_Value):
    id: str
    user_id: str
    resource_id: str
    level: PermissionLevel
    message: str = ""
    status: RequestStatus
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str = ""
    created_at: datetime


class AccessDecision(_Body):
    grant: bool = Field(description="True grants the request, False refuses it")
    level: PermissionLevel | None = Field(
        default=None, description="Grant this level instead of the one asked for"
    )
    reason: Annotated[str, Field(max_length=2000)] = ""


# -- announcements ------------------------------------------------------------------------------
Severity = Literal["info", "warning", "critical"]


class AnnouncementCreate(_Body):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    body: Annotated[str, Field(max_length=5000)] = ""
    severity: Severity = "info"
    expires_at: datetime | None = Field(default=None, description="Hidden from then on")


class Announcement(_Value):
    id: str
    title: str
    body: str = ""
    severity: Severity = "info"
    expires_at: datetime | None = None
    created_by: str | None = None
    created_at: datetime


# -- statistics ---------------------------------------------------------------------------------
class ResourceStatistics(_Value):
    resource_id: str
    objects: int = Field(description="Live objects below (or: 1 for an object)")
    bytes: int = Field(description="Bytes of their latest revisions")
    versions: int = Field(description="Revisions of those objects, all kept")
    version_bytes: int = Field(description="Bytes of all those revisions")
    last_change: datetime | None = None


class UserStatistics(_Value):
    user_id: str
    projects: int = Field(description="Projects the user created")
    objects: int = Field(description="Objects the user created (live)")
    versions: int = Field(description="Revisions the user uploaded")
    bytes: int = Field(description="Bytes of those revisions")
    last_upload: datetime | None = None


# -- workspaces ---------------------------------------------------------------------------------
_NAME = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,40}$")]


class WorkspaceTemplateCreate(_Body):
    name: _NAME
    description: Annotated[str, Field(max_length=2000)] = ""
    key_values: list[KeyValue] = Field(default_factory=list, description="Put on each workspace")
    hooks: list[dict[str, Any]] = Field(
        default_factory=list, description="Hooks (as for POST /projects/{id}/hooks) to install"
    )
    data_class: DataClass = DataClass.WORKSPACE
    endpoint: str | None = Field(default=None, description="S3 endpoint URL for its data")
    lifetime: Annotated[int, Field(ge=1, le=90 * 86_400)] = Field(
        default=86_400, description="Seconds a workspace lives unless claimed"
    )
    allow_anonymous: bool = Field(default=False, description="Anonymous users may create one")


class WorkspaceTemplate(_Value):
    id: str
    name: str
    description: str = ""
    key_values: list[KeyValue] = Field(default_factory=list)
    hooks: list[dict[str, Any]] = Field(default_factory=list)
    data_class: DataClass = DataClass.WORKSPACE
    endpoint: str | None = None
    lifetime: int
    allow_anonymous: bool = False
    created_by: str | None = None
    created_at: datetime


class WorkspaceCreate(_Body):
    template: str = Field(description="Template name or id")


class Workspace(_Value):
    """A scratch project and the credentials that reach it (secrets in the create answer only)."""

    project: Resource
    template_id: str
    user_id: str = Field(description="The workspace's own account (it owns the project)")
    anonymous: bool
    expires_at: datetime
    s3_endpoint: str
    token: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None


# -- OIDC sign-in ---------------------------------------------------------------------------------
class OIDCProvider(_Value):
    name: str
    issuer: str
    display_name: str = ""


class DeviceSignIn(_Value):
    """Show `user_code` and `verification_uri` to the user, then poll with `flow_id`."""

    flow_id: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None = None
    expires_in: int
    interval: int = 5


class DevicePoll(_Body):
    flow_id: str


class BrowserSignIn(_Value):
    authorization_url: str
    flow_id: str


class SignInResult(_Value):
    status: Literal["pending", "slow_down", "done"]
    user: User | None = None
    token: CreatedToken | None = None
    detail: str = ""
