"""Search: visibility by data class and caller, ranking, filters, freshness, hostile input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from aos_fs.client import AOSClient
from tests.conftest import LiveServer
from tests.factories import unique


def search(live_server: LiveServer, token: str | None, **params: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = httpx.get(f"{live_server.url}/api/v2/search", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def ids(result: dict[str, Any]) -> list[str]:
    return [item["resource"]["id"] for item in result["items"]]


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> dict[str, Any]:
    """One project per data class, each holding a dataset that mentions a unique word."""
    admin = AOSClient(live_server.url, live_server.admin_token)
    word = unique("zebrafish").replace("-", "")
    hidden = unique("hiddenkv").replace("-", "")
    reader = admin.create_user(unique("reader"))
    stranger = admin.create_user(unique("stranger"))
    out: dict[str, Any] = {"word": word, "hidden": hidden, "admin": admin}
    for data_class in ("PUBLIC", "PRIVATE", "WORKSPACE", "CONFIDENTIAL"):
        project = admin.create_project(unique(data_class.lower()), data_class=data_class)
        dataset = admin.create_dataset(
            project.id,
            f"{data_class.lower()}-set",
            title=f"{word} imaging {data_class}",
            key_values=[{"key": "marker", "value": hidden}],
        )
        admin.grant(project.id, reader.id, "READ")
        out[data_class] = dataset.id
    out["reader"] = admin.create_token("search", user_id=reader.id).secret
    out["stranger"] = admin.create_token("search", user_id=stranger.id).secret
    return out


@pytest.mark.parametrize(
    ("caller", "finds"),
    [
        ("anonymous", {"PUBLIC"}),
        ("stranger", {"PUBLIC", "PRIVATE"}),
        ("reader", {"PUBLIC", "PRIVATE", "WORKSPACE", "CONFIDENTIAL"}),
        ("admin", {"PUBLIC", "PRIVATE", "WORKSPACE", "CONFIDENTIAL"}),
    ],
)
def test_visibility_matrix(
    live_server: LiveServer, world: dict[str, Any], caller: str, finds: set[str]
) -> None:
    token = {
        "anonymous": None,
        "stranger": world["stranger"],
        "reader": world["reader"],
        "admin": live_server.admin_token,
    }[caller]
    found = search(live_server, token, q=world["word"], limit=100)
    by_class = {
        dc for dc in ("PUBLIC", "PRIVATE", "WORKSPACE", "CONFIDENTIAL") if world[dc] in ids(found)
    }
    assert by_class == finds
    for item in found["items"]:
        redacted = item["resource"]["redacted"]
        # Only a caller without a grant sees the PRIVATE one redacted.
        assert redacted == (caller == "stranger" and item["resource"]["id"] == world["PRIVATE"])
    # Key-values are hidden from a redacted view, so they do not find it either.
    by_kv = set(ids(search(live_server, token, q=world["hidden"], limit=100)))
    expected_kv = {world[dc] for dc in finds}
    if caller == "stranger":
        expected_kv -= {world["PRIVATE"]}
    assert by_kv == expected_kv


def test_exact_title_ranks_first(live_server: LiveServer, admin: AOSClient) -> None:
    word = unique("ranking").replace("-", "")
    project = admin.create_project(unique("rank"), data_class="PUBLIC")
    admin.create_dataset(project.id, "a", description=f"{word} {word} {word} mentioned often")
    admin.create_dataset(project.id, "b", title=f"{word} survey and more words here")
    exact = admin.create_dataset(project.id, "c", title=f"{word} survey")
    found = search(live_server, None, q=f"{word} survey")
    assert ids(found)[0] == exact.id
    assert found["items"][0]["path"] == f"{project.name}/c"
    # A prefix of the last word matches too.
    assert exact.id in ids(search(live_server, None, q=f"{word} surv"))


def test_filters(live_server: LiveServer, admin: AOSClient) -> None:
    word = unique("filter").replace("-", "")
    project = admin.create_project(unique("filt"), data_class="PUBLIC")
    other = admin.create_project(unique("filt2"), data_class="PUBLIC")
    ds = admin.create_dataset(
        project.id, f"{word}-ds", key_values=[{"key": "organism", "value": "ecoli"}]
    )
    coll = admin.create_collection(project.id, f"{word}-coll", data_license="CC-BY-4.0")
    elsewhere = admin.create_dataset(other.id, f"{word}-far")
    token = live_server.admin_token
    assert set(ids(search(live_server, token, q=word, kind="DATASET"))) == {ds.id, elsewhere.id}
    assert ids(search(live_server, token, q=word, kind="collection")) == [coll.id]
    assert ids(search(live_server, token, q=word, kv="organism=ecoli")) == [ds.id]
    assert ids(search(live_server, token, q=word, kv="organism")) == [ds.id]
    assert ids(search(live_server, token, q=word, kv="organism=human")) == []
    assert ids(search(live_server, token, q=word, license="CC-BY-4.0")) == [coll.id]
    assert set(ids(search(live_server, token, q=word, within=project.id))) == {ds.id, coll.id}
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert ids(search(live_server, token, q=word, created_after=future)) == []
    assert len(ids(search(live_server, token, q=word, created_before=future))) == 3
    # Filters alone, without words: newest first.
    assert ids(search(live_server, token, kv="organism=ecoli", within=project.id)) == [ds.id]


def test_index_follows_changes(live_server: LiveServer, admin: AOSClient) -> None:
    old, new = unique("oldword").replace("-", ""), unique("newword").replace("-", "")
    project = admin.create_project(unique("fresh"), data_class="PUBLIC")
    ds = admin.create_dataset(project.id, "d", title=old)
    assert ids(search(live_server, None, q=old)) == [ds.id]
    admin.update(ds.id, title=new)
    assert ids(search(live_server, None, q=old)) == []
    assert ids(search(live_server, None, q=new)) == [ds.id]
    admin.add_key_values(ds.id, [{"key": "tag", "value": f"{old}kv"}])
    assert ids(search(live_server, None, q=f"{old}kv")) == [ds.id]
    admin.delete(ds.id)
    assert ids(search(live_server, None, q=new)) == []


def test_paging(live_server: LiveServer, admin: AOSClient) -> None:
    word = unique("paging").replace("-", "")
    project = admin.create_project(unique("page"), data_class="PUBLIC")
    made = {admin.create_dataset(project.id, f"d{i:02d}", title=word).id for i in range(25)}
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": word, "limit": 10}
        if cursor:
            params["cursor"] = cursor
        page = search(live_server, None, **params)
        seen += ids(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)


@pytest.mark.parametrize(
    "q", ['"', "NEAR(a b)", "title:secret", "a AND OR NOT", "*", "ü", "x" * 1000, "-- ;drop"]
)
def test_hostile_queries_are_only_searched_for(live_server: LiveServer, q: str) -> None:
    result = search(live_server, None, q=q)
    assert isinstance(result["items"], list)


def test_bad_parameters_are_problems(live_server: LiveServer) -> None:
    cases = [({"kind": "FOLDER"}, 422), ({"limit": "0"}, 422), ({"nope": "1"}, 422)]
    cases.append(({"cursor": "abc"}, 400))
    for params, status in cases:
        r = httpx.get(f"{live_server.url}/api/v2/search", params=params)
        assert r.status_code == status, (params, r.text)
        assert r.headers["Content-Type"].startswith("application/problem+json")
        assert r.json()["detail"]


async def test_clients_search(live_server: LiveServer, admin: AOSClient) -> None:
    from aos_fs.client import AsyncAOSClient

    word = unique("clientsearch").replace("-", "")
    project = admin.create_project(unique("cs"), data_class="PUBLIC")
    ds = admin.create_dataset(project.id, "d", title=word, key_values=[{"key": "k", "value": "v"}])
    found = admin.search(word, kind=["DATASET"], kv={"k": "v"}, within=project.id)
    assert [r.resource.id for r in found.items] == [ds.id]
    assert found.items[0].path == f"{project.name}/d"
    async with AsyncAOSClient(live_server.url, None) as anon:
        assert [r.resource.id for r in (await anon.search(word)).items] == [ds.id]
