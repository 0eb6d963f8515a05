"""Routes for personal notifications, access requests, announcements, statistics and service
accounts' listing and keys."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from aos_fs.account_models import (
    AccessDecision,
    AccessRequest,
    AccessRequestCreate,
    Announcement,
    AnnouncementCreate,
    Notification,
    NotificationsRead,
    RequestStatus,
    ResourceStatistics,
    UserStatistics,
)
from aos_fs.models import S3Credentials, User

from ...domain.permissions import Actor
from ...keys import ACCOUNTS
from .routing import ApiRouter

router = ApiRouter()


class InboxQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unread: bool = Field(default=False, description="Only the unread ones")
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


class RequestsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    incoming: bool = Field(
        default=False, description="Requests on resources you administer (else: your own)"
    )
    status: RequestStatus | None = None


class AnnouncementsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    all: bool = Field(default=False, description="Expired ones too (admins)")


class MarkedRead(BaseModel):
    marked: int


# -- inbox --------------------------------------------------------------------------------------
@router.op(
    "GET",
    "/notifications",
    summary="Your personal notifications, newest first (kept until read)",
    tag="notifications",
    query=InboxQuery,
    response=list[Notification],
)
async def list_notifications(
    request: web.Request, actor: Actor, query: InboxQuery
) -> list[Notification]:
    return await request.config_dict[ACCOUNTS].inbox.list(
        actor, unread_only=query.unread, limit=query.limit
    )


@router.op(
    "POST",
    "/notifications/read",
    summary="Mark notifications read (all, or the ids given)",
    tag="notifications",
    body=NotificationsRead,
    response=MarkedRead,
)
async def mark_read(request: web.Request, actor: Actor, body: NotificationsRead) -> MarkedRead:
    n = await request.config_dict[ACCOUNTS].inbox.mark_read(actor, body.ids)
    return MarkedRead(marked=n)


# -- access requests ----------------------------------------------------------------------------
@router.op(
    "POST",
    "/access-requests",
    summary="Ask for a permission on a resource you can find; its admins are notified",
    tag="access",
    body=AccessRequestCreate,
    response=AccessRequest,
    status=201,
)
async def create_request(
    request: web.Request, actor: Actor, body: AccessRequestCreate
) -> AccessRequest:
    return await request.config_dict[ACCOUNTS].requests.create(actor, body)


@router.op(
    "GET",
    "/access-requests",
    summary="Your access requests, or those waiting for you as an admin (incoming=true)",
    tag="access",
    query=RequestsQuery,
    response=list[AccessRequest],
)
async def list_requests(
    request: web.Request, actor: Actor, query: RequestsQuery
) -> list[AccessRequest]:
    return await request.config_dict[ACCOUNTS].requests.list(
        actor, incoming=query.incoming, status=query.status
    )


@router.op(
    "GET",
    "/access-requests/{id}",
    summary="One access request",
    tag="access",
    response=AccessRequest,
)
async def get_request(request: web.Request, actor: Actor, id: str) -> AccessRequest:
    return await request.config_dict[ACCOUNTS].requests.get(actor, id)


@router.op(
    "POST",
    "/access-requests/{id}/decision",
    summary="Grant or refuse an access request (admins of the resource); the requester is told",
    tag="access",
    body=AccessDecision,
    response=AccessRequest,
)
async def decide_request(
    request: web.Request, actor: Actor, id: str, body: AccessDecision
) -> AccessRequest:
    return await request.config_dict[ACCOUNTS].requests.decide(actor, id, body)


@router.op(
    "DELETE",
    "/access-requests/{id}",
    summary="Withdraw your pending access request",
    tag="access",
    response=AccessRequest,
)
async def withdraw_request(request: web.Request, actor: Actor, id: str) -> AccessRequest:
    return await request.config_dict[ACCOUNTS].requests.withdraw(actor, id)


# -- announcements ------------------------------------------------------------------------------
@router.op(
    "GET",
    "/announcements",
    summary="Current announcements (anyone)",
    tag="announcements",
    query=AnnouncementsQuery,
    response=list[Announcement],
)
async def list_announcements(
    request: web.Request, actor: Actor, query: AnnouncementsQuery
) -> list[Announcement]:
    return await request.config_dict[ACCOUNTS].announcements.list(actor, include_expired=query.all)


@router.op(
    "POST",
    "/announcements",
    summary="Make an announcement (admins)",
    tag="announcements",
    body=AnnouncementCreate,
    response=Announcement,
    status=201,
)
async def create_announcement(
    request: web.Request, actor: Actor, body: AnnouncementCreate
) -> Announcement:
    return await request.config_dict[ACCOUNTS].announcements.create(actor, body)


@router.op(
    "DELETE", "/announcements/{id}", summary="Remove an announcement (admins)", tag="announcements"
)
async def delete_announcement(request: web.Request, actor: Actor, id: str) -> None:
    await request.config_dict[ACCOUNTS].announcements.delete(actor, id)


# -- statistics ---------------------------------------------------------------------------------
@router.op(
    "GET",
    "/resources/{id}/statistics",
    summary="Objects, bytes, revisions and last change below a resource (READ)",
    tag="statistics",
    response=ResourceStatistics,
)
async def resource_statistics(request: web.Request, actor: Actor, id: str) -> ResourceStatistics:
    return await request.config_dict[ACCOUNTS].statistics.resource(actor, id)


@router.op(
    "GET",
    "/users/{id}/statistics",
    summary="What a user created and uploaded (yourself, or anyone for admins)",
    tag="statistics",
    response=UserStatistics,
)
async def user_statistics(request: web.Request, actor: Actor, id: str) -> UserStatistics:
    return await request.config_dict[ACCOUNTS].statistics.user(actor, id)


# -- service accounts ---------------------------------------------------------------------------
@router.op(
    "GET",
    "/projects/{id}/service-accounts",
    summary="A project's service accounts (project admins)",
    tag="users",
    response=list[User],
)
async def list_service_accounts(request: web.Request, actor: Actor, id: str) -> list[User]:
    return await request.config_dict[ACCOUNTS].service_accounts.list(actor, id)


@router.op(
    "POST",
    "/service-accounts/{id}/s3-credentials",
    summary="S3 keys for a service account (its project's admins; the secret is shown once)",
    tag="users",
    response=S3Credentials,
    status=201,
)
async def service_account_s3(request: web.Request, actor: Actor, id: str) -> S3Credentials:
    return await request.config_dict[ACCOUNTS].service_accounts.create_s3_credentials(actor, id)
