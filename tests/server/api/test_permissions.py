"""Permissions: the level matrix, inheritance, scoped and expiring tokens, data classes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from aos_fs.client import AOSClient
from aos_fs.errors import AOSNotFound, AOSPermissionError, AOSUnauthenticated
from aos_fs.models import Resource
from tests.factories import make_user, unique

LEVELS = ["NONE", "READ", "APPEND", "WRITE", "ADMIN"]
RANK = {name: i for i, name in enumerate(LEVELS)}
KINDS = ["project", "collection", "dataset", "object"]
NEEDED = {"read": "READ", "append": "APPEND", "write": "WRITE", "admin": "ADMIN"}


@dataclass
class Tree:
    project: Resource
    collection: Resource
    dataset: Resource
    object: Resource
    clients: dict[str, AOSClient]
    bystander: str  # a user id to grant things to

    def of(self, kind: str) -> Resource:
        return getattr(self, kind)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def tree(live_server) -> Tree:  # type: ignore[no-untyped-def]
    admin = AOSClient(live_server.url, live_server.admin_token)
    project = admin.create_project(unique("perm"))
    collection = admin.create_collection(project.id, "coll")
    dataset = admin.create_dataset(collection.id, "ds")
    obj = admin.create_object(dataset.id, "file.csv")
    clients = {}
    for level in LEVELS:
        user_id, client = make_user(admin)
        if level != "NONE":
            admin.grant(project.id, user_id, level)
        clients[level] = client
    bystander, _ = make_user(admin)
    return Tree(project, collection, dataset, obj, clients, bystander)


def _op(tree: Tree, kind: str, op: str) -> Callable[[AOSClient], object]:
    res = tree.of(kind)
    if op == "append":
        if kind == "object":
            pytest.skip("objects have no children: APPEND applies to containers only")
        create = {
            "project": lambda c: c.create_collection(res.id, unique("c")),
            "collection": lambda c: c.create_dataset(res.id, unique("d")),
            "dataset": lambda c: c.create_object(res.id, unique("o")),
        }[kind]
        return create
    if op == "write":
        return lambda c: c.update(res.id, title=unique("title"))
    return lambda c: c.grant(res.id, tree.bystander, "READ")


@pytest.mark.parametrize("op", list(NEEDED))
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("level", LEVELS)
def test_level_matrix(tree: Tree, level: str, kind: str, op: str) -> None:
    """A grant on the project is inherited by everything below it, and is exactly enough."""
    client = tree.clients[level]
    if op == "read":
        # Below READ, a PRIVATE resource shows only its redacted view.
        assert client.get(tree.of(kind).id).redacted == (level == "NONE")
        return
    call = _op(tree, kind, op)
    if RANK[level] >= RANK[NEEDED[op]]:
        call(client)
    else:
        with pytest.raises(AOSPermissionError) as err:
            call(client)
        assert err.value.status == 403
        assert err.value.detail  # says what is needed


def test_grant_below_is_not_inherited_upward(admin: AOSClient) -> None:
    project = admin.create_project(unique("up"))
    coll = admin.create_collection(project.id, "c")
    ds = admin.create_dataset(coll.id, "d")
    user_id, user = make_user(admin)
    admin.grant(ds.id, user_id, "WRITE")
    user.update(ds.id, title="mine")
    with pytest.raises(AOSPermissionError):
        user.update(coll.id, title="not mine")
    # The user reaches the dataset by path, but the collection only in its redacted view.
    assert [r.redacted for r in user.resolve(f"{project.name}/c/d")] == [True, True, False]


def test_scoped_token_with_ceiling(admin: AOSClient) -> None:
    project = admin.create_project(unique("scope"))
    coll = admin.create_collection(project.id, "c")
    ds = admin.create_dataset(coll.id, "d")
    obj = admin.create_object(ds.id, "o")
    user_id, user = make_user(admin)
    admin.grant(project.id, user_id, "ADMIN")
    scoped = user.with_token(user.create_token("ci", scope_id=ds.id, level="WRITE").secret)
    scoped.update(ds.id, title="ok")
    scoped.update(obj.id, title="ok too")
    with pytest.raises(AOSPermissionError):
        scoped.update(coll.id, title="outside the scope")
    with pytest.raises(AOSPermissionError):
        scoped.grant(ds.id, user_id, "READ")  # ADMIN is above the token's ceiling
    with pytest.raises(AOSPermissionError):
        scoped.create_project(unique("nope"))


def test_token_never_grants_more_than_its_holder(admin: AOSClient) -> None:
    project = admin.create_project(unique("holder"))
    user_id, user = make_user(admin)
    admin.grant(project.id, user_id, "READ")
    strong = user.with_token(user.create_token("wishful", level="ADMIN").secret)
    strong.get(project.id)
    with pytest.raises(AOSPermissionError):
        strong.update(project.id, title="no")
    # Permissions are checked live: revoking the grant cuts the token off at once.
    admin.grant(project.id, user_id, "NONE")
    assert strong.get(project.id).redacted


def test_expired_token_is_refused(admin: AOSClient) -> None:
    expires = datetime.now(UTC) + timedelta(seconds=1)
    short = admin.with_token(admin.create_token("short", expires_at=expires).secret)
    short.whoami()
    time.sleep(1.2)
    with pytest.raises(AOSUnauthenticated) as err:
        short.whoami()
    assert "expired" in str(err.value)


def test_revoked_and_garbage_tokens_are_refused(admin: AOSClient) -> None:
    created = admin.create_token("revoke-me")
    client = admin.with_token(created.secret)
    client.whoami()
    admin.delete_token(created.id)
    with pytest.raises(AOSUnauthenticated):
        client.whoami()
    with pytest.raises(AOSUnauthenticated):
        admin.with_token("aos_not-a-token").whoami()


@pytest.mark.parametrize(
    ("data_class", "anonymous_sees"),
    [
        pytest.param("PUBLIC", "full", id="public"),
        pytest.param("PRIVATE", "redacted", id="private"),
        pytest.param("WORKSPACE", "nothing", id="workspace"),
        pytest.param("CONFIDENTIAL", "nothing", id="confidential"),
    ],
)
def test_anonymous_access_by_data_class(
    admin: AOSClient, anonymous: AOSClient, data_class: str, anonymous_sees: str
) -> None:
    project = admin.create_project(
        unique("anon"), data_class=data_class, key_values=[{"key": "secret", "value": "x"}]
    )
    child = admin.create_dataset(project.id, "d")
    assert child.data_class == data_class  # inherited
    listed = {p.id for p in anonymous.iter_projects()}
    if anonymous_sees == "nothing":
        # Not even a 401: that would tell a stranger the resource exists.
        with pytest.raises(AOSNotFound) as err:
            anonymous.get(project.id)
        assert project.name not in str(err.value)
        assert project.id not in listed
        return
    got = anonymous.get(project.id)
    assert project.id in listed
    if anonymous_sees == "full":
        assert not got.redacted
        assert got.key_values[0].key == "secret"
        assert [c.name for c in anonymous.children(project.id).items] == ["d"]
    else:
        assert got.redacted
        assert got.key_values == []
        assert got.name == project.name
    with pytest.raises(AOSUnauthenticated):
        anonymous.update(project.id, title="anonymous write")


def test_confidential_is_hidden_from_other_users(admin: AOSClient) -> None:
    project = admin.create_project(unique("conf"), data_class="CONFIDENTIAL")
    _, user = make_user(admin)
    with pytest.raises(AOSNotFound):
        user.get(project.id)


def test_data_class_only_relaxes(admin: AOSClient) -> None:
    project = admin.create_project(unique("relax"), data_class="WORKSPACE")
    assert admin.update(project.id, data_class="PRIVATE").data_class == "PRIVATE"
    with pytest.raises(ValueError, match="relaxed toward PUBLIC"):
        admin.update(project.id, data_class="CONFIDENTIAL")
    assert admin.update(project.id, data_class="PUBLIC").data_class == "PUBLIC"


def test_service_account(admin: AOSClient) -> None:
    project = admin.create_project(unique("sa"))
    other = admin.create_project(unique("sa-other"))
    sa = admin.create_service_account(unique("bot"), project.id, "APPEND")
    assert sa.is_service_account
    bot = admin.with_token(admin.create_token("bot", user_id=sa.id).secret)
    bot.create_dataset(project.id, "made-by-bot")
    with pytest.raises(AOSPermissionError):
        bot.update(project.id, title="WRITE is above APPEND")
    with pytest.raises(AOSPermissionError):
        bot.create_dataset(other.id, "elsewhere")


def test_static_labels_need_admin_to_remove(admin: AOSClient) -> None:
    project = admin.create_project(unique("labels"))
    user_id, user = make_user(admin)
    admin.grant(project.id, user_id, "WRITE")
    static = {"key": "origin", "value": "lab-1", "variant": "STATIC_LABEL"}
    user.add_key_values(project.id, [static, {"key": "tmp", "value": "1"}])
    user.remove_key_values(project.id, [{"key": "tmp", "value": "1"}])
    with pytest.raises(AOSPermissionError, match="admin"):
        user.remove_key_values(project.id, [static])
    admin.remove_key_values(project.id, [static])
    with pytest.raises(AOSPermissionError, match="hook"):
        user.add_key_values(project.id, [{"key": "v", "value": "ok", "variant": "HOOK_STATUS"}])


def test_private_keys_never_leave_the_service(admin: AOSClient) -> None:
    project = admin.create_project(
        unique("priv"), key_values=[{"key": "private.note", "value": "x"}, {"key": "k"}]
    )
    assert [kv.key for kv in admin.get(project.id).key_values] == ["k"]
