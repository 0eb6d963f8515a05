"""Write rules and quotas on a real server: refusals with their messages, nothing partial left."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import boto3
import httpx
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from aos_fs.client import AOSClient
from aos_fs.errors import AOSHTTPError
from tests.factories import make_user, payload, unique

from .conftest import Server

CSV_ONLY = 'kind != "OBJECT" || name.endsWith(".csv")'


def test_rule_refuses_a_non_csv_upload_with_its_message(
    admin: AOSClient, s3: BaseClient, server: Server
) -> None:
    name = unique("rules")
    project = admin.create_project(name)
    s3.put_object(Bucket=name, Key="tables/t1/first.csv", Body=b"a\n")
    dataset = admin.resolve_one(f"{name}/tables/t1")
    rule = admin.governance.add_rule(
        dataset.id, "csv-only", CSV_ONLY, "Only CSV files in this dataset"
    )
    assert [r.id for r in admin.governance.rules(dataset.id)] == [rule.id]

    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket=name, Key="tables/t1/notes.txt", Body=b"text")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert "Only CSV files in this dataset" in err.value.response["Error"]["Message"]
    s3.put_object(Bucket=name, Key="tables/t1/second.csv", Body=b"b\n")  # allowed
    s3.put_object(Bucket=name, Key="elsewhere/notes.txt", Body=b"x")  # outside its scope
    with pytest.raises(ClientError):
        s3.head_object(Bucket=name, Key="tables/t1/notes.txt")  # nothing was left

    # Through the API: problem+json with the rule's message.
    headers = {"Authorization": f"Bearer {server.live.admin_token}"}
    with httpx.Client(base_url=f"{server.url}/api/v2", headers=headers) as http:
        r = http.post("/objects", json={"name": "x.json", "parent_id": dataset.id})
        assert r.status_code == 403
        assert r.json()["code"] == "rule_violation"
        assert "Only CSV files in this dataset" in r.json()["detail"]

    # A size rule is checked once the size is known; a broken rule is refused at creation.
    admin.governance.add_rule(project.id, "small", "size <= 10", "At most 10 bytes per file")
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket=name, Key="tables/t1/big.csv", Body=b"0123456789AB")
    assert "At most 10 bytes" in err.value.response["Error"]["Message"]
    with pytest.raises(AOSHTTPError) as bad:
        admin.governance.add_rule(project.id, "bad", "nme.endsWith('x')", "m")
    assert bad.value.status == 400 and "nme" in str(bad.value)

    admin.governance.delete_rule(rule.id)
    s3.put_object(Bucket=name, Key="tables/t1/notes.txt", Body=b"text")


def test_rule_managers_are_project_admins(admin: AOSClient) -> None:
    project = admin.create_project(unique("rules-perm"))
    user_id, user = make_user(admin)
    admin.grant(project.id, user_id, "WRITE")
    with pytest.raises(AOSHTTPError) as err:
        user.governance.add_rule(project.id, "r", "true", "m")
    assert err.value.status == 403
    with pytest.raises(AOSHTTPError):
        user.governance.add_rule(None, "r", "true", "m")  # endpoint rules: global admins


def test_quota_refuses_the_upload_that_would_exceed_it(
    admin: AOSClient, s3: BaseClient, server: Server
) -> None:
    name = unique("quota")
    project = admin.create_project(name)
    admin.governance.set_project_quota(project.id, max_bytes=10_000)
    s3.put_object(Bucket=name, Key="a.bin", Body=payload(6_000))
    usage = admin.governance.project_usage(project.id)
    assert (usage.bytes, usage.objects, usage.max_bytes) == (6_000, 1, 10_000)

    blobs_before = server.blob_files()
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket=name, Key="b.bin", Body=payload(6_000, seed=1))
    assert err.value.response["Error"]["Code"] == "QuotaExceeded"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "Quota exceeded" in err.value.response["Error"]["Message"]
    # Nothing partial: no object, no new blob, usage unchanged.
    with pytest.raises(ClientError):
        s3.head_object(Bucket=name, Key="b.bin")
    assert server.blob_files() == blobs_before
    assert admin.governance.project_usage(project.id).bytes == 6_000

    # A declared size that cannot fit is refused before the body is read: the headers alone
    # get the answer (the server would otherwise wait for the 20,000 bytes that never come).
    # (Bodies small enough to keep inline, 16 KiB, are read first and then refused.)
    url = urlsplit(s3.generate_presigned_url("put_object", Params={"Bucket": name, "Key": "c.bin"}))
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(
            f"PUT {url.path}?{url.query} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            "Content-Length: 20000\r\n\r\n".encode()
        )
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 403") and b"QuotaExceeded" in answer

    # Multipart: refused at completion, and again nothing remains.
    big = boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=server.live.access_key,
        aws_secret_access_key=server.live.secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )
    admin.governance.set_project_quota(project.id, max_bytes=6 << 20)
    up = big.create_multipart_upload(Bucket=name, Key="mp.bin")
    part = big.upload_part(
        Bucket=name, Key="mp.bin", UploadId=up["UploadId"], PartNumber=1, Body=payload(7 << 20)
    )
    with pytest.raises(ClientError) as err:
        big.complete_multipart_upload(
            Bucket=name,
            Key="mp.bin",
            UploadId=up["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
        )
    assert err.value.response["Error"]["Code"] == "QuotaExceeded"
    big.abort_multipart_upload(Bucket=name, Key="mp.bin", UploadId=up["UploadId"])
    assert server.blob_files() == blobs_before

    # Deleting frees the room; an object-count limit works alike.
    s3.delete_object(Bucket=name, Key="a.bin")
    assert admin.governance.project_usage(project.id).bytes == 0
    admin.governance.set_project_quota(project.id, max_objects=1)
    s3.put_object(Bucket=name, Key="one.bin", Body=b"1")
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket=name, Key="two.bin", Body=b"2")
    assert err.value.response["Error"]["Code"] == "QuotaExceeded"
    s3.put_object(Bucket=name, Key="one.bin", Body=b"1 again")  # a revision is no new object


def test_user_quota_and_usage(admin: AOSClient, server: Server) -> None:
    name = unique("uquota")
    project = admin.create_project(name)
    user_id, user = make_user(admin)
    admin.grant(project.id, user_id, "WRITE")
    admin.governance.set_user_quota(user_id, max_bytes=100)
    keys = user.create_s3_credentials()
    s3 = boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
        region_name="us-east-1",
    )
    s3.put_object(Bucket=name, Key="mine.bin", Body=payload(80))
    usage = user.governance.user_usage()
    assert (usage.subject_id, usage.bytes, usage.objects, usage.max_bytes) == (user_id, 80, 1, 100)
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket=name, Key="more.bin", Body=payload(30))
    assert err.value.response["Error"]["Code"] == "QuotaExceeded"
    assert "your account" in err.value.response["Error"]["Message"]
    with pytest.raises(AOSHTTPError) as denied:
        user.governance.set_user_quota(user_id, max_bytes=None)
    assert denied.value.status == 403  # limits are for global admins


def test_endpoint_rule_no_public_data(admin: AOSClient, s3: BaseClient) -> None:
    rule = admin.governance.add_rule(
        None, "no-public", 'data_class != "PUBLIC"', "No PUBLIC data on this endpoint"
    )
    try:
        with pytest.raises(AOSHTTPError) as err:
            admin.create_project(unique("pub"), data_class="PUBLIC")
        assert err.value.code == "rule_violation"
        assert "No PUBLIC data on this endpoint" in str(err.value)
        project = admin.create_project(unique("priv"))
        with pytest.raises(AOSHTTPError) as err:
            admin.update(project.id, data_class="PUBLIC")  # relaxing is a write too
        assert err.value.code == "rule_violation"
        s3.put_object(Bucket=project.name, Key="ok.txt", Body=b"private data is fine")
        assert [r.id for r in admin.governance.rules()] == [rule.id]
    finally:
        admin.governance.delete_rule(rule.id)
    admin.create_project(unique("pub"), data_class="PUBLIC")
