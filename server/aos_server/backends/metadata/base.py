"""The MetadataStore contract: every metadata backend (SQLite, PostgreSQL) implements it.

A store hands out sessions. `read()` gives a consistent snapshot; `write()` gives a transaction that
commits when the block exits normally and rolls back on any exception, cancellation included. Events
appended inside a write session commit atomically with the change they describe.

A write that breaks a constraint (`AlreadyExists`) may raise at its own call or later in the same
session, at latest when the block exits: stores may pipeline writes whose result nobody reads.
Either way the session fails and keeps nothing, so catch it around the session, not the call.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Literal

from aos_fs.models import (
    License,
    ObjectVersion,
    Permission,
    Relation,
    Resource,
    Stats,
    Token,
    User,
)

from .accounts import AccountsSession
from .governance import GovernanceSession
from .records import (
    BundleRecord,
    ConsumerRecord,
    DeliveryRecord,
    EventRecord,
    HookRecord,
    HookTokenRecord,
    PartRecord,
    S3CredentialRecord,
    SearchHit,
    SearchQuery,
    TokenRecord,
    UploadRecord,
)

__all__ = [
    "BundleRecord",
    "ConsumerRecord",
    "DeliveryRecord",
    "EventRecord",
    "HookRecord",
    "HookTokenRecord",
    "MetadataSession",
    "MetadataStore",
    "PartRecord",
    "S3CredentialRecord",
    "SearchHit",
    "SearchQuery",
    "SortKey",
    "TokenRecord",
    "UploadRecord",
]

SortKey = Literal["name", "created_at", "updated_at", "size"]


class MetadataSession(GovernanceSession, AccountsSession, ABC):
    """Operations inside one snapshot (read) or transaction (write)."""

    # -- resources ------------------------------------------------------------------------------
    @abstractmethod
    async def insert_resource(self, res: Resource) -> None:
        """Insert a new resource. Raises `AlreadyExists` for a second live project of one name."""

    @abstractmethod
    async def update_resource(self, res: Resource) -> None:
        """Overwrite the stored row of `res.id` with `res` (the service computes the new state)."""

    @abstractmethod
    async def get_resource(self, resource_id: str) -> Resource | None:
        """Return the resource, deleted ones included, or `None` when absent."""

    @abstractmethod
    async def get_resources(self, ids: Sequence[str]) -> list[Resource]:
        """Return the resources that exist among `ids`, in no particular order."""

    @abstractmethod
    async def get_project_by_name(self, name: str) -> Resource | None:
        """Return the live (not deleted) project called `name`, or `None`."""

    @abstractmethod
    async def list_projects(
        self, *, after: str | None, limit: int, prefix: str | None = None
    ) -> list[Resource]:
        """Live projects ordered by name, starting after the name `after` (and, with
        `prefix`, only names that start with it: a literal prefix, not a pattern)."""

    @abstractmethod
    async def get_child(self, parent_id: str, name: str) -> Resource | None:
        """Return the live child called `name` of `parent_id` (a belongs_to edge), or `None`."""

    async def get_children_named(self, parent_id: str, names: Sequence[str]) -> dict[str, Resource]:
        """The live children of `parent_id` among `names`, by name (one round trip if possible)."""
        found = {}
        for name in dict.fromkeys(names):
            child = await self.get_child(parent_id, name)
            if child is not None:
                found[name] = child
        return found

    @abstractmethod
    async def list_children(
        self,
        parent_id: str,
        *,
        sort: SortKey = "name",
        descending: bool = False,
        after: tuple[Any, str] | None = None,
        limit: int = 1000,
        prefix: str | None = None,
    ) -> list[Resource]:
        """Children of `parent_id` in (sort key, id) order, strictly after the cursor `after`.

        `prefix` keeps only children whose name starts with it (a literal prefix, not a pattern).
        """

    @abstractmethod
    async def parent_ids(self, resource_id: str) -> list[str]:
        """Ids of the resources that `resource_id` belongs to (belongs_to edges only)."""

    @abstractmethod
    async def ancestor_ids(self, resource_id: str) -> set[str]:
        """All ids above `resource_id` along belongs_to edges (the resource itself excluded)."""

    @abstractmethod
    async def stats(self, resource_id: str) -> Stats:
        """Object count, total size and last change of everything below `resource_id`."""

    async def search(
        self, query: SearchQuery, *, offset: int, limit: int
    ) -> tuple[list[SearchHit], bool]:
        """Live resources in the window [offset, offset + limit) of the backend's ranking of
        `query`, best first, and whether more windows follow. No permission filtering here;
        a window may hold fewer hits than `limit` (deleted resources are dropped)."""
        raise NotImplementedError("this metadata backend has no search index")

    # -- relations ------------------------------------------------------------------------------
    @abstractmethod
    async def add_relation(self, rel: Relation, *, child_name: str | None = None) -> None:
        """Add an edge. For belongs_to, `child_name` enforces unique names among siblings
        (raises `AlreadyExists`)."""

    @abstractmethod
    async def remove_relation(self, rel: Relation) -> bool:
        """Remove an edge; returns whether it existed."""

    @abstractmethod
    async def relations_of(self, resource_id: str) -> list[Relation]:
        """All edges where `resource_id` is origin or target."""

    @abstractmethod
    async def rename_child_edges(self, child_id: str, new_name: str) -> None:
        """Update the sibling-unique name on every belongs_to edge into `child_id`."""

    @abstractmethod
    async def mark_deleted_edges(self, child_id: str, parent_ids: Sequence[str], op: str) -> None:
        """Turn the belongs_to edges parent→child into `deleted` edges tagged with `op`."""

    @abstractmethod
    async def set_deletion_op(self, resource_id: str, op: str | None) -> None:
        """Tag a resource with the deletion operation that removed it (None clears the tag)."""

    @abstractmethod
    async def deletion_op(self, resource_id: str) -> str | None:
        """The deletion operation that removed `resource_id`, or `None`."""

    @abstractmethod
    async def ids_deleted_by(self, op: str) -> list[str]:
        """Ids of the resources tagged with deletion operation `op`."""

    @abstractmethod
    async def restore_deleted_edges(self, op: str) -> list[tuple[str, str]]:
        """Turn the `deleted` edges of `op` back into belongs_to; returns (parent, child) pairs."""

    # -- object versions ------------------------------------------------------------------------
    @abstractmethod
    async def insert_version(self, version: ObjectVersion, blob_key: str | None) -> None:
        """Insert a revision. Raises `AlreadyExists` if that revision number is taken."""

    @abstractmethod
    async def get_version(self, object_id: str, revision: int) -> ObjectVersion | None: ...

    @abstractmethod
    async def get_version_by_id(self, version_id: str) -> ObjectVersion | None: ...

    async def get_version_with_blob(
        self, object_id: str, revision: int
    ) -> tuple[ObjectVersion, str | None] | None:
        """A revision and the key of its bytes (one round trip where the backend can)."""
        version = await self.get_version(object_id, revision)
        if version is None:
            return None
        return version, await self.blob_key(version.id)

    @abstractmethod
    async def list_versions(self, object_id: str) -> list[ObjectVersion]:
        """All revisions, oldest first."""

    @abstractmethod
    async def blob_key(self, version_id: str) -> str | None:
        """The blob holding a revision's bytes, or `None` (metadata-only)."""

    @abstractmethod
    async def blob_key_in_use(self, blob_key: str) -> bool: ...

    # -- small objects' bytes, kept beside their revisions -----------------------------------
    @abstractmethod
    async def put_inline_blob(self, blob_key: str, data: bytes) -> None:
        """Store a small blob's bytes in the metadata store (committed with the session)."""

    @abstractmethod
    async def get_inline_blob(self, blob_key: str) -> bytes | None: ...

    @abstractmethod
    async def delete_inline_blob(self, blob_key: str) -> None: ...

    @abstractmethod
    async def inline_blob_keys(self, *, after: str, limit: int) -> list[str]:
        """Keys of stored inline blobs, ascending, after `after` (for the orphan sweep)."""

    # -- users, tokens, permissions, credentials, licenses -------------------------------------
    @abstractmethod
    async def insert_user(self, user: User) -> None:
        """Raises `AlreadyExists` when the name is taken."""

    @abstractmethod
    async def update_user(self, user: User) -> None: ...

    @abstractmethod
    async def get_user(self, user_id: str) -> User | None: ...

    @abstractmethod
    async def get_user_by_name(self, name: str) -> User | None: ...

    @abstractmethod
    async def list_users(self, *, after: str | None, limit: int) -> list[User]: ...

    @abstractmethod
    async def insert_token(self, record: TokenRecord) -> None: ...

    @abstractmethod
    async def get_token(self, token_id: str) -> TokenRecord | None: ...

    @abstractmethod
    async def get_token_by_hash(self, secret_hash: str) -> TokenRecord | None:
        """Find a token by the hash of its secret (the only form stored)."""

    @abstractmethod
    async def list_tokens(self, user_id: str) -> list[Token]: ...

    @abstractmethod
    async def delete_token(self, token_id: str) -> bool: ...

    @abstractmethod
    async def touch_token(self, token_id: str, when: datetime) -> None: ...

    @abstractmethod
    async def set_permission(self, perm: Permission) -> None:
        """Grant (or change) a level; level NONE removes the grant."""

    @abstractmethod
    async def permissions_on(self, resource_id: str) -> list[Permission]: ...

    @abstractmethod
    async def permissions_of(self, user_id: str) -> list[Permission]: ...

    @abstractmethod
    async def grants(self, user_id: str, resource_ids: Sequence[str]) -> dict[str, int]:
        """The user's direct grants (as integer levels) on any of `resource_ids`."""

    @abstractmethod
    async def insert_s3_credential(self, record: S3CredentialRecord) -> None: ...

    @abstractmethod
    async def get_s3_credential(self, access_key_id: str) -> S3CredentialRecord | None: ...

    @abstractmethod
    async def list_s3_credentials(self, user_id: str) -> list[S3CredentialRecord]: ...

    @abstractmethod
    async def delete_s3_credential(self, access_key_id: str) -> bool: ...

    @abstractmethod
    async def upsert_license(self, lic: License) -> None: ...

    @abstractmethod
    async def get_license(self, tag: str) -> License | None: ...

    @abstractmethod
    async def list_licenses(self) -> list[License]: ...

    # -- multipart uploads and bucket configuration ------------------------------------------
    @abstractmethod
    async def insert_upload(self, upload: UploadRecord) -> None: ...

    @abstractmethod
    async def get_upload(self, upload_id: str) -> UploadRecord | None: ...

    @abstractmethod
    async def delete_upload(self, upload_id: str) -> bool:
        """Remove the upload and its parts' records; returns whether it existed."""

    @abstractmethod
    async def list_uploads(
        self,
        project_id: str,
        *,
        prefix: str = "",
        after: tuple[str, str] | None = None,
        limit: int = 1000,
        older_than: datetime | None = None,
    ) -> list[UploadRecord]:
        """Uploads ordered by (key, id), strictly after `after`."""

    @abstractmethod
    async def put_part(self, part: PartRecord) -> None:
        """Record a part; a re-upload of the same number replaces it."""

    @abstractmethod
    async def list_parts(
        self, upload_id: str, *, after: int = 0, limit: int = 10000
    ) -> list[PartRecord]: ...

    @abstractmethod
    async def get_bucket_config(self, project_id: str, kind: str) -> str | None: ...

    @abstractmethod
    async def set_bucket_config(self, project_id: str, kind: str, body: str | None) -> None:
        """Store (or, with None, remove) one configuration document of a project."""

    @abstractmethod
    async def insert_bundle(self, bundle: BundleRecord) -> None: ...

    @abstractmethod
    async def get_bundle_by_hash(self, secret_hash: str) -> BundleRecord | None: ...

    @abstractmethod
    async def claim_bundle(self, bundle_id: str, when: datetime) -> bool:
        """Mark a one-time bundle used; False when it was used already (atomic)."""

    # -- events ---------------------------------------------------------------------------------
    @abstractmethod
    async def append_event(
        self,
        type: str,
        resource_id: str | None,
        actor_id: str | None,
        payload: dict[str, Any],
        *,
        scope: Sequence[str] = (),
    ) -> int:
        """Append to the durable event log (commits with the session); returns the sequence.

        `scope` lists the resource and its ancestors, so subtree filters need no graph walk.
        """

    async def log_event(
        self,
        type: str,
        resource_id: str | None,
        actor_id: str | None,
        payload: dict[str, Any],
        *,
        scope: Sequence[str] = (),
    ) -> None:
        """`append_event` for callers that need no sequence number: a store may queue it like
        any write (see the module docstring)."""
        await self.append_event(type, resource_id, actor_id, payload, scope=scope)

    @abstractmethod
    async def read_events(self, *, after_seq: int, limit: int) -> list[EventRecord]: ...

    @abstractmethod
    async def find_events(
        self,
        *,
        after_seq: int,
        upto_seq: int,
        types: Sequence[str] = (),
        within: str | None = None,
        limit: int,
    ) -> list[EventRecord]:
        """Events with `after_seq < seq <= upto_seq` matching the filter, in order.

        `types` holds exact types or prefixes ending in `.*`; empty means every type. `within`
        keeps the events of that resource and of everything below it.
        """

    @abstractmethod
    async def events_by_seq(self, seqs: Sequence[int]) -> list[EventRecord]: ...

    @abstractmethod
    async def head_seq(self) -> int:
        """The sequence of the newest event (0 for an empty log)."""

    @abstractmethod
    async def seq_before(self, when: datetime) -> int:
        """The sequence of the last event strictly before `when` (0 if none)."""

    # -- consumers ------------------------------------------------------------------------------
    @abstractmethod
    async def insert_consumer(self, consumer: ConsumerRecord) -> None: ...

    @abstractmethod
    async def get_consumer(self, consumer_id: str) -> ConsumerRecord | None: ...

    @abstractmethod
    async def list_consumers(self, user_id: str | None) -> list[ConsumerRecord]:
        """One user's consumers (every consumer for `None`), oldest first."""

    @abstractmethod
    async def delete_consumer(self, consumer_id: str) -> bool:
        """Remove the consumer and its pending deliveries."""

    @abstractmethod
    async def advance_consumer(self, consumer_id: str, old_seq: int, new_seq: int) -> bool:
        """Move the read position from `old_seq`; False when another reader moved it first."""

    @abstractmethod
    async def rewind_consumer(self, consumer_id: str, seq: int, when: datetime) -> None:
        """Set the read position and forget every pending delivery (for replay)."""

    @abstractmethod
    async def add_pending(self, consumer_id: str, seqs: Sequence[int], deadline: datetime) -> None:
        """Record first deliveries that must be acked before `deadline`."""

    @abstractmethod
    async def due_pending(
        self, consumer_id: str, now: datetime, limit: int
    ) -> list[tuple[int, int]]:
        """(seq, attempts) of pending deliveries whose deadline has passed, oldest first."""

    @abstractmethod
    async def redeliver_pending(
        self, consumer_id: str, seq: int, attempts: int, deadline: datetime
    ) -> bool:
        """Claim a due delivery for another attempt; False when another reader claimed it."""

    @abstractmethod
    async def ack_pending(self, consumer_id: str, seqs: Sequence[int]) -> int:
        """Drop acked deliveries; returns how many were pending."""

    @abstractmethod
    async def ack_pending_through(self, consumer_id: str, seq: int) -> int:
        """Drop every pending delivery with a sequence up to `seq`."""

    @abstractmethod
    async def nak_pending(self, consumer_id: str, seqs: Sequence[int], now: datetime) -> int:
        """Make pending deliveries due at once."""

    @abstractmethod
    async def count_pending(self, consumer_id: str) -> tuple[int, datetime | None]:
        """How many deliveries await an ack, and the earliest deadline among them."""

    # -- hooks ----------------------------------------------------------------------------------
    @abstractmethod
    async def insert_hook(self, hook: HookRecord) -> None: ...

    @abstractmethod
    async def update_hook(self, hook: HookRecord) -> None: ...

    @abstractmethod
    async def get_hook(self, hook_id: str) -> HookRecord | None: ...

    @abstractmethod
    async def list_hooks(self, project_id: str | None) -> list[HookRecord]:
        """A project's hooks (every hook for `None`), oldest first."""

    @abstractmethod
    async def delete_hook(self, hook_id: str) -> bool:
        """Remove the hook, its deliveries and its callback tokens."""

    @abstractmethod
    async def insert_delivery(self, delivery: DeliveryRecord) -> bool:
        """Record a delivery; False when this hook already has one for that event."""

    @abstractmethod
    async def get_delivery(self, delivery_id: str) -> DeliveryRecord | None: ...

    @abstractmethod
    async def update_delivery(self, delivery: DeliveryRecord) -> None: ...

    @abstractmethod
    async def claim_delivery(self, delivery_id: str, expected: datetime, lease: datetime) -> bool:
        """Move a due delivery's next attempt from `expected` to `lease` (an atomic claim)."""

    @abstractmethod
    async def due_deliveries(self, now: datetime, limit: int) -> list[DeliveryRecord]:
        """PENDING deliveries of enabled hooks whose next attempt is due, oldest first."""

    @abstractmethod
    async def next_delivery_at(self) -> datetime | None:
        """When the earliest PENDING delivery of an enabled hook is due."""

    @abstractmethod
    async def list_deliveries(
        self, hook_id: str, *, before: str | None, limit: int
    ) -> list[DeliveryRecord]:
        """A hook's deliveries, newest first, strictly before the id `before`."""

    @abstractmethod
    async def insert_hook_token(self, record: HookTokenRecord) -> None: ...

    @abstractmethod
    async def get_hook_token(self, secret_hash: str) -> HookTokenRecord | None: ...

    @abstractmethod
    async def delete_expired_hook_tokens(self, now: datetime) -> int: ...

    @abstractmethod
    async def get_cursor(self, name: str) -> int | None:
        """A named position in the event log (for example the hook trigger's)."""

    @abstractmethod
    async def set_cursor(self, name: str, seq: int) -> None: ...


class MetadataStore(ABC):
    """A metadata backend. Open it once per process; sessions are cheap."""

    @abstractmethod
    async def open(self) -> None:
        """Connect and apply pending schema migrations."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    def read(self) -> AbstractAsyncContextManager[MetadataSession]:
        """A read-only session on a consistent snapshot."""

    @abstractmethod
    def write(self) -> AbstractAsyncContextManager[MetadataSession]:
        """A transaction: committed on normal exit, rolled back on any exception or cancellation."""

    def on_events_committed(self, callback: Callable[[], None]) -> None:
        """Call `callback` after every commit that appended events (wakes event subscribers)."""
        self.__dict__.setdefault("_event_listeners", []).append(callback)

    def events_committed(self) -> None:
        """Backends call this after committing a session that appended events."""
        for callback in self.__dict__.get("_event_listeners", ()):
            callback()

    async def __aenter__(self) -> MetadataStore:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def iter_events(self, after_seq: int = 0, batch: int = 500) -> AsyncIterator[EventRecord]:
        """Every event after `after_seq`, in order."""
        while True:
            async with self.read() as s:
                rows = await s.read_events(after_seq=after_seq, limit=batch)
            for row in rows:
                yield row
                after_seq = row.seq
            if len(rows) < batch:
                return
