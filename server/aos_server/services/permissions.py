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
    if actor.purpose == "hook":
        # SECURITY: a hook callback token reads and writes nothing through the general checks;
        # the few things it may do call `require_hook_target` instead.
        return Access(resource, Level.NONE, False)
    level = await grant_level(s, actor, resource)
    if resource.status == Status.DELETED and not actor.global_admin:
        # Deleted resources are visible to admins of them only (for restore).
        return Access(resource, level if level >= Level.ADMIN else Level.NONE, False)
    open_level = _OPEN_LEVEL.get(resource.data_class, Level.NONE)
    if actor.scope_id is not None and level == Level.NONE:
        open_level = Level.NONE if resource.data_class != DataClass.PUBLIC else open_level
    if actor.confined and level == Level.NONE:
        # SECURITY: a service account never leaves its project (no PUBLIC, no redacted views).
        return Access(resource, Level.NONE, False)
    effective = max(level, open_level)
    redacted = effective < Level.READ and resource.data_class == DataClass.PRIVATE
    return Access(resource, effective, redacted)


def require_global_admin(actor: Actor, what: str) -> None:
    """Refuse anyone but a global administrator: 401 when anonymous, else 403."""
    if actor.anonymous:
        raise Unauthenticated(f"Sign in as an administrator to {what}")
    if not actor.global_admin:
        raise PermissionDenied(f"Only administrators may {what}")


def deny(actor: Actor, resource: Resource, needed: Level, held: Level) -> Exception:
    """The error to raise when `held` < `needed`: 401 for anonymous callers, else 403/404."""
    what = f"{resource.kind.value.lower()} {resource.name!r}"
    hidden = resource.data_class in (DataClass.WORKSPACE, DataClass.CONFIDENTIAL)
    if held == Level.NONE and hidden:
        # Do not reveal that a workspace or confidential resource exists, not even by a 401.
        return ResourceNotFound(
            f"No resource with id {resource.id}"
            + (" (sign in if it is one you have access to)" if actor.anonymous else "")
        )
    if actor.anonymous:
        return Unauthenticated(
            f"Sign in to access {what}: send `Authorization: Bearer <token>` "
            "(create a token with `aos token create`)"
        )
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


async def require_hook_target(s: MetadataSession, actor: Actor, resource: Resource) -> Access:
    """Allow a hook callback token to act on exactly its resource, never beyond its hook's owner.

    The token is scoped to the one resource its delivery was about; the hook's owner must still
    hold WRITE on it (a token never grants more than its holder has now).
    """
    # SECURITY: only the resource named in the token, nothing above or below it.
    if actor.purpose != "hook" or actor.scope_id != resource.id:
        raise PermissionDenied(
            "This callback token belongs to another resource; it can only act on the object its "
            "hook was called for"
        )
    owner = await s.get_user(actor.user_id or "")
    if owner is None or not owner.active:
        raise PermissionDenied("The owner of this hook is no longer active")
    held = await grant_level(s, Actor(user_id=owner.id, is_admin=owner.is_admin), resource)
    if held < Level.WRITE:
        raise PermissionDenied(
            "The owner of this hook no longer has WRITE on this resource, so its callback "
            "token cannot change it"
        )
    return Access(resource, Level.WRITE, False)
