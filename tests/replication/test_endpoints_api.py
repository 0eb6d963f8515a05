"""Endpoints, placements and replica status through the API, on the embedded server (SQLite),
whose S3 endpoint is the default data endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from aos_fs import AOSFileSystem
from aos_fs.client import AOSClient
from aos_fs.errors import AOSHTTPError
from tests.conftest import LiveServer
from tests.factories import make_user, unique

from .sites import s3_client

FILE_SIZE = 20_000  # above the inline size (16 KiB): the bytes are a file


@pytest.fixture
def admin(live_server: LiveServer) -> Iterator[AOSClient]:
    with AOSClient(live_server.url, live_server.admin_token) as client:
        yield client


def fails(call: object, status: int, code: str) -> AOSHTTPError:
    with pytest.raises(AOSHTTPError) as err:
        call()  # type: ignore[operator]
    assert (err.value.status, err.value.code) == (status, code), err.value
    assert err.value.detail
    return err.value


def test_endpoint_records_are_for_admins(live_server: LiveServer, admin: AOSClient) -> None:
    name = unique("site")
    created = admin.create_endpoint(name, public_url="https://s3.example.org/")
    assert created.credential.startswith("aosep_") and created.status == "NEW"
    assert created.public_url == "https://s3.example.org"
    listed = {e.name: e for e in admin.list_endpoints()}
    assert listed[name].id == created.id and not hasattr(listed[name], "credential")
    default = listed["default"]
    assert (
        default.is_default and default.status == "ONLINE" and default.public_url == live_server.url
    )
    fails(lambda: admin.create_endpoint(name), 409, "already_exists")

    _, user = make_user(admin)
    with user:
        fails(lambda: user.create_endpoint(unique("site")), 403, "permission_denied")
        fails(lambda: user.delete_endpoint(created.id), 403, "permission_denied")
        assert name in {e.name for e in user.list_endpoints()}  # readable by any user
    anonymous = httpx.get(f"{live_server.url}/api/v2/endpoints")
    assert anonymous.status_code == 401
    assert anonymous.headers["Content-Type"].startswith("application/problem+json")
    assert anonymous.json()["code"] == "unauthenticated"

    fails(lambda: admin.delete_endpoint(default.id), 400, "invalid_input")
    admin.delete_endpoint(created.id)
    fails(lambda: admin.delete_endpoint(created.id), 404, "not_found")


def test_heartbeat_needs_the_endpoint_credential(live_server: LiveServer, admin: AOSClient) -> None:
    created = admin.create_endpoint(unique("site"))
    url = f"{live_server.url}/api/v2/endpoint/heartbeat"
    body = {"public_url": "http://127.0.0.1:9"}
    for headers in ({}, {"X-AOS-Endpoint-Credential": "aosep_wrong"}):
        r = httpx.post(url, json=body, headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "unauthenticated", r.text
    ok = httpx.post(url, json=body, headers={"X-AOS-Endpoint-Credential": created.credential})
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "ONLINE" and ok.json()["public_url"] == "http://127.0.0.1:9"
    # The blob exchange between endpoints refuses anyone else, whatever the key.
    assert httpx.get(f"{live_server.url}/_aos/blobs/ABC").status_code == 401
    admin.delete_endpoint(created.id)


def test_placements_and_replica_status(live_server: LiveServer, admin: AOSClient) -> None:
    project = admin.create_project(unique("place"))
    s3 = s3_client(live_server.url)
    # Above the inline size: these bytes are files, which a remote endpoint must copy.
    s3.put_object(Bucket=project.name, Key="raw/a.txt", Body=b"a" * FILE_SIZE)
    s3.put_object(Bucket=project.name, Key="raw/a.txt", Body=b"A" * FILE_SIZE)  # revision 2
    s3.put_object(Bucket=project.name, Key="other/b.txt", Body=b"b" * FILE_SIZE)
    a_id = admin.resolve(f"{project.name}/raw/a.txt")[-1].id
    b_id = admin.resolve(f"{project.name}/other/b.txt")[-1].id
    written = admin.replicas(a_id)
    assert [(r.endpoint_name, r.status) for r in written] == [("default", "FINISHED")] * 2

    remote = admin.create_endpoint(unique("site"))
    fails(lambda: admin.place_project(project.id, "no-such-endpoint"), 404, "not_found")
    r = httpx.put(
        f"{live_server.url}/api/v2/projects/{project.id}/endpoints/{remote.id}",
        json={"mode": "PARTIAL", "prefixes": []},
        headers={"Authorization": f"Bearer {live_server.admin_token}"},
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_input"
    placed = admin.place_project(project.id, remote.id, prefixes=["/raw/"])
    assert (placed.mode, placed.prefixes, placed.endpoint_name) == ("PARTIAL", ["raw"], remote.name)
    assert admin.project_endpoints(project.id) == [placed]

    # Revisions already there are queued for the new endpoint (both revisions of raw/a.txt);
    # other/b.txt lies outside its subtree. Nothing runs them: no such proxy is up.
    queued = [(r.endpoint_name, r.status, r.attempts) for r in admin.replicas(a_id)]
    assert sorted(queued) == sorted(
        [("default", "FINISHED", 0)] * 2 + [(remote.name, "WAITING", 0)] * 2
    )
    assert [r.endpoint_name for r in admin.replicas(b_id)] == ["default"]
    # The object view and fsspec info() carry the latest revision's replicas.
    view = admin.get(a_id)
    assert {(e.name, e.status) for e in view.endpoints} == {
        ("default", "FINISHED"),
        (remote.name, "WAITING"),
    }
    fs = AOSFileSystem(
        endpoint_url=live_server.url, token=live_server.admin_token, skip_instance_cache=True
    )
    info = fs.info(f"{project.name}/raw/a.txt")
    assert {r["endpoint_name"]: r["status"] for r in info["replicas"]} == {
        "default": "FINISHED",
        remote.name: "WAITING",
    }
    assert {r["version_id"] for r in info["replicas"]} == {info["version_id"]}
    first = fs.info(f"{project.name}/raw/a.txt@1")
    assert {r["version_id"] for r in first["replicas"]} == {first["version_id"]}
    # A new revision is queued when it is written.
    s3.put_object(Bucket=project.name, Key="raw/c.txt", Body=b"c" * FILE_SIZE)
    c_id = admin.resolve(f"{project.name}/raw/c.txt")[-1].id
    assert {r.endpoint_name: r.status for r in admin.replicas(c_id)} == {
        "default": "FINISHED",
        remote.name: "WAITING",
    }
    # A small object's bytes are in the database every endpoint shares: nothing to copy.
    s3.put_object(Bucket=project.name, Key="raw/d.txt", Body=b"d")
    d_id = admin.resolve(f"{project.name}/raw/d.txt")[-1].id
    assert {r.endpoint_name: r.status for r in admin.replicas(d_id)} == {
        "default": "FINISHED",
        remote.name: "FINISHED",
    }

    # Who may see and change placements and replicas.
    user_id, user = make_user(admin)
    with user:
        fails(lambda: user.project_endpoints(project.id), 403, "permission_denied")
        fails(lambda: user.replicas(a_id), 403, "permission_denied")
        admin.grant(project.id, user_id, "READ")
        assert user.project_endpoints(project.id) == [placed]
        assert len(user.replicas(a_id)) == 4
        fails(lambda: user.place_project(project.id, remote.id), 403, "permission_denied")
        fails(lambda: user.unplace_project(project.id, remote.id), 403, "permission_denied")
    admin.unplace_project(project.id, remote.id)
    assert admin.project_endpoints(project.id) == []
    fails(lambda: admin.unplace_project(project.id, remote.id), 404, "not_found")
    admin.delete_endpoint(remote.id)
    assert {r.endpoint_name for r in admin.replicas(a_id)} == {"default"}
