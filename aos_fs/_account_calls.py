"""The account calls as data (`Call`s): inbox, access requests, announcements, statistics,
service accounts, workspaces and OIDC sign-in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ._requests import Call, _level, _params, call, seg
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


def notifications(unread: bool, limit: int) -> Call[list[Notification]]:
    return call(
        "GET", "/notifications", list[Notification], params=_params(unread=unread, limit=limit)
    )


def mark_read(ids: Sequence[str] | None) -> Call[dict[str, int]]:
    body = {"ids": list(ids)} if ids is not None else {}
    return call("POST", "/notifications/read", dict[str, int], body=body)


def request_access(
    resource_id: str, level: str | PermissionLevel, message: str
) -> Call[AccessRequest]:
    body = {"resource_id": resource_id, "level": _level(level), "message": message}
    return call("POST", "/access-requests", AccessRequest, body=body)


def access_requests(incoming: bool, status: str | None) -> Call[list[AccessRequest]]:
    params = _params(incoming=incoming, status=status)
    return call("GET", "/access-requests", list[AccessRequest], params=params)


def decide_access(
    request_id: str, grant: bool, level: str | PermissionLevel | None, reason: str
) -> Call[AccessRequest]:
    body: dict[str, Any] = {"grant": grant, "reason": reason}
    if level is not None:
        body["level"] = _level(level)
    return call("POST", f"/access-requests/{seg(request_id)}/decision", AccessRequest, body=body)


def withdraw_access(request_id: str) -> Call[AccessRequest]:
    return call("DELETE", f"/access-requests/{seg(request_id)}", AccessRequest)


def announcements(include_expired: bool) -> Call[list[Announcement]]:
    params = _params(all=include_expired or None)
    return call("GET", "/announcements", list[Announcement], params=params)


def announce(
    title: str, body: str, severity: str, expires_at: datetime | None
) -> Call[Announcement]:
    data: dict[str, Any] = {"title": title, "body": body, "severity": severity}
    if expires_at is not None:
        data["expires_at"] = expires_at.isoformat()
    return call("POST", "/announcements", Announcement, body=data)


def delete_announcement(announcement_id: str) -> Call[None]:
    return call("DELETE", f"/announcements/{seg(announcement_id)}")


def resource_statistics(resource_id: str) -> Call[ResourceStatistics]:
    return call("GET", f"/resources/{seg(resource_id)}/statistics", ResourceStatistics)


def user_statistics(user_id: str) -> Call[UserStatistics]:
    return call("GET", f"/users/{seg(user_id)}/statistics", UserStatistics)


def service_accounts(project_id: str) -> Call[list[User]]:
    return call("GET", f"/projects/{seg(project_id)}/service-accounts", list[User])


def service_account_s3(user_id: str) -> Call[S3Credentials]:
    return call("POST", f"/service-accounts/{seg(user_id)}/s3-credentials", S3Credentials)


def workspace_templates() -> Call[list[WorkspaceTemplate]]:
    return call("GET", "/workspace-templates", list[WorkspaceTemplate])


def create_workspace_template(name: str, fields: dict[str, Any]) -> Call[WorkspaceTemplate]:
    return call("POST", "/workspace-templates", WorkspaceTemplate, body={"name": name, **fields})


def delete_workspace_template(template_id: str) -> Call[None]:
    return call("DELETE", f"/workspace-templates/{seg(template_id)}")


def create_workspace(template: str) -> Call[Workspace]:
    return call("POST", "/workspaces", Workspace, body={"template": template})


def get_workspace(project_id: str) -> Call[Workspace]:
    return call("GET", f"/workspaces/{seg(project_id)}", Workspace)


def claim_workspace(project_id: str, workspace_token: str | None) -> Call[Resource]:
    body = {"workspace_token": workspace_token} if workspace_token else {}
    return call("POST", f"/workspaces/{seg(project_id)}/claim", Resource, body=body)


def oidc_providers() -> Call[list[OIDCProvider]]:
    return call("GET", "/auth/oidc", list[OIDCProvider])


def oidc_device(provider: str) -> Call[DeviceSignIn]:
    return call("POST", f"/auth/oidc/{seg(provider)}/device", DeviceSignIn)


def oidc_poll(provider: str, flow_id: str) -> Call[SignInResult]:
    return call(
        "POST", f"/auth/oidc/{seg(provider)}/device/poll", SignInResult, body={"flow_id": flow_id}
    )


def oidc_browser(provider: str, redirect_uri: str | None) -> Call[BrowserSignIn]:
    return call(
        "POST",
        f"/auth/oidc/{seg(provider)}/authorize",
        BrowserSignIn,
        body={"redirect_uri": redirect_uri} if redirect_uri else {},
    )
