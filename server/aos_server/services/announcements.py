"""Announcements (messages from the administrators) and usage statistics."""

from __future__ import annotations

from aos_fs.account_models import (
    Announcement,
    AnnouncementCreate,
    ResourceStatistics,
    UserStatistics,
)

from ..backends.metadata.base import MetadataStore
from ..domain.ids import new_id
from ..domain.permissions import Actor, Level
from ..errors import InvalidInput, NotFound, PermissionDenied, Unauthenticated, UserNotFound
from . import permissions as perms
from .common import load, now


class AnnouncementService:
    def __init__(self, meta: MetadataStore) -> None:
        self.meta = meta

    async def create(self, actor: Actor, body: AnnouncementCreate) -> Announcement:
        perms.require_global_admin(actor, "make announcements")
        if body.expires_at is not None and body.expires_at <= now():
            raise InvalidInput("`expires_at` lies in the past", field="expires_at")
        item = Announcement(
            id=new_id(),
            title=body.title,
            body=body.body,
            severity=body.severity,
            expires_at=body.expires_at,
            created_by=actor.user_id,
            created_at=now(),
        )
        async with self.meta.write() as s:
            await s.insert_announcement(item)
        return item

    async def list(self, actor: Actor, *, include_expired: bool = False) -> list[Announcement]:
        """The current announcements (everyone, anonymous callers too); all of them for admins."""
        if include_expired:
            perms.require_global_admin(actor, "list expired announcements")
        async with self.meta.read() as s:
            return await s.list_announcements(now=None if include_expired else now())

    async def delete(self, actor: Actor, announcement_id: str) -> None:
        perms.require_global_admin(actor, "delete announcements")
        async with self.meta.write() as s:
            if not await s.delete_announcement(announcement_id):
                raise NotFound(f"No announcement {announcement_id!r}")


class StatisticsService:
    def __init__(self, meta: MetadataStore) -> None:
        self.meta = meta

    async def resource(self, actor: Actor, resource_id: str) -> ResourceStatistics:
        async with self.meta.read() as s:
            res = await load(s, resource_id)
            await perms.require(s, actor, res, Level.READ)
            return await s.resource_statistics(res.id)

    async def user(self, actor: Actor, user_id: str) -> UserStatistics:
        if actor.anonymous:
            raise Unauthenticated("Sign in to read statistics")
        if user_id != actor.user_id and not actor.global_admin:
            raise PermissionDenied("Only administrators read other users' statistics")
        async with self.meta.read() as s:
            if await s.get_user(user_id) is None:
                raise UserNotFound(f"No user with id {user_id!r}")
            return await s.user_statistics(user_id)
