"""Effective permissions: grants inherited down the DAG, token scope and ceiling, data classes."""

from __future__ import annotations

from aos_fs.models import DataClass, Kind, Resource, Status

from ..backends.metadata.base import MetadataSession
from ..domain.permissions import Actor, Level
from ..errors import PermissionDenied, ResourceNotFound, Unauthenticated

# What a caller without any grant may do, by data class: PUBLIC is readable by anyone, PRIVATE
# resources are findable in a redacted view, the others are invisible.
_OPEN_LEVEL = {DataClass.PUBLIC: Level.READ}


class Access:
    """What one actor may do with one resource."""

    __slots__ = ("level", "redacted_view", "resource")

    def __init__(self, resource: Resource, level: Level, redacted_view: bool) -> None:
        self.resource = resource
        self.level = level
        self.redacted_view = redacted_view

    @property
    def visible(self) -> bool:
        return self.level >= Level.READ or self.redacted_view


async def grant_level(s: MetadataSession, actor: Actor, resource: Resource) -> Level:
    """The level the actor holds on `resource` through grants, scope and ceiling (no data class)."""
    if actor.anonymous:
        return Level.NONE
    ancestors: set[str] | None = None
    if actor.scope_id is not None and actor.scope_id != resource.id:
        ancestors = await s.ancestor_ids(resource.id)
        if actor.scope_id not in ancestors:
            return Level.NONE  # SECURITY: a scoped token reaches nothing outside its scope
    if actor.is_admin:
        held = Level.ADMIN
    else:
        if ancestors is None:
            ancestors = await s.ancestor_ids(resource.id)
        grants = await s.grants(actor.user_id or "", [resource.id, *ancestors])
        held = Level(max(grants.values(), default=0))
    # SECURITY: a token never grants more than its holder has *now* (Aruna v2 misses this).
    return min(held, actor.ceiling)


async def access(s: MetadataSession, actor: Actor, resource: Resource) -> Access:
    level = await grant_level(s, actor, resource)
    if resource.status == Status.DELETED and not actor.global_admin:
        # Deleted resources are visible to admins of them only (for restore).
        return Access(resource, level if level >= Level.ADMIN else Level.NONE, False)
    open_level = _OPEN_LEVEL.get(resource.data_class, Level.NONE)
    if actor.scope_id is not None and level == Level.NONE:
        open_level = Level.NONE if resource.data_class != DataClass.PUBLIC else open_level
    effective = max(level, open_level)
    redacted = effective < Level.READ and resource.data_class == DataClass.PRIVATE
    return Access(resource, effective, redacted)


def deny(actor: Actor, resource: Resource, needed: Level, held: Level) -> Exception:
    """The error to raise when `held` < `needed`: 401 for anonymous callers, else 403/404."""
    what = f"{resource.kind.value.lower()} {resource.name!r}"
    if actor.anonymous:
        return Unauthenticated(
            f"Sign in to access {what}: send `Authorization: Bearer <token>` "
            "(create a token with `aos token create`)"
        )
    if held == Level.NONE and resource.data_class in (DataClass.WORKSPACE, DataClass.CONFIDENTIAL):
        # Do not reveal that a confidential resource exists.
        return ResourceNotFound(f"No resource with id {resource.id}")
    return PermissionDenied(
        f"You need {needed.name} on {what} (you have {held.name}); "
        "ask one of its admins to grant it",
        needed=needed.name,
        held=held.name,
    )


async def require(s: MetadataSession, actor: Actor, resource: Resource, needed: Level) -> Access:
    """Return the actor's access to `resource`, or raise when below `needed`."""
    acc = await access(s, actor, resource)
    if acc.level < needed:
        if needed == Level.READ and acc.redacted_view:
            raise PermissionDenied(
                f"{resource.kind.value.lower()} {resource.name!r} is PRIVATE: its data needs "
                "READ permission; ask one of its admins to grant it"
            )
        raise deny(actor, resource, needed, acc.level)
    return acc


def redact(resource: Resource) -> Resource:
    """The view of a PRIVATE resource for callers without READ: no key-values, hashes or people."""
    return resource.model_copy(
        update={
            "key_values": [],
            "external_relations": [],
            "hashes": None,
            "created_by": None,
            "redacted": True,
        }
    )


def can_relax(old: DataClass, new: DataClass) -> bool:
    """A data class may only move toward PUBLIC."""
    return new.rank <= old.rank


def is_container(resource: Resource) -> bool:
    return resource.kind != Kind.OBJECT
