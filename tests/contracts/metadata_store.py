"""MetadataStore contract: every backend subclasses this and provides the `store` fixture."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from aos_fs.models import (
    DataClass,
    Hashes,
    KeyValue,
    Kind,
    License,
    ObjectVersion,
    Permission,
    PermissionLevel,
    Relation,
    RelationType,
    Resource,
    Status,
    Token,
    User,
)
from aos_server.backends.metadata.base import MetadataStore, TokenRecord
from aos_server.domain.ids import new_id
from aos_server.errors import AlreadyExists


def make_resource(kind: Kind, name: str, **extra: object) -> Resource:
    now = datetime.now(UTC)
    values: dict[str, object] = {
        "id": new_id(),
        "kind": kind,
        "name": name,
        "metadata_license": "CC-BY-4.0",
        "data_license": "CC-BY-4.0",
        "data_class": DataClass.PRIVATE,
        "status": Status.AVAILABLE,
        "created_at": now,
        "updated_at": now,
    }
    values.update(extra)
    return Resource(**values)  # type: ignore[arg-type]


def belongs(parent: Resource, child: Resource) -> Relation:
    return Relation(origin_id=parent.id, target_id=child.id, type=RelationType.BELONGS_TO)


async def add_child(store: MetadataStore, parent: Resource, child: Resource) -> None:
    async with store.write() as s:
        await s.insert_resource(child)
        await s.add_relation(belongs(parent, child), child_name=child.name)


class MetadataStoreContract:
    @pytest.fixture
    def store(self) -> MetadataStore:  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    async def test_concurrent_writers_are_isolated(self, store: MetadataStore) -> None:
        """Many writers at once (group commit where the backend has it): each session commits or
        rolls back on its own, and a session that returned is visible to every later reader."""
        ok = [make_resource(Kind.PROJECT, f"concurrent-{i:02d}") for i in range(20)]
        doomed = [make_resource(Kind.PROJECT, f"doomed-{i:02d}") for i in range(5)]
        returned: list[str] = []

        async def write(res: Resource, fail: bool) -> None:
            async with store.write() as s:
                await s.insert_resource(res)
                await asyncio.sleep(0)  # let the others queue up behind this session
                if fail:
                    raise RuntimeError("boom")
            async with store.read() as s:  # visible as soon as the session has returned
                assert await s.get_resource(res.id) == res
            returned.append(res.id)

        results = await asyncio.gather(
            *(write(r, False) for r in ok),
            *(write(r, True) for r in doomed),
            return_exceptions=True,
        )
        assert results[: len(ok)] == [None] * len(ok)
        assert all(isinstance(r, RuntimeError) for r in results[len(ok) :])
        assert sorted(returned) == sorted(r.id for r in ok)
        async with store.read() as s:
            for res in doomed:
                assert await s.get_resource(res.id) is None
            # A unique violation inside one session leaves the others intact.
        dup = make_resource(Kind.PROJECT, "concurrent-00")
        other = make_resource(Kind.PROJECT, "concurrent-after-dup")

        async def insert(res: Resource) -> None:
            async with store.write() as s:
                await s.insert_resource(res)

        outcome = await asyncio.gather(insert(dup), insert(other), return_exceptions=True)
        assert isinstance(outcome[0], AlreadyExists)
        assert outcome[1] is None
        async with store.read() as s:
            assert await s.get_project_by_name("concurrent-after-dup") == other

    async def test_cancelled_writer_leaves_nothing(self, store: MetadataStore) -> None:
        started = asyncio.Event()
        res = make_resource(Kind.PROJECT, "cancelled-writer")

        async def slow() -> None:
            async with store.write() as s:
                await s.insert_resource(res)
                started.set()
                await asyncio.sleep(30)

        task = asyncio.create_task(slow())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        follower = make_resource(Kind.PROJECT, "after-cancelled-writer")
        async with store.write() as s:
            await s.insert_resource(follower)
        async with store.read() as s:
            assert await s.get_resource(res.id) is None
            assert await s.get_resource(follower.id) == follower

    async def test_list_projects_by_prefix(self, store: MetadataStore) -> None:
        names = ["pre-a", "pre-b", "pre", "prf", "other", "pre_%"]
        async with store.write() as s:
            for name in names:
                await s.insert_resource(make_resource(Kind.PROJECT, name))
        async with store.read() as s:
            got = [p.name for p in await s.list_projects(after=None, limit=10, prefix="pre")]
            assert got == ["pre", "pre-a", "pre-b", "pre_%"]
            after = [p.name for p in await s.list_projects(after="pre-a", limit=10, prefix="pre")]
            assert after == ["pre-b", "pre_%"]
            assert [p.name for p in await s.list_projects(after=None, limit=10, prefix="pre_")] == [
                "pre_%"
            ]  # "_" and "%" are literal, not patterns
            assert len(await s.list_projects(after=None, limit=10)) == len(names)

    async def test_search(self, store: MetadataStore) -> None:
        from aos_fs.models import Author
        from aos_server.backends.metadata.base import SearchQuery

        project = make_resource(Kind.PROJECT, "search-contract", data_class=DataClass.PUBLIC)
        exact = make_resource(Kind.DATASET, "exact", title="Plankton survey")
        wordy = make_resource(
            Kind.DATASET,
            "wordy",
            title="Another plankton survey with many more words",
            key_values=[KeyValue(key="station", value="helgoland")],
        )
        by_author = make_resource(
            Kind.OBJECT,
            "table_2024.csv",
            description="counts",
            authors=[Author(name="Ada Lovelace")],
            revision=0,
            size=0,
        )
        gone = make_resource(Kind.DATASET, "gone", title="plankton survey deleted")
        async with store.write() as s:
            await s.insert_resource(project)
        for child in (exact, wordy, by_author, gone):
            await add_child(store, project, child)
        async with store.write() as s:
            await s.update_resource(
                gone.model_copy(update={"deleted_at": datetime.now(UTC), "status": Status.DELETED})
            )

        async def find(text: str = "", **filters: object) -> list[str]:
            async with store.read() as s:
                hits, _ = await s.search(
                    SearchQuery(text=text, **filters),
                    offset=0,
                    limit=50,  # type: ignore[arg-type]
                )
            return [h.resource.name for h in hits]

        assert (await find("plankton survey"))[:2] == ["exact", "wordy"]  # exact title first
        assert "gone" not in await find("plankton")
        assert await find("helgoland") == ["wordy"]  # key-values are indexed
        assert await find("lovelace") == ["table_2024.csv"]  # so are authors
        assert await find("table 2024") == ["table_2024.csv"]  # names split on punctuation
        assert set(await find("plank")) == {"exact", "wordy"}  # the last word is a prefix
        assert await find("plankton", kinds=("OBJECT",)) == []
        assert await find("survey", key_values=(("station", "helgoland"),)) == ["wordy"]
        assert await find("survey", key_values=(("station", None),)) == ["wordy"]
        assert set(await find(kinds=("DATASET",))) == {"exact", "wordy"}
        assert await find('" OR NEAR(') == []  # index syntax is only ever searched for, as text
        async with store.read() as s:
            hits, _ = await s.search(SearchQuery(text="helgoland"), offset=0, limit=5)
        assert not hits[0].public_match  # matched by a key-value only
        async with store.read() as s:
            hits, _ = await s.search(SearchQuery(text="exact"), offset=0, limit=5)
        assert hits[0].public_match
        async with store.write() as s:
            await s.update_resource(wordy.model_copy(update={"title": "renamed entirely"}))
        assert await find("another") == []
        assert await find("renamed") == ["wordy"]

    async def test_resource_round_trip(self, store: MetadataStore) -> None:
        res = make_resource(
            Kind.PROJECT,
            "round-trip",
            key_values=[KeyValue(key="k", value="v")],
            title="T",
            description="D",
        )
        async with store.write() as s:
            await s.insert_resource(res)
        async with store.read() as s:
            assert await s.get_resource(res.id) == res
            assert await s.get_project_by_name("round-trip") == res
            assert await s.get_resource(new_id()) is None

    async def test_project_names_unique_while_live(self, store: MetadataStore) -> None:
        first = make_resource(Kind.PROJECT, "unique-name")
        async with store.write() as s:
            await s.insert_resource(first)
        with pytest.raises(AlreadyExists):
            async with store.write() as s:
                await s.insert_resource(make_resource(Kind.PROJECT, "unique-name"))
        gone = first.model_copy(update={"status": Status.DELETED, "deleted_at": datetime.now(UTC)})
        async with store.write() as s:
            await s.update_resource(gone)
            await s.insert_resource(make_resource(Kind.PROJECT, "unique-name"))

    async def test_failed_transaction_rolls_back(self, store: MetadataStore) -> None:
        res = make_resource(Kind.PROJECT, "rolled-back")
        with pytest.raises(RuntimeError):  # noqa: PT012 - the block is the unit under test
            async with store.write() as s:
                await s.insert_resource(res)
                raise RuntimeError("boom")
        async with store.read() as s:
            assert await s.get_resource(res.id) is None

    async def test_cancelled_transaction_rolls_back(self, store: MetadataStore) -> None:
        res = make_resource(Kind.PROJECT, "cancelled-tx")
        entered = asyncio.Event()

        async def writer() -> None:
            async with store.write() as s:
                await s.insert_resource(res)
                entered.set()
                await asyncio.sleep(30)

        task = asyncio.create_task(writer())
        await entered.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with store.read() as s:
            assert await s.get_resource(res.id) is None
        async with store.write() as s:  # the writer is free again
            await s.insert_resource(make_resource(Kind.PROJECT, "after-cancel"))

    async def test_sibling_names_unique_and_children_paged(self, store: MetadataStore) -> None:
        project = make_resource(Kind.PROJECT, "paging")
        async with store.write() as s:
            await s.insert_resource(project)
        names = [f"obj-{i:03d}" for i in range(25)]
        for name in reversed(names):
            await add_child(store, project, make_resource(Kind.OBJECT, name, size=1))
        with pytest.raises(AlreadyExists):
            await add_child(store, project, make_resource(Kind.OBJECT, "obj-003"))
        seen: list[str] = []
        after = None
        async with store.read() as s:
            while True:
                page = await s.list_children(project.id, after=after, limit=10)
                seen += [r.name for r in page]
                if len(page) < 10:
                    break
                after = (page[-1].name, page[-1].id)
            assert seen == names
            desc = await s.list_children(project.id, descending=True, limit=3)
            assert [r.name for r in desc] == names[::-1][:3]
            pref = await s.list_children(project.id, prefix="obj-01", limit=100)
            assert [r.name for r in pref] == names[10:20]
            assert (await s.get_child(project.id, "obj-007")).name == "obj-007"  # type: ignore[union-attr]
            named = await s.get_children_named(
                project.id, ["obj-007", "nope", "obj-011", "obj-007"]
            )
            assert {k: v.name for k, v in named.items()} == {
                "obj-007": "obj-007",
                "obj-011": "obj-011",
            }
            assert await s.get_children_named(project.id, []) == {}

    async def test_ancestors_stats_and_multi_parent(self, store: MetadataStore) -> None:
        project = make_resource(Kind.PROJECT, "dag")
        coll = make_resource(Kind.COLLECTION, "c")
        ds1 = make_resource(Kind.DATASET, "d1")
        ds2 = make_resource(Kind.DATASET, "d2")
        obj = make_resource(Kind.OBJECT, "o", size=10, revision=1)
        async with store.write() as s:
            await s.insert_resource(project)
        await add_child(store, project, coll)
        await add_child(store, coll, ds1)
        await add_child(store, project, ds2)
        await add_child(store, ds1, obj)
        async with store.write() as s:
            await s.add_relation(belongs(ds2, obj), child_name=obj.name)
        async with store.read() as s:
            assert await s.ancestor_ids(obj.id) == {project.id, coll.id, ds1.id, ds2.id}
            assert sorted(await s.parent_ids(obj.id)) == sorted([ds1.id, ds2.id])
            stats = await s.stats(project.id)
            assert (stats.count, stats.size) == (1, 10)  # counted once despite two paths

    async def test_deleted_edges_restore(self, store: MetadataStore) -> None:
        project = make_resource(Kind.PROJECT, "del-edges")
        obj = make_resource(Kind.OBJECT, "o")
        async with store.write() as s:
            await s.insert_resource(project)
        await add_child(store, project, obj)
        op = new_id()
        async with store.write() as s:
            await s.mark_deleted_edges(obj.id, [project.id], op)
            await s.set_deletion_op(obj.id, op)
        async with store.read() as s:
            assert await s.get_child(project.id, "o") is None
            assert await s.ids_deleted_by(op) == [obj.id]
            assert await s.deletion_op(obj.id) == op
        async with store.write() as s:
            assert await s.restore_deleted_edges(op) == [(project.id, obj.id)]
        async with store.read() as s:
            assert (await s.get_child(project.id, "o")).id == obj.id  # type: ignore[union-attr]

    async def test_versions(self, store: MetadataStore) -> None:
        obj = make_resource(Kind.OBJECT, "versioned")
        now = datetime.now(UTC)
        versions = [
            ObjectVersion(
                id=new_id(),
                object_id=obj.id,
                revision=rev,
                size=rev,
                content_type="text/plain",
                hashes=Hashes(md5="0" * 32, sha256="1" * 64, checksums={"crc32": "AAAAAA=="}),
                etag="0" * 32,
                status=Status.AVAILABLE,
                metadata={"m": str(rev)},
                created_at=now,
            )
            for rev in (1, 2, 3)
        ]
        async with store.write() as s:
            await s.insert_resource(obj)
            for v in versions:
                await s.insert_version(v, f"blob-{v.revision}")
        # A store may raise at the statement or at the session's end (writes can be
        # pipelined); either way the session fails and keeps nothing.
        with pytest.raises(AlreadyExists):
            async with store.write() as s:
                await s.insert_version(versions[0].model_copy(update={"id": new_id()}), None)
        async with store.read() as s:
            assert await s.list_versions(obj.id) == versions
            assert await s.get_version(obj.id, 2) == versions[1]
            assert await s.get_version_by_id(versions[2].id) == versions[2]
            assert await s.blob_key(versions[0].id) == "blob-1"
            assert await s.blob_key_in_use("blob-3")
            assert not await s.blob_key_in_use("blob-9")

    async def test_users_tokens_permissions(self, store: MetadataStore) -> None:
        now = datetime.now(UTC)
        user = User(id=new_id(), name="alice", created_at=now)
        token = Token(
            id=new_id(),
            user_id=user.id,
            name="t",
            level=PermissionLevel.READ,
            expires_at=now + timedelta(days=1),
            created_at=now,
        )
        res = make_resource(Kind.PROJECT, "perm-proj")
        async with store.write() as s:
            await s.insert_user(user)
            await s.insert_token(TokenRecord(token, "hash-1"))
            await s.insert_resource(res)
            await s.set_permission(
                Permission(
                    user_id=user.id,
                    resource_id=res.id,
                    level=PermissionLevel.WRITE,
                    granted_at=now,
                )
            )
        async with store.write() as s:
            with pytest.raises(AlreadyExists):
                await s.insert_user(User(id=new_id(), name="alice", created_at=now))
        async with store.read() as s:
            assert await s.get_user_by_name("alice") == user
            assert (await s.get_token_by_hash("hash-1")).token == token  # type: ignore[union-attr]
            assert await s.grants(user.id, [res.id, new_id()]) == {res.id: 3}
        async with store.write() as s:
            await s.set_permission(
                Permission(
                    user_id=user.id, resource_id=res.id, level=PermissionLevel.NONE, granted_at=now
                )
            )
            assert await s.delete_token(token.id)
        async with store.read() as s:
            assert await s.grants(user.id, [res.id]) == {}
            assert await s.get_token(token.id) is None

    async def test_licenses_and_events(self, store: MetadataStore) -> None:
        async with store.write() as s:
            await s.upsert_license(License(tag="X-1", name="one"))
            await s.upsert_license(License(tag="X-1", name="uno"))
            first = await s.append_event("resource.created", None, None, {"a": 1})
            second = await s.append_event("resource.updated", None, None, {"b": 2})
        assert second > first
        async with store.read() as s:
            assert (await s.get_license("X-1")).name == "uno"  # type: ignore[union-attr]
        seen = [e async for e in store.iter_events(after_seq=first - 1)]
        assert [e.type for e in seen[:2]] == ["resource.created", "resource.updated"]
        assert seen[1].payload == {"b": 2}

    async def test_uploads_and_parts(self, store: MetadataStore) -> None:
        from aos_server.backends.metadata.base import PartRecord, UploadRecord

        now = datetime.now(UTC)
        project_id = new_id()
        uploads = [
            UploadRecord(new_id(), project_id, key, "u", None, "text/plain", {"a": "b"}, None, now)
            for key in ("b/key", "a/key", "a/key")
        ]
        async with store.write() as s:
            for up in uploads:
                await s.insert_upload(up)
            for number, etag in ((2, "e2"), (1, "e1"), (2, "e2-again")):
                await s.put_part(PartRecord(uploads[0].id, number, 5, etag, {}, now))
        async with store.read() as s:
            assert await s.get_upload(uploads[0].id) == uploads[0]
            listed = await s.list_uploads(project_id)
            assert [u.key for u in listed] == ["a/key", "a/key", "b/key"]
            assert [u.key for u in await s.list_uploads(project_id, prefix="b/")] == ["b/key"]
            rest = await s.list_uploads(project_id, after=(listed[0].key, listed[0].id))
            assert [u.id for u in rest] == [listed[1].id, listed[2].id]
            parts = await s.list_parts(uploads[0].id)
            assert [(p.part_number, p.etag) for p in parts] == [(1, "e1"), (2, "e2-again")]
            assert [p.part_number for p in await s.list_parts(uploads[0].id, after=1)] == [2]
        async with store.write() as s:
            assert await s.delete_upload(uploads[0].id)
            assert not await s.delete_upload(uploads[0].id)
            assert await s.list_parts(uploads[0].id) == []

    async def test_bucket_configs(self, store: MetadataStore) -> None:
        pid = new_id()
        async with store.write() as s:
            assert await s.get_bucket_config(pid, "cors") is None
            await s.set_bucket_config(pid, "cors", "<x/>")
            await s.set_bucket_config(pid, "cors", "<y/>")
        async with store.read() as s:
            assert await s.get_bucket_config(pid, "cors") == "<y/>"
        async with store.write() as s:
            await s.set_bucket_config(pid, "cors", None)
            assert await s.get_bucket_config(pid, "cors") is None

    async def test_inline_blobs(self, store: MetadataStore) -> None:
        """Small objects' bytes: stored with the session, binary-exact, listed in key order."""
        keys = sorted(f"in-{new_id()}" for _ in range(3))
        data = [bytes(range(256)), b"", b"\x00tail\xff"]
        async with store.write() as s:
            for key, body in zip(keys, data, strict=True):
                await s.put_inline_blob(key, body)

        async def aborted() -> None:
            async with store.write() as s:
                await s.put_inline_blob("in-rolled-back", b"x")
                raise RuntimeError("abort")

        with pytest.raises(RuntimeError, match="abort"):  # nothing stored by that session
            await aborted()
        async with store.read() as s:
            assert [await s.get_inline_blob(k) for k in keys] == data
            assert await s.get_inline_blob("in-rolled-back") is None
            listed = await s.inline_blob_keys(after="", limit=10)
            assert [k for k in listed if k in keys] == keys
            assert await s.inline_blob_keys(after=keys[1], limit=1) == [keys[2]]
        async with store.write() as s:
            await s.delete_inline_blob(keys[0])
        async with store.read() as s:
            assert await s.get_inline_blob(keys[0]) is None
