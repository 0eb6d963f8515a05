"""Snapshots, archives and clones on a real server, through the API, S3 and aos://."""

from __future__ import annotations

import httpx
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from aos_fs.client import AOSClient
from aos_fs.errors import AOSHTTPError
from tests.factories import unique

from .conftest import Server


def _labels(res: object) -> dict[str, str]:
    return {kv.key: kv.value for kv in res.key_values}  # type: ignore[attr-defined]


def test_snapshot_does_not_change_when_the_original_does(
    admin: AOSClient, s3: BaseClient, server: Server
) -> None:
    name = unique("snap")
    project = admin.create_project(name)
    s3.put_object(Bucket=name, Key="raw/day1/a.csv", Body=b"x,y\n1,2\n")
    s3.put_object(Bucket=name, Key="raw/day1/b.csv", Body=b"old")
    dataset = admin.resolve_one(f"{name}/raw/day1")

    snap = admin.governance.snapshot(dataset.id, "day1-v1")
    assert _labels(snap)["aos.snapshot_of"] == dataset.id
    rels = admin.relations(snap.id)
    assert any(r.type == "VERSION" and r.target_id == dataset.id for r in rels)

    # The original keeps changing: a new revision, a new object, a deletion.
    s3.put_object(Bucket=name, Key="raw/day1/b.csv", Body=b"new")
    s3.put_object(Bucket=name, Key="raw/day1/c.csv", Body=b"added")
    s3.delete_object(Bucket=name, Key="raw/day1/a.csv")

    # The snapshot is readable at its own path, as it was (S3, API and aos://).
    assert s3.get_object(Bucket=name, Key="raw/day1-v1/b.csv")["Body"].read() == b"old"
    assert s3.get_object(Bucket=name, Key="raw/day1-v1/a.csv")["Body"].read() == b"x,y\n1,2\n"
    names = {c.name for c in admin.children(snap.id).items}
    assert names == {"a.csv", "b.csv"}
    import fsspec

    fs = fsspec.filesystem(
        "aos", endpoint_url=server.url, token=server.live.admin_token, skip_instance_cache=True
    )
    assert fs.cat_file(f"aos://{name}/raw/day1-v1/b.csv") == b"old"
    assert fs.info(f"aos://{name}/raw/day1-v1/b.csv")["key_values"]["aos.snapshot_of"]

    # …and refuses every write, with a clear error.
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket=name, Key="raw/day1-v1/b.csv", Body=b"overwrite")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert "snapshot" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        s3.put_object(Bucket=name, Key="raw/day1-v1/new.csv", Body=b"new")
    with pytest.raises(ClientError):
        s3.delete_object(Bucket=name, Key="raw/day1-v1/b.csv")
    with pytest.raises(AOSHTTPError) as api_err:
        admin.update(snap.id, title="changed")
    assert api_err.value.code == "read_only"
    assert s3.get_object(Bucket=name, Key="raw/day1-v1/b.csv")["Body"].read() == b"old"
    assert project.id


def test_archived_project_refuses_every_write(
    admin: AOSClient, s3: BaseClient, server: Server
) -> None:
    name = unique("arch")
    project = admin.create_project(name)
    s3.put_object(Bucket=name, Key="c/d/file.txt", Body=b"kept")
    obj = admin.resolve_one(f"{name}/c/d/file.txt")
    coll = admin.resolve_one(f"{name}/c")

    archived = admin.governance.archive(project.id)
    assert "aos.archived" in _labels(archived)
    assert "aos.archived" in _labels(admin.get(project.id))  # stated in the resource JSON

    # S3: every write is AccessDenied, and the message says why.
    writes = [
        lambda: s3.put_object(Bucket=name, Key="c/d/file.txt", Body=b"changed"),
        lambda: s3.put_object(Bucket=name, Key="new.txt", Body=b"new"),
        lambda: s3.delete_object(Bucket=name, Key="c/d/file.txt"),
        lambda: s3.create_multipart_upload(Bucket=name, Key="big.bin"),
        lambda: s3.copy_object(
            Bucket=name, Key="c/d/copy.txt", CopySource={"Bucket": name, "Key": "c/d/file.txt"}
        ),
        lambda: s3.put_object_tagging(
            Bucket=name, Key="c/d/file.txt", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}
        ),
    ]
    for write in writes:
        with pytest.raises(ClientError) as err:
            write()
        assert err.value.response["Error"]["Code"] == "AccessDenied", write
        assert "archived" in err.value.response["Error"]["Message"]

    # API: problem+json with the stable code `read_only`.
    headers = {"Authorization": f"Bearer {server.live.admin_token}"}
    with httpx.Client(base_url=f"{server.url}/api/v2", headers=headers) as http:
        attempts = [
            ("PATCH", f"/resources/{obj.id}", {"title": "t"}),
            ("PATCH", f"/resources/{coll.id}/key-values", {"add": [{"key": "k", "value": "v"}]}),
            ("POST", "/datasets", {"name": "more", "parent_id": coll.id}),
            ("DELETE", f"/resources/{obj.id}", None),
            ("DELETE", f"/resources/{project.id}", None),
        ]
        for method, path, body in attempts:
            r = http.request(method, path, json=body)
            assert r.status_code == 403, (method, path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == "read_only"
            assert "archived" in r.json()["detail"]

    # Reads still work; the archive is lifted only by a global admin.
    assert s3.get_object(Bucket=name, Key="c/d/file.txt")["Body"].read() == b"kept"
    admin.governance.unarchive(project.id)
    s3.put_object(Bucket=name, Key="new.txt", Body=b"now allowed")


def test_users_cannot_forge_the_reserved_labels(admin: AOSClient) -> None:
    project = admin.create_project(unique("forge"))
    with pytest.raises(AOSHTTPError) as err:
        admin.add_key_values(project.id, [{"key": "aos.archived", "value": "x"}])
    assert err.value.status == 403


def test_clone_shares_one_blob_and_survives_deleting_the_original(
    admin: AOSClient, s3: BaseClient, server: Server
) -> None:
    a, b = unique("src"), unique("dst")
    admin.create_project(a)
    target = admin.create_project(b)
    body = b"clone me " * 1000 + unique().encode()
    s3.put_object(Bucket=a, Key="ds/orig.bin", Body=body)
    before = set(server.blob_files())
    original = admin.resolve_one(f"{a}/ds/orig.bin")

    clone = admin.governance.clone(original.id, target.id, "copy.bin")
    assert clone.revision == 1 and clone.size == len(body)
    assert any(r.type == "ORIGIN" and r.target_id == original.id for r in admin.relations(clone.id))
    assert set(server.blob_files()) == before  # no bytes copied
    assert s3.get_object(Bucket=b, Key="copy.bin")["Body"].read() == body

    admin.delete(original.id)
    server.sweep()
    assert s3.get_object(Bucket=b, Key="copy.bin")["Body"].read() == body

    # A container clones with its tree.
    s3.put_object(Bucket=a, Key="ds2/x.txt", Body=b"x")
    ds2 = admin.resolve_one(f"{a}/ds2")
    admin.governance.clone(ds2.id, target.id)
    assert s3.get_object(Bucket=b, Key="ds2/x.txt")["Body"].read() == b"x"
