"""A scoped token (and S3 keys bound to it) never does more than its holder may do now."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from aos_fs.client import AOSClient
from aos_fs.errors import AOSPermissionError
from tests.conftest import LiveServer
from tests.factories import make_user, unique
from tests.security.conftest import s3_client


def _within(seconds: float, check: Callable[[], bool]) -> None:
    """S3 actors are cached for a couple of seconds; the API checks live."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the token kept a permission its holder lost"
        time.sleep(0.2)


def _denied(call: Callable[[], object]) -> bool:
    try:
        call()
    except ClientError as exc:
        return exc.response["Error"]["Code"] in ("AccessDenied", "NoSuchBucket", "NoSuchKey")
    return False


def test_a_scoped_token_loses_what_its_holder_loses(
    admin: AOSClient, live_server: LiveServer
) -> None:
    project = admin.create_project(unique("scoped"))
    dataset = admin.create_dataset(admin.create_collection(project.id, "c").id, "d")
    user_id, user = make_user(admin)
    admin.grant(project.id, user_id, "WRITE")
    token = user.create_token("ci", scope_id=dataset.id, level="WRITE")
    scoped = user.with_token(token.secret)
    keys = user.create_s3_credentials(token_id=token.id)
    s3 = s3_client(live_server, keys.access_key_id, keys.secret_access_key or "")
    scoped.update(dataset.id, title="written while the holder may write")
    s3.put_object(Bucket=project.name, Key="c/d/f.txt", Body=b"v1")

    admin.grant(project.id, user_id, "READ")  # the holder is demoted
    with pytest.raises(AOSPermissionError):
        scoped.update(dataset.id, title="no longer")
    assert scoped.get(dataset.id).title == "written while the holder may write"
    _within(
        10, lambda: _denied(lambda: s3.put_object(Bucket=project.name, Key="c/d/f.txt", Body=b"v2"))
    )
    assert s3.get_object(Bucket=project.name, Key="c/d/f.txt")["Body"].read() == b"v1"

    admin.grant(project.id, user_id, "NONE")  # the holder loses the project
    assert scoped.get(dataset.id).redacted
    _within(10, lambda: _denied(lambda: s3.get_object(Bucket=project.name, Key="c/d/f.txt")))


def test_a_scoped_token_cannot_mint_a_wider_one(admin: AOSClient) -> None:
    project = admin.create_project(unique("scoped"))
    dataset = admin.create_dataset(admin.create_collection(project.id, "c").id, "d")
    user_id, user = make_user(admin)
    admin.grant(project.id, user_id, "ADMIN")
    scoped = user.with_token(user.create_token("narrow", scope_id=dataset.id, level="READ").secret)
    with pytest.raises(AOSPermissionError):
        scoped.create_token("wider", level="ADMIN")
    with pytest.raises(AOSPermissionError):
        scoped.update(dataset.id, title="READ ceiling")


def test_a_deactivated_holder_stops_every_token(admin: AOSClient, live_server: LiveServer) -> None:
    project = admin.create_project(unique("scoped"))
    user_id, user = make_user(admin)
    admin.grant(project.id, user_id, "WRITE")
    token = user.create_token("ci", scope_id=project.id, level="READ")
    keys = user.create_s3_credentials(token_id=token.id)
    s3 = s3_client(live_server, keys.access_key_id, keys.secret_access_key or "")
    s3.list_objects_v2(Bucket=project.name)
    admin.set_user_state(user_id, active=False)
    with pytest.raises(PermissionError):
        user.with_token(token.secret).get(project.id)
    _within(10, lambda: _denied(lambda: s3.list_objects_v2(Bucket=project.name)))
