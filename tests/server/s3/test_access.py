"""Who may reach the bytes: anonymous reads by data class, permissions, presigned URLs, CORS,
bundles."""

from __future__ import annotations

import io
import tarfile
import time
import zipfile

import boto3
import httpx
import pytest
from botocore import UNSIGNED
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from aos_fs.client import AOSClient
from tests.conftest import LiveServer
from tests.factories import make_user, unique


def s3_for(server: LiveServer, key: str, secret: str) -> BaseClient:
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name="us-east-1",
    )


@pytest.fixture(scope="module")
def admin_s3(live_server: LiveServer) -> BaseClient:
    return s3_for(live_server, live_server.access_key, live_server.secret_key)


@pytest.fixture(scope="module")
def anon_s3(live_server: LiveServer) -> BaseClient:
    return boto3.client(
        "s3",
        endpoint_url=live_server.url,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED),
    )


@pytest.fixture
def admin(live_server: LiveServer) -> AOSClient:
    return AOSClient(live_server.url, live_server.admin_token)


@pytest.mark.parametrize(
    ("data_class", "readable"),
    [pytest.param("PUBLIC", True, id="public"), pytest.param("PRIVATE", False, id="private")],
)
def test_anonymous_reads_follow_the_data_class(
    admin: AOSClient, admin_s3: BaseClient, anon_s3: BaseClient, data_class: str, readable: bool
) -> None:
    project = admin.create_project(unique("anon"), data_class=data_class)
    admin_s3.put_object(Bucket=project.name, Key="d/file.txt", Body=b"open data")
    if readable:
        assert (
            anon_s3.get_object(Bucket=project.name, Key="d/file.txt")["Body"].read() == b"open data"
        )
        anon_s3.head_object(Bucket=project.name, Key="d/file.txt")
        listed = anon_s3.list_objects_v2(Bucket=project.name)["Contents"]
        assert [o["Key"] for o in listed] == ["d/file.txt"]
    else:
        with pytest.raises(ClientError) as err:
            anon_s3.get_object(Bucket=project.name, Key="d/file.txt")
        assert err.value.response["Error"]["Code"] == "AccessDenied"
        with pytest.raises(ClientError):
            anon_s3.list_objects_v2(Bucket=project.name)
    with pytest.raises(ClientError) as err:
        anon_s3.put_object(Bucket=project.name, Key="d/evil.txt", Body=b"x")
    assert err.value.response["Error"]["Code"] == "AccessDenied"


def test_user_keys_follow_permissions(
    live_server: LiveServer, admin: AOSClient, admin_s3: BaseClient
) -> None:
    project = admin.create_project(unique("perm"))
    admin_s3.put_object(Bucket=project.name, Key="f", Body=b"x")
    user_id, user = make_user(admin)
    creds = user.create_s3_credentials()
    user_s3 = s3_for(live_server, creds.access_key_id, creds.secret_access_key or "")
    with pytest.raises(ClientError) as err:
        user_s3.get_object(Bucket=project.name, Key="f")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    admin.grant(project.id, user_id, "READ")
    assert user_s3.get_object(Bucket=project.name, Key="f")["Body"].read() == b"x"
    with pytest.raises(ClientError) as err:
        user_s3.put_object(Bucket=project.name, Key="g", Body=b"y")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    admin.grant(project.id, user_id, "APPEND")
    user_s3.put_object(Bucket=project.name, Key="g", Body=b"y")  # a new object: APPEND is enough
    with pytest.raises(ClientError):
        user_s3.put_object(Bucket=project.name, Key="f", Body=b"new revision needs WRITE")
    user.delete_s3_credentials(creds.access_key_id)
    with pytest.raises(ClientError) as err:
        user_s3.get_object(Bucket=project.name, Key="f")
    assert err.value.response["Error"]["Code"] == "InvalidAccessKeyId"


def test_keys_scoped_by_a_token(
    live_server: LiveServer, admin: AOSClient, admin_s3: BaseClient
) -> None:
    project = admin.create_project(unique("scoped"))
    inside = admin.create_dataset(project.id, "inside")
    admin_s3.put_object(Bucket=project.name, Key="inside/a", Body=b"a")
    admin_s3.put_object(Bucket=project.name, Key="outside", Body=b"b")
    token = admin.create_token("ds-only", scope_id=inside.id, level="READ")
    scoped = admin.with_token(token.secret)
    creds = scoped.create_s3_credentials()
    assert creds.token_id == token.id
    s3 = s3_for(live_server, creds.access_key_id, creds.secret_access_key or "")
    assert s3.get_object(Bucket=project.name, Key="inside/a")["Body"].read() == b"a"
    with pytest.raises(ClientError):
        s3.get_object(Bucket=project.name, Key="outside")
    admin.delete_token(token.id)
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket=project.name, Key="inside/a")
    assert err.value.response["Error"]["Code"] == "AccessDenied"


def test_presign_api(admin: AOSClient, admin_s3: BaseClient) -> None:
    project = admin.create_project(unique("presign"))
    up = admin.presign(f"{project.name}/c/d/file.bin", method="PUT", expires_in=60)
    assert httpx.put(up["url"], content=b"uploaded by a browser").status_code == 200
    down = admin.presign(f"{project.name}/c/d/file.bin", expires_in=60)
    assert httpx.get(down["url"]).content == b"uploaded by a browser"
    assert [r.kind for r in admin.resolve(f"{project.name}/c/d/file.bin")][1:] == [
        "COLLECTION",
        "DATASET",
        "OBJECT",
    ]
    with pytest.raises(ValueError, match="at most"):
        admin.presign(f"{project.name}/c/d/file.bin", expires_in=10**7)
    # A version: GET only, and only one of this object.
    first = admin.versions(admin.resolve_one(f"{project.name}/c/d/file.bin").id)[0]
    assert httpx.put(up["url"], content=b"second revision").status_code == 200
    pinned = admin.presign(f"{project.name}/c/d/file.bin", version_id=first.id, expires_in=60)
    assert httpx.get(pinned["url"]).content == b"uploaded by a browser"
    with pytest.raises(ValueError, match="GET only"):
        admin.presign(f"{project.name}/c/d/file.bin", method="PUT", version_id=first.id)
    with pytest.raises(FileNotFoundError, match="no version"):
        admin.presign(f"{project.name}/c/d/file.bin", version_id="01ARZ3NDEKTSV4RRFFQ69G5FAV")
    short = admin.presign(f"{project.name}/c/d/file.bin", expires_in=1)
    time.sleep(2)
    assert httpx.get(short["url"]).status_code == 403


def test_cors(admin: AOSClient, admin_s3: BaseClient, live_server: LiveServer) -> None:
    project = admin.create_project(unique("cors"))
    admin_s3.put_object(Bucket=project.name, Key="f", Body=b"x")
    origin = "https://notebook.example.org"
    preflight = {
        "Origin": origin,
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type",
    }
    url = f"{live_server.url}/{project.name}/f"
    assert httpx.options(url, headers=preflight).status_code == 403  # no rules yet
    admin_s3.put_bucket_cors(
        Bucket=project.name,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [origin, "https://other.example.org"],
                    "AllowedMethods": ["GET", "PUT"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 600,
                }
            ]
        },
    )
    assert admin_s3.get_bucket_cors(Bucket=project.name)["CORSRules"][0]["MaxAgeSeconds"] == 600
    ok = httpx.options(url, headers=preflight)
    assert ok.status_code == 200
    assert ok.headers["Access-Control-Allow-Origin"] == origin  # exactly one origin
    assert "PUT" in ok.headers["Access-Control-Allow-Methods"]
    refused = httpx.options(url, headers={**preflight, "Origin": "https://evil.example"})
    assert refused.status_code == 403
    down = admin.presign(f"{project.name}/f", expires_in=60)
    got = httpx.get(down["url"], headers={"Origin": origin})
    assert got.headers["Access-Control-Allow-Origin"] == origin
    assert got.headers["Access-Control-Expose-Headers"] == "ETag"
    admin_s3.delete_bucket_cors(Bucket=project.name)
    with pytest.raises(ClientError) as err:
        admin_s3.get_bucket_cors(Bucket=project.name)
    assert err.value.response["Error"]["Code"] == "NoSuchCORSConfiguration"


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_bundles(admin: AOSClient, admin_s3: BaseClient, live_server: LiveServer, fmt: str) -> None:
    project = admin.create_project(unique("bundle"))
    files = {"raw/run1/a.csv": b"a,b\n1,2\n", "raw/run1/sub/b.bin": bytes(range(256)) * 5000}
    for key, data in files.items():
        admin_s3.put_object(Bucket=project.name, Key=key, Body=data)
    dataset = admin.resolve_one(f"{project.name}/raw/run1")
    link = admin.create_bundle([dataset.id], format=fmt, once=True)
    response = httpx.get(link["url"])
    assert response.status_code == 200, response.text
    if fmt == "zip":
        with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
            got = {name: zf.read(name) for name in zf.namelist()}
    else:
        with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as tf:
            got = {m.name: tf.extractfile(m).read() for m in tf.getmembers()}  # type: ignore[union-attr]
    assert got == {
        "run1/a.csv": files["raw/run1/a.csv"],
        "run1/sub/b.bin": files["raw/run1/sub/b.bin"],
    }
    again = httpx.get(link["url"])
    assert again.status_code == 410
    assert again.json()["code"] == "bundle_gone"
