"""Use-cases on resources: create, read, update, key-values, listing, path resolution."""

from __future__ import annotations

from typing import Any

from aos_fs.models import (
    CollectionCreate,
    DataClass,
    DatasetCreate,
    ExternalRelationChange,
    KeyValue,
    KeyValueChange,
    KeyValueVariant,
    Kind,
    ObjectCreate,
    Page,
    Permission,
    PermissionLevel,
    ProjectCreate,
    Relation,
    RelationType,
    Resource,
    ResourceUpdate,
    Status,
)

from ..backends.metadata.base import MetadataSession, MetadataStore, SortKey
from ..domain.ids import new_id
from ..domain.permissions import Actor, Level
from ..errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ProjectNotFound,
    Unauthenticated,
)
from . import frozen, rules
from . import permissions as perms
from .common import (
    check_name,
    check_parent,
    decode_cursor,
    emit,
    encode_cursor,
    load,
    now,
)

DEFAULT_LICENSE = "AllRightsReserved"
PRIVATE_KEY_PREFIXES = ("private.", "app.aos.private.")
CreateBody = ProjectCreate | CollectionCreate | DatasetCreate | ObjectCreate


def public_view(res: Resource) -> Resource:
    """Drop keys under the reserved private prefixes from any view that leaves the service."""
    if not any(kv.key.startswith(PRIVATE_KEY_PREFIXES) for kv in res.key_values):
        return res
    kept = [kv for kv in res.key_values if not kv.key.startswith(PRIVATE_KEY_PREFIXES)]
    return res.model_copy(update={"key_values": kept})


class ResourceService:
    def __init__(self, meta: MetadataStore) -> None:
        self.meta = meta

    # -- creation -------------------------------------------------------------------------------
    async def create(self, actor: Actor, kind: Kind, body: CreateBody) -> Resource:
        if actor.anonymous:
            raise Unauthenticated("Sign in to create resources: send `Authorization: Bearer …`")
        check_name(kind, body.name)
        self._check_key_values(actor, body.key_values, adding=True)
        async with self.meta.write() as s:
            parent: Resource | None = None
            if kind == Kind.PROJECT:
                if actor.scope_id is not None:
                    raise PermissionDenied(
                        "A token scoped to one resource cannot create projects; "
                        "use a personal token"
                    )
                data_class = (body.data_class or DataClass.PRIVATE).value
                await rules.enforce_create(s, actor, kind, body.name, data_class, None)
            else:
                assert not isinstance(body, ProjectCreate)  # noqa: S101 - kind matches body
                parent = await load(s, body.parent_id)
                if parent.status == Status.DELETED:
                    raise Conflict(f"The parent {parent.name!r} is deleted; restore it first")
                check_parent(parent, kind)
                await perms.require(s, actor, parent, Level.APPEND)
                await frozen.require_writable(s, parent)
                data_class = (body.data_class or parent.data_class).value
                await rules.enforce_create(s, actor, kind, body.name, data_class, parent)
            res = await self._insert(s, actor, kind, body, parent)
        return public_view(res)

    async def _insert(
        self,
        s: MetadataSession,
        actor: Actor,
        kind: Kind,
        body: CreateBody,
        parent: Resource | None,
        *,
        status: Status | None = None,
    ) -> Resource:
        """Insert a resource below `parent` (permission already checked) and log the event."""
        licenses = await self._licenses(s, body, parent)
        data_class = body.data_class or (parent.data_class if parent else DataClass.PRIVATE)
        ts = now()
        extra: dict[str, Any] = {}
        if kind == Kind.OBJECT:
            assert isinstance(body, ObjectCreate)  # noqa: S101
            extra = {"revision": 0, "content_type": body.content_type, "size": 0}
        res = Resource(
            id=new_id(),
            kind=kind,
            name=body.name,
            title=body.title,
            description=body.description,
            key_values=body.key_values,
            authors=body.authors,
            external_relations=body.external_relations,
            metadata_license=licenses[0],
            data_license=licenses[1],
            data_class=data_class,
            status=status or (Status.INITIALIZING if kind == Kind.OBJECT else Status.AVAILABLE),
            created_by=actor.user_id,
            created_at=ts,
            updated_at=ts,
            **extra,
        )
        await s.insert_resource(res)
        if parent is not None:
            await s.add_relation(
                Relation(origin_id=parent.id, target_id=res.id, type=RelationType.BELONGS_TO),
                child_name=res.name,
            )
        elif actor.user_id is not None:
            # The creator of a project administers it.
            await s.set_permission(
                Permission(
                    user_id=actor.user_id,
                    resource_id=res.id,
                    level=PermissionLevel.ADMIN,
                    granted_by=actor.user_id,
                    granted_at=ts,
                )
            )
        await emit(
            s,
            actor,
            "resource.created",
            res,
            above=[parent.id, *await s.ancestor_ids(parent.id)] if parent else [],
            parent_id=parent.id if parent else None,
            key_values=[kv.model_dump(mode="json") for kv in res.key_values],
        )
        return res

    async def _licenses(
        self, s: MetadataSession, body: CreateBody, parent: Resource | None
    ) -> tuple[str, str]:
        meta = body.metadata_license or (parent.metadata_license if parent else DEFAULT_LICENSE)
        data = body.data_license or (parent.data_license if parent else DEFAULT_LICENSE)
        # Inherited licenses were checked when the parent was made (licenses are never removed);
        # only the ones this request names need a lookup.
        for tag in {t for t in (body.metadata_license, body.data_license) if t}:
            if await s.get_license(tag) is None:
                raise InvalidInput(
                    f"Unknown license {tag!r}; list the known ones with GET /api/v2/licenses "
                    "(admins can add more)",
                    field="license",
                )
        return meta, data

    # -- reading --------------------------------------------------------------------------------
    async def get(self, actor: Actor, resource_id: str, *, with_stats: bool = False) -> Resource:
        async with self.meta.read() as s:
            res = await load(s, resource_id)
            acc = await perms.access(s, actor, res)
            if not acc.visible:
                raise perms.deny(actor, res, Level.READ, acc.level)
            if acc.level < Level.READ:
                return perms.redact(public_view(res))
            if with_stats and res.kind != Kind.OBJECT:
                res = res.model_copy(update={"stats": await s.stats(res.id)})
        return public_view(res)

    async def list_projects(
        self, actor: Actor, *, cursor: str | None, limit: int, prefix: str | None = None
    ) -> Page[Resource]:
        after = decode_cursor(cursor)[0] if cursor else None
        items: list[Resource] = []
        async with self.meta.read() as s:
            last: str | None = after
            while len(items) < limit:
                batch = await s.list_projects(after=last, limit=max(limit, 100), prefix=prefix)
                for res in batch:
                    view = await self._visible_view(s, actor, res)
                    if view is not None:
                        items.append(view)
                        if len(items) == limit:
                            break
                    last = res.name
                if len(batch) < max(limit, 100):
                    last = None if len(items) < limit else last
                    break
        next_cursor = (
            encode_cursor(items[-1].name, items[-1].id) if len(items) == limit and last else None
        )
        return Page[Resource](items=items, next_cursor=next_cursor)

    async def _visible_view(
        self, s: MetadataSession, actor: Actor, res: Resource
    ) -> Resource | None:
        acc = await perms.access(s, actor, res)
        if acc.level >= Level.READ:
            return public_view(res)
        if acc.redacted_view:
            return perms.redact(public_view(res))
        return None

    async def children(
        self,
        actor: Actor,
        parent_id: str,
        *,
        cursor: str | None = None,
        limit: int = 100,
        sort: SortKey = "name",
        descending: bool = False,
        prefix: str | None = None,
    ) -> Page[Resource]:
        after = decode_cursor(cursor) if cursor else None
        async with self.meta.read() as s:
            parent = await load(s, parent_id)
            acc = await perms.access(s, actor, parent)
            if not acc.visible:
                raise perms.deny(actor, parent, Level.READ, acc.level)
            rows = await s.list_children(
                parent_id,
                sort=sort,
                descending=descending,
                after=after,
                limit=limit,
                prefix=prefix,
            )
            if acc.level >= Level.READ:
                items = [public_view(r) for r in rows]  # READ on the parent is inherited
            else:
                items = [v for r in rows if (v := await self._visible_view(s, actor, r))]
        next_cursor = None
        if len(rows) == limit:
            last = rows[-1]
            value: Any = {
                "name": last.name,
                "created_at": last.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "updated_at": last.updated_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "size": last.size or 0,
            }[sort]
            next_cursor = encode_cursor(value, last.id)
        return Page[Resource](items=items, next_cursor=next_cursor)

    async def resolve(self, actor: Actor, path: str) -> list[Resource]:
        """Resolve `project/…` to the chain of resources along it (project first)."""
        segments = [p for p in path.strip("/").split("/") if p]
        if not segments:
            raise InvalidInput("The path is empty; use project[/collection[/dataset]][/object]")
        async with self.meta.read() as s:
            chain = await resolve_chain(s, segments)
            target = chain[-1]
            acc = await perms.access(s, actor, target)
            if not acc.visible:
                raise perms.deny(actor, target, Level.READ, acc.level)
            views = []
            for res in chain:
                view = await self._visible_view(s, actor, res)
                views.append(view or perms.redact(public_view(res)))
        return views

    # -- updating -------------------------------------------------------------------------------
    async def update(self, actor: Actor, resource_id: str, body: ResourceUpdate) -> Resource:
        # The fields as validated models (authors stay Author objects): copying plain dicts
        # into the resource would bypass validation and warn when it is serialised.
        changes = {name: getattr(body, name) for name in body.model_fields_set}
        async with self.meta.write() as s:
            res = await load(s, resource_id)
            self._check_live(res)
            await perms.require(s, actor, res, Level.WRITE)
            await frozen.require_writable(s, res)
            if {"name", "data_class"} & changes.keys():
                await rules.enforce_create(
                    s,
                    actor,
                    res.kind,
                    changes.get("name", res.name),
                    changes.get("data_class", res.data_class).value,
                    res,
                    operation="update",
                )
            if "name" in changes and changes["name"] != res.name:
                check_name(res.kind, changes["name"])
                if res.kind == Kind.PROJECT:
                    raise InvalidInput("Projects cannot be renamed: the name is the S3 bucket")
                await s.rename_child_edges(res.id, changes["name"])
            if body.data_class is not None and not perms.can_relax(res.data_class, body.data_class):
                raise InvalidInput(
                    f"The data class can only be relaxed toward PUBLIC: {res.data_class.value} "
                    f"→ {changes['data_class'].value} is refused; copy the data into a new, more "
                    "restricted resource instead",
                    field="data_class",
                )
            for key in ("metadata_license", "data_license"):
                if key in changes and await s.get_license(changes[key]) is None:
                    raise InvalidInput(f"Unknown license {changes[key]!r}", field=key)
            updated = res.model_copy(update={**changes, "updated_at": now()})
            updated = Resource.model_validate(updated.model_dump())
            await s.update_resource(updated)
            await emit(s, actor, "resource.updated", updated, fields=sorted(changes))
        return public_view(updated)

    async def change_key_values(
        self, actor: Actor, resource_id: str, change: KeyValueChange
    ) -> Resource:
        self._check_key_values(actor, change.add, adding=True)
        async with self.meta.write() as s:
            res = await load(s, resource_id)
            self._check_live(res)
            if actor.purpose == "hook":
                acc = await perms.require_hook_target(s, actor, res)
                if change.remove:
                    raise PermissionDenied(
                        "A hook callback token can add key-values, not remove them"
                    )
            else:
                acc = await perms.require(s, actor, res, Level.WRITE)
            await frozen.require_writable(s, res)
            frozen.check_reserved_keys(change.remove)
            kvs = list(res.key_values)
            for kv in change.remove:
                if kv not in kvs:
                    raise InvalidInput(
                        f"No key-value {kv.key}={kv.value!r} ({kv.variant.value}) to remove",
                        field="remove",
                    )
                if kv.variant == KeyValueVariant.STATIC_LABEL and acc.level < Level.ADMIN:
                    raise PermissionDenied(
                        f"Static label {kv.key!r} can only be removed by an admin of this resource"
                    )
                if (
                    kv.variant == KeyValueVariant.HOOK_STATUS
                    and actor.purpose != "hook"
                    and not actor.global_admin
                ):
                    raise PermissionDenied("HOOK_STATUS values are managed by hooks")
                kvs.remove(kv)
            for kv in change.add:
                if kv not in kvs:
                    kvs.append(kv)
            updated = res.model_copy(update={"key_values": kvs, "updated_at": now()})
            await s.update_resource(updated)
            await emit(
                s,
                actor,
                "resource.key_values_changed",
                updated,
                added=[kv.model_dump(mode="json") for kv in change.add],
                removed=[kv.model_dump(mode="json") for kv in change.remove],
            )
        return public_view(updated)

    async def change_external_relations(
        self, actor: Actor, resource_id: str, change: ExternalRelationChange
    ) -> Resource:
        async with self.meta.write() as s:
            res = await load(s, resource_id)
            self._check_live(res)
            await perms.require(s, actor, res, Level.WRITE)
            await frozen.require_writable(s, res)
            rels = [r for r in res.external_relations if r not in change.remove]
            rels += [r for r in change.add if r not in rels]
            updated = res.model_copy(update={"external_relations": rels, "updated_at": now()})
            await s.update_resource(updated)
            await emit(s, actor, "resource.updated", updated, fields=["external_relations"])
        return public_view(updated)

    @staticmethod
    def _check_key_values(actor: Actor, kvs: list[KeyValue], *, adding: bool) -> None:
        frozen.check_reserved_keys(kvs)
        for kv in kvs:
            if (
                kv.variant == KeyValueVariant.HOOK_STATUS
                and actor.purpose != "hook"
                and not actor.global_admin
            ):
                raise PermissionDenied(
                    f"{kv.key!r}: HOOK_STATUS values are written only by hook callbacks"
                )

    @staticmethod
    def _check_live(res: Resource) -> None:
        if res.status == Status.DELETED:
            raise Conflict(f"{res.kind.value.lower()} {res.name!r} is deleted; restore it first")


async def resolve_chain(s: MetadataSession, segments: list[str]) -> list[Resource]:
    """Follow DESIGN §3: containers by segment, then the rest as one object name.

    At each level an existing object whose name is the whole remaining key wins, so object names
    may contain '/'.
    """
    project = await s.get_project_by_name(segments[0])
    if project is None:
        raise ProjectNotFound(
            f"No project named {segments[0]!r}; list projects with GET /api/v2/projects",
            name=segments[0],
        )
    chain = [project]
    rest = segments[1:]
    while rest:
        here = chain[-1]
        found = await s.get_children_named(here.id, ["/".join(rest), rest[0]])
        whole = found.get("/".join(rest))
        if whole is not None:
            chain.append(whole)
            return chain
        child = found.get(rest[0])
        if child is None or child.kind == Kind.OBJECT:
            raise NotFound(
                f"Nothing at {'/'.join(segments)!r}: {here.kind.value.lower()} {here.name!r} "
                f"has no child {rest[0]!r}",
                path="/".join(segments),
            )
        chain.append(child)
        rest = rest[1:]
    return chain
