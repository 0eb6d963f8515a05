"""A hypothesis state machine drives the SQLite MetadataStore against a small in-memory model.

Rules create resources under parents, add and remove a second parent, add object revisions,
soft-delete and restore, and grant permissions; after every step the store and the model must
agree on each resource's status, parents, children, revisions and grants.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from aos_fs.models import (
    Hashes,
    Kind,
    ObjectVersion,
    Permission,
    PermissionLevel,
    Relation,
    RelationType,
    Status,
    User,
)
from aos_server.backends.metadata.sqlite import SqliteMetadataStore
from aos_server.domain.ids import new_id
from aos_server.errors import AlreadyExists
from tests.contracts.metadata_store import make_resource
from tests.fuzz.conftest import FUZZ_DERANDOMIZE, FUZZ_EXAMPLES

T = TypeVar("T")
CHILD_KIND = {
    Kind.PROJECT: Kind.COLLECTION,
    Kind.COLLECTION: Kind.DATASET,
    Kind.DATASET: Kind.OBJECT,
}
# A few names only, so that sibling-name clashes happen often.
NAMES = st.sampled_from(["a", "b", "c"])
LEVELS = st.sampled_from(list(PermissionLevel))


@dataclass
class Node:
    kind: Kind
    name: str
    parents: set[str] = field(default_factory=set)
    deleted_from: set[str] = field(default_factory=set)  # parents whose edge the deletion hid
    deletion_op: str | None = None
    revisions: list[int] = field(default_factory=list)


class StoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.tmp = Path(tempfile.mkdtemp(prefix="aos-state-"))
        self.store = SqliteMetadataStore(self.tmp / "aos.db")
        self.run(self.store.open())
        self.nodes: dict[str, Node] = {}
        self.grants: dict[tuple[str, str], PermissionLevel] = {}
        self.users: list[str] = []

    def run(self, coro: Awaitable[T]) -> T:
        return self.loop.run_until_complete(coro)  # type: ignore[arg-type]

    def teardown(self) -> None:
        self.run(self.store.close())
        self.loop.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers --------------------------------------------------------------------------------
    def live(self, *kinds: Kind) -> list[str]:
        return sorted(
            i
            for i, n in self.nodes.items()
            if n.deletion_op is None and (not kinds or n.kind in kinds)
        )

    def taken(self, parent_id: str, name: str) -> bool:
        return any(parent_id in n.parents and n.name == name for n in self.nodes.values())

    async def _insert_child(self, parent_id: str, kind: Kind, name: str) -> str:
        extra = {"revision": 0, "size": 0} if kind == Kind.OBJECT else {}
        res = make_resource(kind, name, **extra)
        async with self.store.write() as s:
            await s.insert_resource(res)
            await s.add_relation(
                Relation(origin_id=parent_id, target_id=res.id, type=RelationType.BELONGS_TO),
                child_name=name,
            )
        return res.id

    # -- rules ----------------------------------------------------------------------------------
    @initialize()
    def setup(self) -> None:
        now = datetime.now(UTC)
        project = make_resource(Kind.PROJECT, "state-machine")

        async def init() -> None:
            async with self.store.write() as s:
                await s.insert_resource(project)
                for name in ("alice", "bob"):
                    user = User(id=new_id(), name=name, created_at=now)
                    await s.insert_user(user)
                    self.users.append(user.id)

        self.run(init())
        self.nodes[project.id] = Node(Kind.PROJECT, project.name)

    @rule(data=st.data(), name=NAMES)
    def create_child(self, data: st.DataObject, name: str) -> None:
        parents = self.live(Kind.PROJECT, Kind.COLLECTION, Kind.DATASET)
        parent_id = data.draw(st.sampled_from(parents))
        kind = CHILD_KIND[self.nodes[parent_id].kind]
        if self.taken(parent_id, name):
            try:
                self.run(self._insert_child(parent_id, kind, name))
            except AlreadyExists:
                return
            raise AssertionError(f"a second {name!r} was accepted under one parent")
        child_id = self.run(self._insert_child(parent_id, kind, name))
        self.nodes[child_id] = Node(kind, name, parents={parent_id})

    @precondition(lambda self: len(self.live(Kind.DATASET, Kind.OBJECT)) > 0)
    @rule(data=st.data())
    def add_second_parent(self, data: st.DataObject) -> None:
        child_id = data.draw(st.sampled_from(self.live(Kind.DATASET, Kind.OBJECT)))
        child = self.nodes[child_id]
        parent_kind = {Kind.DATASET: Kind.COLLECTION, Kind.OBJECT: Kind.DATASET}[child.kind]
        candidates = [p for p in self.live(parent_kind) if p not in child.parents]
        if not candidates:
            return
        parent_id = data.draw(st.sampled_from(candidates))
        rel = Relation(origin_id=parent_id, target_id=child_id, type=RelationType.BELONGS_TO)

        async def add() -> None:
            async with self.store.write() as s:
                await s.add_relation(rel, child_name=child.name)

        if self.taken(parent_id, child.name):
            try:
                self.run(add())
            except AlreadyExists:
                return
            raise AssertionError("a clashing second parent was accepted")
        self.run(add())
        child.parents.add(parent_id)

    @precondition(lambda self: any(len(n.parents) > 1 for n in self.nodes.values()))
    @rule(data=st.data())
    def remove_a_parent(self, data: st.DataObject) -> None:
        child_id = data.draw(
            st.sampled_from(sorted(i for i, n in self.nodes.items() if len(n.parents) > 1))
        )
        parent_id = data.draw(st.sampled_from(sorted(self.nodes[child_id].parents)))
        rel = Relation(origin_id=parent_id, target_id=child_id, type=RelationType.BELONGS_TO)

        async def remove() -> bool:
            async with self.store.write() as s:
                return await s.remove_relation(rel)

        assert self.run(remove()) is True
        self.nodes[child_id].parents.discard(parent_id)
        assert self.run(remove()) is False  # a second removal finds nothing

    @precondition(lambda self: len(self.live(Kind.OBJECT)) > 0)
    @rule(data=st.data(), size=st.integers(0, 1 << 40))
    def new_revision(self, data: st.DataObject, size: int) -> None:
        object_id = data.draw(st.sampled_from(self.live(Kind.OBJECT)))
        node = self.nodes[object_id]
        revision = len(node.revisions) + 1
        version = ObjectVersion(
            id=new_id(),
            object_id=object_id,
            revision=revision,
            size=size,
            content_type="application/octet-stream",
            hashes=Hashes(),
            etag=f'"{revision}"',
            status=Status.AVAILABLE,
            created_at=datetime.now(UTC),
        )

        async def insert() -> None:
            async with self.store.write() as s:
                await s.insert_version(version, f"blob-{version.id}")

        self.run(insert())
        node.revisions.append(revision)
        if revision > 1:  # a taken revision number is refused
            again = version.model_copy(update={"id": new_id(), "revision": revision - 1})

            async def duplicate() -> None:
                async with self.store.write() as s:
                    await s.insert_version(again, None)

            try:
                self.run(duplicate())
            except AlreadyExists:
                pass
            else:
                raise AssertionError("a taken revision number was accepted")

    @precondition(lambda self: len(self.live(Kind.COLLECTION, Kind.DATASET, Kind.OBJECT)) > 0)
    @rule(data=st.data())
    def soft_delete(self, data: st.DataObject) -> None:
        res_id = data.draw(st.sampled_from(self.live(Kind.COLLECTION, Kind.DATASET, Kind.OBJECT)))
        node = self.nodes[res_id]
        op = new_id()

        async def delete() -> None:
            async with self.store.write() as s:
                parents = await s.parent_ids(res_id)
                await s.mark_deleted_edges(res_id, parents, op)
                await s.set_deletion_op(res_id, op)

        self.run(delete())
        node.deletion_op = op
        node.deleted_from, node.parents = node.parents, set()

    @precondition(lambda self: any(n.deletion_op for n in self.nodes.values()))
    @rule(data=st.data())
    def restore(self, data: st.DataObject) -> None:
        res_id = data.draw(
            st.sampled_from(sorted(i for i, n in self.nodes.items() if n.deletion_op))
        )
        node = self.nodes[res_id]
        op = node.deletion_op
        assert op is not None

        async def restore() -> list[tuple[str, str]]:
            async with self.store.write() as s:
                assert await s.ids_deleted_by(op) == [res_id]
                pairs = await s.restore_deleted_edges(op)
                await s.set_deletion_op(res_id, None)
                return pairs

        if any(self.taken(p, node.name) for p in node.deleted_from):
            try:
                self.run(restore())
            except AlreadyExists:
                return  # rolled back: still deleted
            raise AssertionError("a restore that clashes with a new sibling was accepted")
        pairs = self.run(restore())
        assert sorted(pairs) == sorted((p, res_id) for p in node.deleted_from)
        node.parents, node.deleted_from, node.deletion_op = node.deleted_from, set(), None

    @rule(data=st.data(), level=LEVELS)
    def grant(self, data: st.DataObject, level: PermissionLevel) -> None:
        user_id = data.draw(st.sampled_from(self.users))
        res_id = data.draw(st.sampled_from(sorted(self.nodes)))
        perm = Permission(
            user_id=user_id, resource_id=res_id, level=level, granted_at=datetime.now(UTC)
        )

        async def grant() -> None:
            async with self.store.write() as s:
                await s.set_permission(perm)

        self.run(grant())
        if level == PermissionLevel.NONE:
            self.grants.pop((user_id, res_id), None)
        else:
            self.grants[(user_id, res_id)] = level

    # -- the store agrees with the model ----------------------------------------------------------
    @invariant()
    def agrees(self) -> None:
        if not self.nodes:
            return
        levels = list(PermissionLevel)

        async def observe() -> None:
            async with self.store.read() as s:
                for res_id, node in self.nodes.items():
                    res = await s.get_resource(res_id)
                    assert res is not None and res.name == node.name and res.kind == node.kind
                    assert set(await s.parent_ids(res_id)) == node.parents
                    assert await s.deletion_op(res_id) == node.deletion_op
                    children = await s.list_children(res_id)
                    expected = sorted(
                        (n.name, i) for i, n in self.nodes.items() if res_id in n.parents
                    )
                    assert sorted((c.name, c.id) for c in children) == expected
                    for name in {n for n, _ in expected}:
                        child = await s.get_child(res_id, name)
                        assert child is not None and (name, child.id) in expected
                    if node.kind == Kind.OBJECT:
                        versions = await s.list_versions(res_id)
                        assert sorted(v.revision for v in versions) == node.revisions
                    on = {(p.user_id, p.level) for p in await s.permissions_on(res_id)}
                    assert on == {(u, lv) for (u, r), lv in self.grants.items() if r == res_id}
                for user_id in self.users:
                    got = await s.grants(user_id, list(self.nodes))
                    want = {
                        r: levels.index(lv) for (u, r), lv in self.grants.items() if u == user_id
                    }
                    assert got == want

        self.run(observe())


StoreMachine.TestCase.settings = settings(
    max_examples=max(FUZZ_EXAMPLES * 3, 30),
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    derandomize=FUZZ_DERANDOMIZE,
)
test_store_state_machine = StoreMachine.TestCase
