"""S3-style listing over the hierarchy: order, prefixes, delimiters, continuation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aos_fs.models import Kind, Resource
from aos_server.backends.metadata.sqlite import SqliteMetadataStore
from aos_server.services.listing import iter_keys
from tests.contracts.metadata_store import add_child, make_resource

# project layout: key -> kinds along the way are derived from the shape
KEYS = [
    "top.txt",
    "a-file",
    "a0",
    "coll/ds/x.csv",
    "coll/ds/sub/y.csv",
    "coll/ds/sub/z.csv",
    "coll/direct.txt",
    "coll/name/with/slashes",
    "ds2/deep/er/file",
    "ds2/plain",
]


@pytest.fixture
async def tree(tmp_path: Path) -> AsyncIterator[tuple[SqliteMetadataStore, Resource]]:
    store = SqliteMetadataStore(tmp_path / "l.db")
    await store.open()
    project = make_resource(Kind.PROJECT, "listing")
    async with store.write() as s:
        await s.insert_resource(project)
    coll = make_resource(Kind.COLLECTION, "coll")
    ds = make_resource(Kind.DATASET, "ds")
    ds2 = make_resource(Kind.DATASET, "ds2")
    await add_child(store, project, coll)
    await add_child(store, coll, ds)
    await add_child(store, project, ds2)
    placement = {
        "top.txt": project,
        "a-file": project,
        "a0": project,
        "x.csv": ds,
        "sub/y.csv": ds,
        "sub/z.csv": ds,
        "direct.txt": coll,
        "name/with/slashes": coll,
        "deep/er/file": ds2,
        "plain": ds2,
    }
    for name, parent in placement.items():
        await add_child(store, parent, make_resource(Kind.OBJECT, name, size=1, revision=1))
    yield store, project
    await store.close()


async def listing(store: SqliteMetadataStore, project: Resource, **kw: str) -> list[str]:
    async with store.read() as s:
        return [e.key async for e in iter_keys(s, project, **kw)]


async def test_all_keys_in_byte_order(tree: tuple[SqliteMetadataStore, Resource]) -> None:
    store, project = tree
    assert await listing(store, project) == sorted(KEYS, key=str.encode)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        pytest.param("coll/", [k for k in KEYS if k.startswith("coll/")], id="collection"),
        pytest.param("coll/ds/s", ["coll/ds/sub/y.csv", "coll/ds/sub/z.csv"], id="in-name"),
        pytest.param("a", ["a-file", "a0"], id="root-partial"),
        pytest.param("nothing", [], id="none"),
    ],
)
async def test_prefix(
    tree: tuple[SqliteMetadataStore, Resource], prefix: str, expected: list[str]
) -> None:
    store, project = tree
    assert await listing(store, project, prefix=prefix) == sorted(expected, key=str.encode)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        pytest.param("", ["a-file", "a0", "coll/", "ds2/", "top.txt"], id="root"),
        pytest.param("coll/", ["coll/direct.txt", "coll/ds/", "coll/name/"], id="collection"),
        pytest.param("coll/ds/", ["coll/ds/sub/", "coll/ds/x.csv"], id="dataset"),
        pytest.param("ds2/deep/", ["ds2/deep/er/"], id="inside-object-names"),
    ],
)
async def test_delimiter(
    tree: tuple[SqliteMetadataStore, Resource], prefix: str, expected: list[str]
) -> None:
    store, project = tree
    assert await listing(store, project, prefix=prefix, delimiter="/") == expected


async def test_continuation(tree: tuple[SqliteMetadataStore, Resource]) -> None:
    store, project = tree
    everything = sorted(KEYS, key=str.encode)
    for i, key in enumerate(everything):
        assert await listing(store, project, start_after=key) == everything[i + 1 :]
    assert await listing(store, project, delimiter="/", start_after="coll/") == ["ds2/", "top.txt"]
