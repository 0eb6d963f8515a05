"""Use-cases on object data: immutable revisions written blob-first, reads by path or version."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aos_fs.models import (
    CollectionCreate,
    DatasetCreate,
    Hashes,
    KeyValue,
    KeyValueVariant,
    Kind,
    ObjectCreate,
    ObjectVersion,
    Relation,
    RelationType,
    Resource,
    Status,
)

from ..backends.blobs.inline import INLINE_PREFIX
from ..backends.metadata.base import MetadataSession, MetadataStore
from ..domain.ids import new_id
from ..domain.permissions import Actor, Level
from ..errors import (
    InvalidInput,
    ObjectNotFound,
    VersionNotFound,
)
from . import frozen, quotas, rules
from . import permissions as perms

if TYPE_CHECKING:
    from ..backends.blobs.base import BlobStore, StagedBlob, Verify
    from ..settings import Settings
    from .endpoints import Placement
from .common import check_name, emit, load, now
from .resources import ResourceService, public_view, resolve_chain
from .write_plan import WriteCondition, WritePlan, plan_write, retry_name_races

# Smaller blobs are not deduplicated (their metadata outweighs them; small PUTs stay fast).
DEDUP_MIN_SIZE = 64 * 1024


@dataclass(frozen=True)
class StoredObject:
    resource: Resource
    version: ObjectVersion
    blob_key: str | None


class ObjectService:
    def __init__(
        self,
        meta: MetadataStore,
        blobs: BlobStore,
        resources: ResourceService,
        *,
        compress: bool = False,
        encrypt: bool = False,
        inline_max: int = 0,
    ) -> None:
        self.meta = meta
        self.blobs = blobs
        self.resources = resources
        self.compress = compress
        self.encrypt = encrypt
        # Objects up to this size keep their bytes in the metadata store (`InlineBlobStore`).
        self.inline_max = 0 if compress or encrypt else inline_max
        # Set when this process is a data endpoint that records where revisions are (replicas).
        self.placement: Placement | None = None

    @classmethod
    def configured(
        cls, meta: MetadataStore, blobs: BlobStore, resources: ResourceService, settings: Settings
    ) -> ObjectService:
        """The service as the settings ask for it (sealing, inline bytes of small objects)."""
        return cls(
            meta,
            blobs,
            resources,
            compress=settings.compress,
            encrypt=settings.encrypt,
            inline_max=settings.inline_max,
        )

    async def check_write(
        self,
        actor: Actor,
        project: str,
        key: str,
        condition: WriteCondition | None = None,
        *,
        content_type: str = "",
        size_hint: int | None = None,
    ) -> WritePlan:
        """Check, before any byte is read, that `actor` may write `project/key` (and that the
        condition holds now; it is checked again when the revision is committed)."""
        async with self.meta.read() as s:
            plan = await plan_write(s, project, key)
            await self._require_write(s, actor, plan)
            size = -1 if size_hint is None else size_hint
            await self._govern(
                s, actor, plan, key, size=size, content_type=content_type, early=True
            )
        if condition is not None:
            condition.check(plan)
        return plan

    async def _require_write(self, s: MetadataSession, actor: Actor, plan: WritePlan) -> None:
        if plan.existing is not None:
            await perms.require(s, actor, plan.existing, Level.WRITE)
        else:
            await perms.require(s, actor, plan.parent, Level.APPEND)
            for kind, name in plan.create:
                check_name(kind, name)
            check_name(Kind.OBJECT, plan.object_name)
        # Read-only state is on the labels of the project and of every snapshot resource, so
        # the resources the plan already holds tell it without another query.
        for res in (plan.project, plan.parent, plan.existing):
            if res is not None:
                frozen.refuse_if_frozen(res, f"{plan.project.name}/{plan.object_name}")

    async def _govern(
        self,
        s: MetadataSession,
        actor: Actor,
        plan: WritePlan,
        key: str,
        *,
        size: int,
        content_type: str,
        early: bool,
    ) -> None:
        """Rules and quotas before the bytes are read (`early`; `size` is the declared length,
        or -1) and again at commit, with the size read."""
        facts = rules.WriteFacts(
            operation="upload",
            kind=Kind.OBJECT,
            name=plan.object_name,
            key=key,
            project=plan.project.name,
            data_class=(plan.existing or plan.parent).data_class.value,
            user=actor.user_id or "",
            size=size,
            content_type=content_type,
        )
        await rules.enforce(s, plan.project, plan.parent, facts)
        if early:  # refuse before reading a byte when the declared size cannot fit
            owner = plan.existing.created_by if plan.existing else actor.user_id
            await quotas.check_room(
                s,
                (plan.project.id, plan.project.name),
                owner,
                add_bytes=max(size, 0),
                add_objects=0 if plan.existing else 1,
            )

    async def store_staged(self, staged: StagedBlob, project_id: str) -> tuple[str, bool]:
        """Commit `staged` under a new key, or reuse a stored blob with the same content.

        Returns the key and whether it is new (only a new blob may be deleted on failure).
        Blobs under `DEDUP_MIN_SIZE` are always written anew: a lookup costs more than they
        weigh.
        Deduplication is per endpoint and keyed by the SHA-256 of the plaintext and the size.
        With encryption at rest, only sealed blobs of the same project are reused, so a plain
        copy never stands in for an encrypted one and no data key is shared across projects.
        """
        try:
            if staged.size >= DEDUP_MIN_SIZE:
                async with self.meta.read() as s:
                    found = await s.find_blob(
                        staged.sha256,
                        staged.size,
                        sealed=self.encrypt,
                        project_id=project_id if self.encrypt else None,
                    )
                if found is not None and await self.blobs.exists(found):
                    await staged.discard()
                    return found, False
            blob_key = new_id()
            await staged.commit(blob_key)
        except BaseException:
            await staged.discard()
            raise
        return blob_key, True

    async def put(
        self,
        actor: Actor,
        project: str,
        key: str,
        body: AsyncIterator[bytes],
        *,
        content_type: str = "application/octet-stream",
        metadata: Mapping[str, str] | None = None,
        checksums: Mapping[str, str] | None = None,
        etag: str | None = None,
        tags: dict[str, str] | None = None,
        verify: Verify | None = None,
        condition: WriteCondition | None = None,
        size_hint: int | None = None,
    ) -> StoredObject:
        """Store a new revision of `project/key`.

        `size_hint` is the length the client declared, so that rules and quotas can refuse
        before any byte is read (the bytes read decide at commit).
        Blob first, metadata second: the bytes are staged and committed under a fresh blob key,
        and only then does the revision become visible. Any failure before that leaves nothing.
        """
        plan: WritePlan | None = None
        if size_hint is None or size_hint > self.inline_max:
            plan = await self.check_write(
                actor, project, key, condition, content_type=content_type, size_hint=size_hint
            )
        # A body small enough to keep inline is read before the checks: the commit runs them
        # all in its transaction, and a refused one has written nothing anywhere.
        staged = await self.blobs.stage(
            body, compress=self.compress, encrypt=self.encrypt, verify=verify
        )
        inline = staged.held() if 0 < staged.size <= self.inline_max else None
        if inline is not None:
            # Committed with the revision, in the same transaction: nothing to undo on failure.
            await staged.discard()
            blob_key, fresh = INLINE_PREFIX + new_id(), False
        else:
            if plan is None:  # a file after all: checked before it is written
                try:
                    plan = await self.check_write(
                        actor,
                        project,
                        key,
                        condition,
                        content_type=content_type,
                        size_hint=staged.size,
                    )
                except BaseException:
                    await staged.discard()
                    raise
            blob_key, fresh = await self.store_staged(staged, plan.project.id)
        try:
            return await self.commit_revision(
                actor,
                project,
                key,
                blob_key=blob_key,
                size=staged.size,
                hashes=Hashes(
                    md5=staged.md5, sha256=staged.sha256, checksums=dict(checksums or {})
                ),
                etag=etag or staged.md5,
                content_type=content_type,
                metadata=dict(metadata or {}),
                tags=tags,
                condition=condition,
                new_blob=fresh,
                inline=inline,
            )
        except Exception:
            if fresh:  # SECURITY: a reused blob belongs to other revisions too
                await self.blobs.delete(blob_key)
            raise
        # On cancellation the blob stays: the commit may have gone through (commits are not
        # cancellable); if it did not, the sweeper removes the unreferenced blob later.

    @retry_name_races
    async def commit_revision(
        self,
        actor: Actor,
        project: str,
        key: str,
        *,
        blob_key: str | None,
        size: int,
        hashes: Hashes,
        etag: str,
        content_type: str,
        metadata: dict[str, str],
        tags: dict[str, str] | None = None,
        origin_id: str | None = None,
        parts: list[int] | None = None,
        condition: WriteCondition | None = None,
        new_blob: bool = False,
        inline: bytes | None = None,
    ) -> StoredObject:
        """Make committed blob `blob_key` the next revision of `project/key` (checked again).

        `new_blob`: the blob was written for this revision, so it is registered by content for
        deduplication (blobs shared by copies or written before are not registered again).
        `inline`: the bytes of a small object, stored under `blob_key` in this same transaction.
        """
        async with self.meta.write() as s:
            plan = await plan_write(s, project, key)
            await self._require_write(s, actor, plan)
            if condition is not None:
                condition.check(plan)  # atomic: inside the transaction that commits
            await self._govern(
                s, actor, plan, key, size=size, content_type=content_type, early=False
            )
            parent = plan.parent
            for kind, name in plan.create:
                body = (CollectionCreate if kind == Kind.COLLECTION else DatasetCreate)(
                    name=name, parent_id=parent.id
                )
                parent = await self.resources._insert(s, actor, kind, body, parent)
            obj = plan.existing
            if obj is None:
                obj = await self.resources._insert(
                    s,
                    actor,
                    Kind.OBJECT,
                    ObjectCreate(
                        name=plan.object_name, parent_id=parent.id, content_type=content_type
                    ),
                    parent,
                )
            ts = now()
            version = ObjectVersion(
                id=new_id(),
                object_id=obj.id,
                revision=(obj.revision or 0) + 1,
                size=size,
                content_type=content_type,
                hashes=hashes,
                etag=etag,
                status=Status.AVAILABLE,
                metadata=metadata,
                parts=parts or [],
                created_by=actor.user_id,
                created_at=ts,
            )
            if inline is not None and blob_key is not None:
                await s.put_inline_blob(blob_key, inline)
            await s.insert_version(version, blob_key)
            await quotas.charge(
                s,
                object_id=obj.id,
                project=(plan.project.id, plan.project.name),
                user_id=obj.created_by,
                size=size,
                new_object=plan.existing is None or not plan.existing.revision,
            )
            if new_blob and blob_key is not None and hashes.sha256 and size >= DEDUP_MIN_SIZE:
                await s.register_blob(
                    blob_key,
                    hashes.sha256,
                    size,
                    sealed=self.encrypt,
                    project_id=plan.project.id,
                    when=ts,
                )
            if self.placement is not None and blob_key is not None:
                await self.placement.placed(s, plan.project, key, version, blob_key)
            obj = obj.model_copy(
                update={
                    "revision": version.revision,
                    "version_id": version.id,
                    "size": size,
                    "content_type": content_type,
                    "hashes": hashes,
                    "etag": etag,
                    "status": Status.AVAILABLE,
                    "key_values": self._merge_tags(obj.key_values, tags),
                    "updated_at": ts,
                }
            )
            await s.update_resource(obj)
            if origin_id is not None and origin_id != obj.id:
                rel = Relation(origin_id=obj.id, target_id=origin_id, type=RelationType.ORIGIN)
                if rel not in await s.relations_of(obj.id):
                    await s.add_relation(rel)
            await emit(
                s,
                actor,
                "object.available",
                obj,
                revision=version.revision,
                version_id=version.id,
                size=size,
            )
        return StoredObject(public_view(obj), version, blob_key)

    @staticmethod
    def _merge_tags(kvs: list[KeyValue], tags: dict[str, str] | None) -> list[KeyValue]:
        """Object tags are the object's LABEL key-values; a write with tags replaces them."""
        if tags is None:
            return kvs
        kept = [kv for kv in kvs if kv.variant != KeyValueVariant.LABEL]
        return kept + [KeyValue(key=k, value=v) for k, v in tags.items()]

    async def set_tags(self, actor: Actor, object_id: str, tags: dict[str, str]) -> Resource:
        async with self.meta.write() as s:
            obj = await load(s, object_id)
            await perms.require(s, actor, obj, Level.WRITE)
            await frozen.require_writable(s, obj)
            obj = obj.model_copy(
                update={"key_values": self._merge_tags(obj.key_values, tags), "updated_at": now()}
            )
            await s.update_resource(obj)
            await emit(
                s,
                actor,
                "resource.key_values_changed",
                obj,
                tags=sorted(tags),
                added=[KeyValue(key=k, value=v).model_dump(mode="json") for k, v in tags.items()],
            )
        return public_view(obj)

    async def copy(
        self,
        actor: Actor,
        source: StoredObject,
        project: str,
        key: str,
        *,
        metadata: dict[str, str] | None,
        content_type: str | None,
        tags: dict[str, str] | None,
    ) -> StoredObject:
        """Server-side copy: a new revision that shares the source's immutable blob."""
        return await self.commit_revision(
            actor,
            project,
            key,
            blob_key=source.blob_key,
            size=source.version.size,
            hashes=source.version.hashes,
            etag=source.version.etag,
            content_type=content_type or source.version.content_type,
            metadata=source.version.metadata if metadata is None else metadata,
            tags=tags,
            origin_id=source.resource.id,
        )

    # -- reading --------------------------------------------------------------------------------
    async def versions(self, actor: Actor, object_id: str) -> list[ObjectVersion]:
        async with self.meta.read() as s:
            obj = await load(s, object_id)
            if obj.kind != Kind.OBJECT:
                raise InvalidInput(
                    f"{obj.name!r} is a {obj.kind.value.lower()}; only objects have versions"
                )
            await perms.require(s, actor, obj, Level.READ)
            return await s.list_versions(object_id)

    async def version(self, actor: Actor, object_id: str, revision: int) -> ObjectVersion:
        async with self.meta.read() as s:
            obj = await load(s, object_id)
            await perms.require(s, actor, obj, Level.READ)
            version = await s.get_version(object_id, revision)
        if version is None:
            raise VersionNotFound(
                f"{obj.name!r} has no revision {revision} (latest: {obj.revision or 0})"
            )
        return version

    async def version_by_id(self, actor: Actor, version_id: str) -> ObjectVersion:
        async with self.meta.read() as s:
            version = await s.get_version_by_id(version_id)
            if version is None:
                raise VersionNotFound(f"No object version with id {version_id!r}")
            obj = await load(s, version.object_id)
            await perms.require(s, actor, obj, Level.READ)
        return version

    async def locate(self, actor: Actor, project: str, key: str) -> Resource:
        """The object at `project/key` if the actor may see it; `ObjectNotFound` otherwise."""
        async with self.meta.read() as s:
            chain = await resolve_chain(s, [project, *key.split("/")])
            obj = chain[-1]
            acc = await perms.access(s, actor, obj)
        if obj.kind != Kind.OBJECT or not acc.visible:
            raise ObjectNotFound(f"No object at {project}/{key}")
        return obj

    async def open(
        self,
        actor: Actor,
        project: str,
        key: str,
        *,
        version_id: str | None = None,
        revision: int | None = None,
    ) -> StoredObject:
        """Find the bytes of `project/key` (latest, or a given revision) that `actor` may read."""
        async with self.meta.read() as s:
            chain = await resolve_chain(s, [project, *key.split("/")])
            obj = chain[-1]
            if obj.kind != Kind.OBJECT:
                raise ObjectNotFound(f"{key!r} is a {obj.kind.value.lower()}, not an object")
            await perms.require(s, actor, obj, Level.READ)
            if version_id is not None:
                version = await s.get_version_by_id(version_id)
                if version is None or version.object_id != obj.id:
                    raise VersionNotFound(f"{key!r} has no version {version_id!r}")
                blob_key = await s.blob_key(version.id)
            else:
                rev = revision if revision is not None else obj.revision or 0
                found = await s.get_version_with_blob(obj.id, rev) if rev else None
                if found is None:
                    raise ObjectNotFound(
                        f"{key!r} has no data yet (status {obj.status.value})"
                        if rev == 0
                        else f"{key!r} has no revision {rev}"
                    )
                version, blob_key = found
        return StoredObject(public_view(obj), version, blob_key)
