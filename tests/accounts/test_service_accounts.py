"""A service account acts inside its project only: API, S3, search and listing."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from aos_fs.client import AOSClient
from aos_fs.errors import AOSNotFound, AOSPermissionError
from tests.accounts.conftest import s3_client, unique
from tests.conftest import LiveServer


def test_service_account_cannot_leave_its_project(
    live_server: LiveServer, admin: AOSClient
) -> None:
    home = admin.create_project(unique("sa-home"), data_class="PRIVATE", title="sahometitle")
    elsewhere = admin.create_project(unique("sa-else"), data_class="PUBLIC", title="saelsetitle")
    admin_s3 = s3_client(live_server.url, live_server.access_key, live_server.secret_key)
    admin_s3.put_object(Bucket=elsewhere.name, Key="public.txt", Body=b"anyone may read")
    admin_s3.put_object(Bucket=home.name, Key="home.txt", Body=b"home data")

    sa = admin.create_service_account(unique("robot"), home.id, "WRITE")
    assert [u.id for u in admin.accounts.service_accounts(home.id)] == [sa.id]
    token = admin.create_token("robot", user_id=sa.id)
    keys = admin.accounts.service_account_s3_credentials(sa.id)
    assert keys.secret_access_key

    with AOSClient(live_server.url, token.secret) as robot:
        # Inside: read and write.
        assert robot.get(home.id).name == home.name
        robot.create_dataset(home.id, "made-by-robot")
        # Listing and search show its project only, though the other one is PUBLIC.
        assert [p.name for p in robot.list_projects(limit=1000).items] == [home.name]
        found = robot.search("saelsetitle")
        assert found.items == []
        # Outside: nothing, not even PUBLIC data.
        with pytest.raises((AOSNotFound, AOSPermissionError)):
            robot.get(elsewhere.id)
        with pytest.raises(AOSPermissionError):
            robot.create_project(unique("robot-own"))
        with pytest.raises(AOSPermissionError):
            robot.create_token("more")
        with pytest.raises(AOSPermissionError):
            robot.accounts.request_access(elsewhere.id, "READ")

    robot_s3 = s3_client(live_server.url, keys.access_key_id, keys.secret_access_key or "")
    assert robot_s3.get_object(Bucket=home.name, Key="home.txt")["Body"].read() == b"home data"
    robot_s3.put_object(Bucket=home.name, Key="robot.txt", Body=b"written by the robot")
    buckets = [b["Name"] for b in robot_s3.list_buckets()["Buckets"]]
    assert buckets == [home.name]
    for call in (
        lambda: robot_s3.get_object(Bucket=elsewhere.name, Key="public.txt"),
        lambda: robot_s3.list_objects_v2(Bucket=elsewhere.name),
        lambda: robot_s3.put_object(Bucket=elsewhere.name, Key="x", Body=b"x"),
        lambda: robot_s3.create_bucket(Bucket=unique("robot-bucket")),
    ):
        with pytest.raises(ClientError) as err:
            call()
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] in (403, 404)


def test_only_project_admins_issue_service_account_keys(
    live_server: LiveServer, admin: AOSClient
) -> None:
    from tests.accounts.conftest import new_user

    home = admin.create_project(unique("sa-keys"))
    sa = admin.create_service_account(unique("robot"), home.id, "READ")
    with new_user(admin, live_server.url, "stranger") as stranger:
        with pytest.raises((AOSNotFound, AOSPermissionError)):
            stranger.accounts.service_account_s3_credentials(sa.id)
        with pytest.raises((AOSNotFound, AOSPermissionError)):
            stranger.accounts.service_accounts(home.id)
