"""Archives, snapshots and clones: read-only projects and copies that share their blobs.

- **Archive** a project: a reserved static label makes it and everything below it read-only.
- **Snapshot** a collection or dataset: a copy of its current tree beside it (the latest
  revision of each object, pointing at the same blobs), linked original ← snapshot by a
  VERSION relation and labelled read-only, so it stays as it was while the original changes.
- **Clone** a resource into another parent: the same copy, writable, linked by ORIGIN.

No bytes are copied: a copied revision names the blob of its source. Blobs are removed only by
the sweeper, and only when no revision references them, so deleting either copy keeps the bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from aos_fs.models import (
    CollectionCreate,
    DatasetCreate,
    KeyValue,
    Kind,
    ObjectCreate,
    Relation,
    RelationType,
    Resource,
    Status,
)

from ..domain.ids import new_id
from ..domain.permissions import Actor, Level
from ..errors import AlreadyExists, Conflict, InvalidInput, PermissionDenied
from . import frozen, quotas, rules
from . import permissions as perms
from .common import check_name, check_parent, emit, load, now
from .resources import public_view

if TYPE_CHECKING:
    from ..backends.metadata.base import MetadataSession, MetadataStore
    from .resources import ResourceService

PAGE = 500


class LifecycleService:
    def __init__(self, meta: MetadataStore, resources: ResourceService) -> None:
        self.meta = meta
        self.resources = resources

    # -- archive --------------------------------------------------------------------------------
    async def archive(self, actor: Actor, project_id: str) -> Resource:
        """Make a project read-only (its admins may do this; only global admins undo it)."""
        async with self.meta.write() as s:
            project = await self._project(s, project_id)
            await perms.require(s, actor, project, Level.ADMIN)
            if frozen.is_archived(project):
                raise Conflict(f"Project {project.name!r} is archived already")
            stamp = now().strftime("%Y-%m-%dT%H:%M:%SZ")
            updated = project.model_copy(
                update={
                    "key_values": [*project.key_values, frozen.label(frozen.ARCHIVED, stamp)],
                    "updated_at": now(),
                }
            )
            await s.update_resource(updated)
            await emit(s, actor, "resource.updated", updated, fields=["archived"])
        return public_view(updated)

    async def unarchive(self, actor: Actor, project_id: str) -> Resource:
        if not actor.global_admin:
            raise PermissionDenied("Only global admins can lift the archive of a project")
        async with self.meta.write() as s:
            project = await self._project(s, project_id)
            if not frozen.is_archived(project):
                raise Conflict(f"Project {project.name!r} is not archived")
            kept = [kv for kv in project.key_values if kv.key != frozen.ARCHIVED]
            updated = project.model_copy(update={"key_values": kept, "updated_at": now()})
            await s.update_resource(updated)
            await emit(s, actor, "resource.updated", updated, fields=["archived"])
        return public_view(updated)

    @staticmethod
    async def _project(s: MetadataSession, project_id: str) -> Resource:
        project = await load(s, project_id)
        if project.kind != Kind.PROJECT:
            raise InvalidInput("Only projects are archived; pass the id of a project")
        if project.status == Status.DELETED:
            raise Conflict(f"Project {project.name!r} is deleted")
        return project

    # -- snapshot -------------------------------------------------------------------------------
    async def snapshot(self, actor: Actor, resource_id: str, name: str | None = None) -> Resource:
        """Freeze the current tree of a collection or dataset as a read-only sibling."""
        async with self.meta.write() as s:
            src = await load(s, resource_id)
            if src.kind not in (Kind.COLLECTION, Kind.DATASET):
                raise InvalidInput(
                    "Snapshots are taken of collections and datasets (objects keep every "
                    "revision already)"
                )
            if src.status == Status.DELETED:
                raise Conflict(f"{src.name!r} is deleted; restore it first")
            await perms.require(s, actor, src, Level.WRITE)
            parent_ids = await s.parent_ids(src.id)
            parent = await load(s, parent_ids[0])
            await perms.require(s, actor, parent, Level.APPEND)
            await frozen.require_writable(s, parent)
            stamp = now()
            name = name or f"{src.name}.snapshot-{stamp.strftime('%Y%m%dT%H%M%S')}"
            extra = [frozen.label(frozen.SNAPSHOT_OF, src.id)]
            copier = _Copier(self.resources, s, actor, extra=extra, operation=None)
            snap = await copier.copy(src, parent, name)
            await s.add_relation(
                Relation(origin_id=snap.id, target_id=src.id, type=RelationType.VERSION)
            )
        return public_view(snap)

    # -- clone ----------------------------------------------------------------------------------
    async def clone(
        self, actor: Actor, resource_id: str, parent_id: str, name: str | None = None
    ) -> Resource:
        """Copy a collection, dataset or object (its latest revisions) into another parent."""
        async with self.meta.write() as s:
            src = await load(s, resource_id)
            if src.kind == Kind.PROJECT:
                raise InvalidInput("Projects cannot be cloned; clone their collections instead")
            if src.status == Status.DELETED:
                raise Conflict(f"{src.name!r} is deleted; restore it first")
            await perms.require(s, actor, src, Level.READ)
            parent = await load(s, parent_id)
            check_parent(parent, src.kind)
            await perms.require(s, actor, parent, Level.APPEND)
            await frozen.require_writable(s, parent)
            copier = _Copier(self.resources, s, actor, extra=[], operation="clone")
            copy = await copier.copy(src, parent, name or src.name)
        return public_view(copy)


class _Copier:
    """Copies a tree inside one transaction: containers anew, objects sharing their blobs."""

    def __init__(
        self,
        resources: ResourceService,
        s: MetadataSession,
        actor: Actor,
        *,
        extra: list[KeyValue],
        operation: str | None,
    ) -> None:
        self.resources = resources
        self.s = s
        self.actor = actor
        self.extra = extra
        self.operation = operation  # rules are checked for clones; a snapshot copies as it is
        self.project: Resource | None = None

    async def copy(self, src: Resource, parent: Resource, name: str, key: str = "") -> Resource:
        s = self.s
        check_name(src.kind, name)
        if await s.get_child(parent.id, name) is not None:
            raise AlreadyExists(
                f"{parent.name!r} already holds a resource named {name!r}; choose another name"
            )
        if self.project is None:
            self.project = await rules.project_of(s, parent)
        key = f"{key}/{name}" if key else name
        if src.kind == Kind.OBJECT:
            return await self._copy_object(src, parent, name, key)
        kvs = [kv for kv in src.key_values if not kv.key.startswith(frozen.RESERVED_PREFIX)]
        fields = self._fields(src, kvs)
        body = (CollectionCreate if src.kind == Kind.COLLECTION else DatasetCreate)(
            name=name, parent_id=parent.id, **fields
        )
        new = await self.resources._insert(s, self.actor, src.kind, body, parent)
        after: tuple[object, str] | None = None
        while True:
            batch = await s.list_children(src.id, after=after, limit=PAGE)
            for child in batch:
                await self.copy(child, new, child.name, key)
            if len(batch) < PAGE:
                break
            after = (batch[-1].name, batch[-1].id)
        return new

    def _fields(self, src: Resource, kvs: list[KeyValue]) -> dict[str, object]:
        return {
            "title": src.title,
            "description": src.description,
            "key_values": [*kvs, *self.extra],
            "authors": src.authors,
            "external_relations": src.external_relations,
            "metadata_license": src.metadata_license,
            "data_license": src.data_license,
            "data_class": src.data_class,
        }

    async def _copy_object(self, src: Resource, parent: Resource, name: str, key: str) -> Resource:
        s = self.s
        project = self.project
        if project is not None and self.operation is not None:
            await rules.enforce(
                s,
                project,
                parent,
                rules.WriteFacts(
                    operation=self.operation,
                    kind=Kind.OBJECT,
                    name=name,
                    key=key,
                    project=project.name,
                    data_class=src.data_class.value,
                    user=self.actor.user_id or "",
                    size=src.size or 0,
                    content_type=src.content_type or "",
                ),
            )
        kvs = [kv for kv in src.key_values if not kv.key.startswith(frozen.RESERVED_PREFIX)]
        body = ObjectCreate(
            name=name,
            parent_id=parent.id,
            content_type=src.content_type or "application/octet-stream",
            **self._fields(src, kvs),
        )
        obj = await self.resources._insert(s, self.actor, Kind.OBJECT, body, parent)
        found = await s.get_version_with_blob(src.id, src.revision) if src.revision else None
        if found is not None:
            version, blob_key = found
            ts: datetime = now()
            copied = version.model_copy(
                update={
                    "id": new_id(),
                    "object_id": obj.id,
                    "revision": 1,
                    "created_by": self.actor.user_id,
                    "created_at": ts,
                }
            )
            await s.insert_version(copied, blob_key)
            if project is not None:
                await quotas.charge(
                    s,
                    object_id=obj.id,
                    project=(project.id, project.name),
                    user_id=obj.created_by,
                    size=copied.size,
                    new_object=True,
                )
            obj = obj.model_copy(
                update={
                    "revision": 1,
                    "version_id": copied.id,
                    "size": copied.size,
                    "content_type": copied.content_type,
                    "hashes": copied.hashes,
                    "etag": copied.etag,
                    "status": Status.AVAILABLE,
                    "updated_at": ts,
                }
            )
            await s.update_resource(obj)
            if self.operation is not None:
                await emit(
                    s,
                    self.actor,
                    "object.available",
                    obj,
                    revision=1,
                    version_id=copied.id,
                    size=copied.size,
                )
        await s.add_relation(Relation(origin_id=obj.id, target_id=src.id, type=RelationType.ORIGIN))
        return obj
