"""Usage accounting and quotas: bytes and objects per project and per user.

Usage is logical: the bytes of every stored revision of live objects (what users see), whatever
deduplication saves on disk. An object is charged to its project and to the user who created it.
Totals change in the transaction that commits a revision, deletes or restores an object, so they
are always current; a write that would pass a limit is refused inside that same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aos_fs.models import Kind

from ..backends.metadata.governance import QuotaRecord, Scope
from ..domain.permissions import Actor, Level
from ..errors import InvalidInput, PermissionDenied, QuotaExceeded, UserNotFound
from . import permissions as perms
from .common import load, now

if TYPE_CHECKING:
    from ..backends.metadata.base import MetadataSession, MetadataStore


def human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


@dataclass(frozen=True)
class Usage:
    scope: Scope
    subject_id: str
    bytes: int
    objects: int
    max_bytes: int | None
    max_objects: int | None


async def read_usage(s: MetadataSession, scope: Scope, subject_id: str) -> Usage:
    used, objects = await s.usage(scope, subject_id)
    quota = await s.get_quota(scope, subject_id)
    return Usage(
        scope,
        subject_id,
        used,
        objects,
        quota.max_bytes if quota else None,
        quota.max_objects if quota else None,
    )


async def check_room(
    s: MetadataSession,
    project: tuple[str, str],
    user_id: str | None,
    *,
    add_bytes: int,
    add_objects: int,
) -> None:
    """Raise `QuotaExceeded` when adding to the project `(id, name)` or the user would pass a
    limit (one query; nothing when no limit is set)."""
    for limit in await s.limits(project[0], user_id):
        what = f"project {project[1]!r}" if limit.scope == "PROJECT" else "your account"
        if limit.max_bytes is not None and limit.bytes + add_bytes > limit.max_bytes:
            raise QuotaExceeded(
                f"Quota exceeded: {what} uses {human(limit.bytes)} of {human(limit.max_bytes)}, "
                f"and this write adds {human(add_bytes)}; delete data or ask an admin to raise "
                "the limit",
                scope=limit.scope,
                limit=limit.max_bytes,
                used=limit.bytes,
            )
        if limit.max_objects is not None and limit.objects + add_objects > limit.max_objects:
            raise QuotaExceeded(
                f"Quota exceeded: {what} holds {limit.objects} of at most {limit.max_objects} "
                "objects; delete some or ask an admin to raise the limit",
                scope=limit.scope,
                limit=limit.max_objects,
                used=limit.objects,
            )


async def charge(
    s: MetadataSession,
    *,
    object_id: str,
    project: tuple[str, str],
    user_id: str | None,
    size: int,
    new_object: bool,
) -> None:
    """Check the limits, then add one revision of `size` bytes to the object's accounts."""
    await check_room(s, project, user_id, add_bytes=size, add_objects=1 if new_object else 0)
    await s.charge_object(object_id, project[0], user_id or "", size, new=new_object)


class QuotaService:
    """Reading usage (project members, the user themself) and setting limits (global admins)."""

    def __init__(self, meta: MetadataStore) -> None:
        self.meta = meta

    async def project_usage(self, actor: Actor, project_id: str) -> Usage:
        async with self.meta.read() as s:
            project = await load(s, project_id)
            if project.kind != Kind.PROJECT:
                raise InvalidInput("Usage is kept per project; pass the id of a project")
            await perms.require(s, actor, project, Level.READ)
            return await read_usage(s, "PROJECT", project.id)

    async def user_usage(self, actor: Actor, user_id: str) -> Usage:
        if user_id != actor.user_id and not actor.global_admin:
            raise PermissionDenied("Only global admins see another user's usage")
        async with self.meta.read() as s:
            if await s.get_user(user_id) is None:
                raise UserNotFound(f"No user with id {user_id!r}")
            return await read_usage(s, "USER", user_id)

    async def set_limits(
        self,
        actor: Actor,
        scope: Scope,
        subject_id: str,
        *,
        max_bytes: int | None,
        max_objects: int | None,
    ) -> Usage:
        if not actor.global_admin:
            raise PermissionDenied("Only global admins set quotas")
        for value in (max_bytes, max_objects):
            if value is not None and value < 0:
                raise InvalidInput("A limit is a number ≥ 0, or null for none")
        async with self.meta.write() as s:
            if scope == "PROJECT":
                project = await load(s, subject_id)
                if project.kind != Kind.PROJECT:
                    raise InvalidInput("Quotas are set per project; pass the id of a project")
            elif await s.get_user(subject_id) is None:
                raise UserNotFound(f"No user with id {subject_id!r}")
            if max_bytes is None and max_objects is None:
                await s.delete_quota(scope, subject_id)
            else:
                await s.set_quota(
                    QuotaRecord(scope, subject_id, max_bytes, max_objects, actor.user_id, now())
                )
            return await read_usage(s, scope, subject_id)
