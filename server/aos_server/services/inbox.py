"""Personal notifications: an inbox per user that keeps every message until it is marked read."""

from __future__ import annotations

from collections.abc import Sequence

from aos_fs.account_models import Notification

from ..backends.metadata.base import MetadataSession, MetadataStore
from ..domain.ids import new_id
from ..domain.permissions import Actor
from ..errors import PermissionDenied, Unauthenticated
from .common import now


async def notify(
    s: MetadataSession,
    user_ids: Sequence[str],
    *,
    kind: str,
    title: str,
    body: str = "",
    resource_id: str | None = None,
    ref_id: str | None = None,
) -> None:
    """Put one message into each user's inbox, in the caller's transaction."""
    for user_id in dict.fromkeys(user_ids):
        await s.insert_notification(
            user_id,
            Notification(
                id=new_id(),
                kind=kind,
                title=title,
                body=body,
                resource_id=resource_id,
                ref_id=ref_id,
                created_at=now(),
            ),
        )


def _owner(actor: Actor) -> str:
    if actor.anonymous:
        raise Unauthenticated("Sign in to read your notifications")
    if actor.purpose != "user":
        raise PermissionDenied("This token cannot read notifications")
    return actor.user_id or ""


class InboxService:
    def __init__(self, meta: MetadataStore) -> None:
        self.meta = meta

    async def list(
        self, actor: Actor, *, unread_only: bool = False, limit: int = 100
    ) -> list[Notification]:
        user_id = _owner(actor)
        async with self.meta.read() as s:
            return await s.list_notifications(user_id, unread_only=unread_only, limit=limit)

    async def mark_read(self, actor: Actor, ids: Sequence[str] | None) -> int:
        user_id = _owner(actor)
        async with self.meta.write() as s:
            return await s.mark_read(user_id, ids, now())
