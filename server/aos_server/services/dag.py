"""Use-cases on the resource graph: relations, cascading soft delete and restore, permissions."""

from __future__ import annotations

from aos_fs.models import (
    Kind,
    Permission,
    PermissionGrant,
    PermissionLevel,
    Relation,
    RelationCreate,
    RelationType,
    Resource,
    Status,
)

from ..backends.metadata.base import MetadataSession, MetadataStore
from ..domain.ids import new_id
from ..domain.permissions import Actor, Level
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied, UserNotFound
from . import frozen
from . import permissions as perms
from .common import check_parent, emit, load, now

# Relation types a client may add or remove directly; BELONGS_TO has its own rules and DELETED
# and VERSION are written by the service only.
_CLIENT_TYPES = {
    RelationType.BELONGS_TO,
    RelationType.ORIGIN,
    RelationType.METADATA,
    RelationType.CUSTOM,
}


class GraphService:
    def __init__(self, meta: MetadataStore) -> None:
        self.meta = meta

    # -- relations ------------------------------------------------------------------------------
    async def relations(self, actor: Actor, resource_id: str) -> list[Relation]:
        async with self.meta.read() as s:
            res = await load(s, resource_id)
            await perms.require(s, actor, res, Level.READ)
            rels = await s.relations_of(resource_id)
            if res.kind == Kind.OBJECT:
                rels += [
                    Relation(
                        origin_id=f"{res.id}@{v.revision}",
                        target_id=f"{res.id}@{v.revision + 1}",
                        type=RelationType.VERSION,
                    )
                    for v in (await s.list_versions(res.id))[:-1]
                ]
        return [r for r in rels if r.type != RelationType.DELETED or actor.global_admin]

    async def add_relation(self, actor: Actor, origin_id: str, body: RelationCreate) -> Relation:
        if body.type not in _CLIENT_TYPES:
            raise InvalidInput(
                f"{body.type.value} relations are maintained by the service and cannot be added",
                field="type",
            )
        if body.type == RelationType.CUSTOM and not body.custom_type:
            raise InvalidInput("A CUSTOM relation needs `custom_type`", field="custom_type")
        rel = Relation(
            origin_id=origin_id,
            target_id=body.target_id,
            type=body.type,
            custom_type=body.custom_type if body.type == RelationType.CUSTOM else None,
        )
        if origin_id == body.target_id:
            raise Conflict("A resource cannot be related to itself")
        async with self.meta.write() as s:
            origin = await load(s, origin_id)
            target = await load(s, body.target_id)
            for res in (origin, target):
                if res.status == Status.DELETED:
                    raise Conflict(f"{res.name!r} is deleted; restore it first")
            await frozen.require_writable(s, origin)
            if body.type == RelationType.BELONGS_TO:
                await self._check_new_parent(s, actor, parent=origin, child=target)
                await s.add_relation(rel, child_name=target.name)
            else:
                await perms.require(s, actor, origin, Level.WRITE)
                await perms.require(s, actor, target, Level.READ)
                await s.add_relation(rel)
            await emit(
                s, actor, "relation.added", origin, target_id=target.id, relation=body.type.value
            )
        return rel

    async def _check_new_parent(
        self, s: MetadataSession, actor: Actor, *, parent: Resource, child: Resource
    ) -> None:
        if child.kind == Kind.PROJECT:
            raise InvalidInput("A project is a root and cannot belong to anything")
        # SECURITY: a second parent passes its permissions down to the child, so only an admin of
        # the child may add one (else WRITE on a file + ADMIN of one's own project = ADMIN on it).
        await perms.require(s, actor, child, Level.ADMIN)
        await perms.require(s, actor, parent, Level.APPEND)
        if child.id in await s.ancestor_ids(parent.id):
            raise Conflict(
                f"Refused: {child.name!r} is above {parent.name!r}, so this edge would create a "
                "cycle"
            )
        check_parent(parent, child.kind)

    async def remove_relation(self, actor: Actor, origin_id: str, body: RelationCreate) -> None:
        if body.type not in _CLIENT_TYPES:
            raise InvalidInput(f"{body.type.value} relations cannot be removed directly")
        rel = Relation(
            origin_id=origin_id,
            target_id=body.target_id,
            type=body.type,
            custom_type=body.custom_type if body.type == RelationType.CUSTOM else None,
        )
        async with self.meta.write() as s:
            origin = await load(s, origin_id)
            target = await load(s, body.target_id)
            await frozen.require_writable(s, origin)
            if body.type == RelationType.BELONGS_TO:
                await perms.require(s, actor, target, Level.ADMIN)
                if len(await s.parent_ids(target.id)) <= 1:
                    raise Conflict(
                        f"{target.name!r} has no other parent; delete it instead of unlinking it"
                    )
            else:
                await perms.require(s, actor, origin, Level.WRITE)
            if not await s.remove_relation(rel):
                raise NotFound("No such relation")
            await emit(
                s, actor, "relation.removed", origin, target_id=target.id, relation=body.type.value
            )

    # -- delete / restore -----------------------------------------------------------------------
    async def delete(self, actor: Actor, resource_id: str) -> Resource:
        """Soft-delete `resource_id` and every child that has no other live parent."""
        op = new_id()
        async with self.meta.write() as s:
            res = await load(s, resource_id)
            if res.status == Status.DELETED:
                raise Conflict(f"{res.name!r} is already deleted")
            needed = Level.ADMIN if res.kind == Kind.PROJECT else Level.WRITE
            await perms.require(s, actor, res, needed)
            await frozen.require_writable(s, res)
            deleted = await self._delete_tree(s, actor, res, op)
        return deleted

    async def _delete_tree(
        self,
        s: MetadataSession,
        actor: Actor,
        res: Resource,
        op: str,
        above: set[str] | None = None,
    ) -> Resource:
        ts = now()
        # The ancestors as they were before this deletion cut the edges (for the events).
        above = await s.ancestor_ids(res.id) if above is None else above
        # Children first (iteratively, batch by batch), then the resource itself.
        while True:
            batch = await s.list_children(res.id, limit=500)
            if not batch:
                break
            for child in batch:
                await s.mark_deleted_edges(child.id, [res.id], op)
                if not await s.parent_ids(child.id):
                    await self._delete_tree(s, actor, child, op, above | {res.id})
        await s.mark_deleted_edges(res.id, await s.parent_ids(res.id), op)
        gone = res.model_copy(update={"status": Status.DELETED, "deleted_at": ts, "updated_at": ts})
        await s.update_resource(gone)
        await s.set_deletion_op(res.id, op)
        if res.kind == Kind.OBJECT:
            await s.set_object_live(res.id, False)  # usage: its bytes are no longer charged
        await emit(s, actor, "resource.deleted", gone, above=above, operation=op)
        return gone

    async def restore(self, actor: Actor, resource_id: str) -> Resource:
        """Undo the deletion that removed `resource_id` (the whole cascade). Admins only."""
        async with self.meta.write() as s:
            res = await load(s, resource_id)
            if res.status != Status.DELETED:
                raise Conflict(f"{res.name!r} is not deleted")
            await perms.require(s, actor, res, Level.ADMIN)
            await frozen.require_writable(s, res)
            op = await s.deletion_op(res.id)
            if op is None:
                raise Conflict("This resource cannot be restored: its deletion record is missing")
            back: list[Resource] = []
            for rid in await s.ids_deleted_by(op):
                item = await load(s, rid)
                status = Status.AVAILABLE
                if item.kind == Kind.OBJECT and not item.revision:
                    status = Status.INITIALIZING
                restored = item.model_copy(
                    update={"status": status, "deleted_at": None, "updated_at": now()}
                )
                if item.kind == Kind.PROJECT:
                    clash = await s.get_project_by_name(item.name)
                    if clash is not None:
                        raise Conflict(
                            f"A new project named {item.name!r} exists; it must be renamed or "
                            "deleted before this one can be restored"
                        )
                await s.update_resource(restored)
                await s.set_deletion_op(rid, None)
                if item.kind == Kind.OBJECT:
                    await s.set_object_live(rid, True)
                back.append(restored)
            await s.restore_deleted_edges(op)
            for restored in back:  # after the edges are back, so the events know their place
                await emit(s, actor, "resource.restored", restored, operation=op)
            out = await load(s, resource_id)
        return out

    # -- permissions ----------------------------------------------------------------------------
    async def permissions(self, actor: Actor, resource_id: str) -> list[Permission]:
        async with self.meta.read() as s:
            res = await load(s, resource_id)
            await perms.require(s, actor, res, Level.ADMIN)
            return await s.permissions_on(resource_id)

    async def grant(self, actor: Actor, resource_id: str, body: PermissionGrant) -> Permission:
        async with self.meta.write() as s:
            res = await load(s, resource_id)
            acc = await perms.require(s, actor, res, Level.ADMIN)
            target = await s.get_user(body.user_id)
            if target is None:
                raise UserNotFound(f"No user with id {body.user_id!r}")
            level = Level[body.level.value]
            if level > acc.level:
                raise PermissionDenied(f"You cannot grant more than you hold ({acc.level.name})")
            if target.id == actor.user_id and level < acc.level and not actor.is_admin:
                others = [
                    p
                    for p in await s.permissions_on(resource_id)
                    if p.level == PermissionLevel.ADMIN and p.user_id != actor.user_id
                ]
                if res.kind == Kind.PROJECT and not others:
                    raise Conflict(
                        "You are the last admin of this project; grant ADMIN to someone else first"
                    )
            perm = Permission(
                user_id=target.id,
                resource_id=resource_id,
                level=body.level,
                granted_by=actor.user_id,
                granted_at=now(),
            )
            await s.set_permission(perm)
            await emit(
                s, actor, "permission.changed", res, user_id=target.id, level=body.level.value
            )
        return perm
