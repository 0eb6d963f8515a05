"""The S3 endpoint through boto3 with its default configuration (new checksum defaults included)."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta

import boto3
import httpx
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import LiveServer
from tests.factories import payload, unique

MiB = 1 << 20


def client(
    server: LiveServer, key: str | None = None, secret: str | None = None, **cfg: object
) -> BaseClient:
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=key or server.access_key,
        aws_secret_access_key=secret or server.secret_key,
        region_name="us-east-1",
        config=Config(**cfg) if cfg else None,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def s3(live_server: LiveServer) -> BaseClient:
    return client(live_server)


@pytest.fixture
def bucket(s3: BaseClient) -> str:
    name = unique("b")
    s3.create_bucket(Bucket=name)
    return name


def code_of(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_bucket_lifecycle(s3: BaseClient) -> None:
    name = unique("life")
    s3.create_bucket(Bucket=name)
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.head_bucket(Bucket=name)
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    assert s3.get_bucket_location(Bucket=name).get("LocationConstraint") in (None, "")
    with pytest.raises(ClientError) as err:
        s3.create_bucket(Bucket=name)
    assert code_of(err) == "BucketAlreadyOwnedByYou"
    s3.put_object(Bucket=name, Key="x", Body=b"1")
    with pytest.raises(ClientError) as err:
        s3.delete_bucket(Bucket=name)
    assert code_of(err) == "BucketNotEmpty"
    s3.delete_object(Bucket=name, Key="x")
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as err:
        s3.head_bucket(Bucket=name)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as err:
        s3.create_bucket(Bucket="Not_Valid")
    assert code_of(err) == "InvalidBucketName"


@pytest.mark.parametrize(
    "size",
    [
        pytest.param(0, id="empty"),
        pytest.param(1, id="one-byte"),
        pytest.param(MiB + 7, id="odd-MiB"),
    ],
)
def test_put_get_round_trip(s3: BaseClient, bucket: str, size: int) -> None:
    data = payload(size, seed=size)
    put = s3.put_object(Bucket=bucket, Key="dir/data.bin", Body=data, Metadata={"origin": "lab"})
    assert put["ETag"] == f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="dir/data.bin")
    assert got["Body"].read() == data
    assert got["Metadata"] == {"origin": "lab"}
    assert got["ContentLength"] == size


def test_new_revision_on_overwrite(s3: BaseClient, bucket: str) -> None:
    first = s3.put_object(Bucket=bucket, Key="f.txt", Body=b"one")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key="f.txt", Body=b"two")["VersionId"]
    assert first != second
    assert s3.get_object(Bucket=bucket, Key="f.txt")["Body"].read() == b"two"
    old = s3.get_object(Bucket=bucket, Key="f.txt", VersionId=first)
    assert old["Body"].read() == b"one"
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [(v["VersionId"], v["IsLatest"]) for v in versions] == [(second, True), (first, False)]
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket=bucket, Key="f.txt", VersionId="01HZZZZZZZZZZZZZZZZZZZZZZZ")
    assert code_of(err) == "NoSuchVersion"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("bytes=0-0", b"0", id="first-byte"),
        pytest.param("bytes=5-", b"56789", id="open-end"),
        pytest.param("bytes=-3", b"789", id="suffix"),
        pytest.param("bytes=8-100", b"89", id="past-end-clipped"),
    ],
)
def test_ranges(s3: BaseClient, bucket: str, header: str, expected: bytes) -> None:
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    got = s3.get_object(Bucket=bucket, Key="digits", Range=header)
    assert got["Body"].read() == expected
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206


def test_unsatisfiable_range(s3: BaseClient, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket=bucket, Key="digits", Range="bytes=10-20")
    assert code_of(err) == "InvalidRange"


def test_conditional_requests(s3: BaseClient, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"x")["ETag"]
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"x"
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket=bucket, Key="c", IfMatch='"nope"')
    assert code_of(err) == "PreconditionFailed"
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    later = datetime.now(UTC) + timedelta(hours=1)
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=later)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key="c", IfUnmodifiedSince=datetime(2000, 1, 1, tzinfo=UTC))


def test_response_overrides(s3: BaseClient, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="o", Body=b"x", ContentType="text/plain")
    got = s3.get_object(
        Bucket=bucket,
        Key="o",
        ResponseContentType="application/json",
        ResponseContentDisposition='attachment; filename="o.json"',
    )
    assert got["ContentType"] == "application/json"
    assert got["ContentDisposition"] == 'attachment; filename="o.json"'


def test_listing_v1_v2_and_pagination(s3: BaseClient, bucket: str) -> None:
    keys = sorted(
        ["a.txt", "c/d/x.csv", "c/d/y.csv", "c/top.txt", "z/deep/er/f"]
        + [f"p/{i:03}" for i in range(25)]
    )
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")
    paginator = s3.get_paginator("list_objects_v2")
    listed = [
        o["Key"]
        for page in paginator.paginate(Bucket=bucket, PaginationConfig={"PageSize": 7})
        for o in page.get("Contents", [])
    ]
    assert listed == keys
    v1 = [
        o["Key"]
        for page in s3.get_paginator("list_objects").paginate(
            Bucket=bucket, PaginationConfig={"PageSize": 4}
        )
        for o in page.get("Contents", [])
    ]
    assert v1 == keys
    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["c/", "p/", "z/"]
    assert [o["Key"] for o in top["Contents"]] == ["a.txt"]
    inner = s3.list_objects_v2(Bucket=bucket, Prefix="c/", Delimiter="/")
    assert [p["Prefix"] for p in inner["CommonPrefixes"]] == ["c/d/"]
    after = s3.list_objects_v2(Bucket=bucket, StartAfter="p/020", Prefix="p/")
    assert [o["Key"] for o in after["Contents"]] == [f"p/{i:03}" for i in range(21, 25)]
    encoded = s3.list_objects_v2(Bucket=bucket, Prefix="c/d/", EncodingType="url")
    assert [o["Key"] for o in encoded["Contents"]] == ["c/d/x.csv", "c/d/y.csv"]


def test_special_characters_in_keys(s3: BaseClient, bucket: str) -> None:
    keys = ["with space.txt", "plus+sign", "tilde~x", "ümlaut/ß.csv", "eq=and&amp", "percent%41"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    for key in keys:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    listed = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed == set(keys)


def test_multipart_upload(s3: BaseClient, bucket: str) -> None:
    data = payload(12 * MiB + 3, seed=7)
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    s3.upload_fileobj(io.BytesIO(data), bucket, "big/file.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="big/file.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-3")
    out = io.BytesIO()
    s3.download_fileobj(bucket, "big/file.bin", out, Config=config)
    assert out.getvalue() == data
    second = s3.get_object(Bucket=bucket, Key="big/file.bin", PartNumber=2)
    assert second["Body"].read() == data[5 * MiB : 10 * MiB]


def test_multipart_low_level(s3: BaseClient, bucket: str) -> None:
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [up]
    p1 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=1, Body=b"a" * (5 * MiB))
    p2 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=2, Body=b"b")
    parts = s3.list_parts(Bucket=bucket, Key="mp", UploadId=up)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 5 * MiB), (2, 1)]
    with pytest.raises(ClientError) as err:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="mp",
            UploadId=up,
            MultipartUpload={
                "Parts": [
                    {"PartNumber": 2, "ETag": p2["ETag"]},
                    {"PartNumber": 1, "ETag": p1["ETag"]},
                ]
            },
        )
    assert code_of(err) == "InvalidPartOrder"
    with pytest.raises(ClientError) as err:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="mp",
            UploadId=up,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0000"'}]},
        )
    assert code_of(err) == "InvalidPart"
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=up,
        MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 2, "ETag": p2["ETag"]}]
        },
    )
    assert s3.head_object(Bucket=bucket, Key="mp")["ContentLength"] == 5 * MiB + 1
    up2 = s3.create_multipart_upload(Bucket=bucket, Key="gone")["UploadId"]
    s3.abort_multipart_upload(Bucket=bucket, Key="gone", UploadId=up2)
    with pytest.raises(ClientError) as err:
        s3.list_parts(Bucket=bucket, Key="gone", UploadId=up2)
    assert code_of(err) == "NoSuchUpload"
    with pytest.raises(ClientError) as err:
        s3.head_object(Bucket=bucket, Key="gone")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_small_part_refused(s3: BaseClient, bucket: str) -> None:
    up = s3.create_multipart_upload(Bucket=bucket, Key="small")["UploadId"]
    p1 = s3.upload_part(Bucket=bucket, Key="small", UploadId=up, PartNumber=1, Body=b"tiny")
    p2 = s3.upload_part(Bucket=bucket, Key="small", UploadId=up, PartNumber=2, Body=b"tiny")
    with pytest.raises(ClientError) as err:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="small",
            UploadId=up,
            MultipartUpload={
                "Parts": [
                    {"PartNumber": 1, "ETag": p1["ETag"]},
                    {"PartNumber": 2, "ETag": p2["ETag"]},
                ]
            },
        )
    assert code_of(err) == "EntityTooSmall"


def test_upload_part_copy(s3: BaseClient, bucket: str) -> None:
    data = payload(6 * MiB, seed=3)
    s3.put_object(Bucket=bucket, Key="src", Body=data)
    up = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    part = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=up,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "src"},
        CopySourceRange=f"bytes=0-{5 * MiB - 1}",
    )
    tail = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=up,
        PartNumber=2,
        CopySource={"Bucket": bucket, "Key": "src"},
        CopySourceRange=f"bytes={5 * MiB}-{6 * MiB - 1}",
    )
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="dst",
        UploadId=up,
        MultipartUpload={
            "Parts": [
                {"PartNumber": 1, "ETag": part["CopyPartResult"]["ETag"]},
                {"PartNumber": 2, "ETag": tail["CopyPartResult"]["ETag"]},
            ]
        },
    )
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == data


def test_copy_object_and_metadata_directive(s3: BaseClient, bucket: str) -> None:
    s3.put_object(
        Bucket=bucket, Key="orig", Body=b"data", Metadata={"a": "1"}, ContentType="text/csv"
    )
    s3.copy_object(Bucket=bucket, Key="kept", CopySource={"Bucket": bucket, "Key": "orig"})
    kept = s3.head_object(Bucket=bucket, Key="kept")
    assert (kept["Metadata"], kept["ContentType"]) == ({"a": "1"}, "text/csv")
    s3.copy_object(
        Bucket=bucket,
        Key="replaced",
        CopySource={"Bucket": bucket, "Key": "orig"},
        MetadataDirective="REPLACE",
        Metadata={"b": "2"},
        ContentType="text/plain",
    )
    replaced = s3.head_object(Bucket=bucket, Key="replaced")
    assert (replaced["Metadata"], replaced["ContentType"]) == ({"b": "2"}, "text/plain")
    assert s3.get_object(Bucket=bucket, Key="replaced")["Body"].read() == b"data"
    with pytest.raises(ClientError) as err:
        s3.copy_object(Bucket=bucket, Key="orig", CopySource={"Bucket": bucket, "Key": "orig"})
    assert code_of(err) == "InvalidRequest"


def test_delete_objects(s3: BaseClient, bucket: str) -> None:
    for key in ("d/1", "d/2", "keep"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    result = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "d/1"}, {"Key": "d/2"}, {"Key": "missing"}]}
    )
    assert {d["Key"] for d in result["Deleted"]} == {"d/1", "d/2", "missing"}
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["keep"]
    s3.delete_object(Bucket=bucket, Key="never-there")  # idempotent, as in S3


def test_tagging(s3: BaseClient, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="project=alpha&stage=raw")
    tags = s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"]
    assert {t["Key"]: t["Value"] for t in tags} == {"project": "alpha", "stage": "raw"}
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [{"Key": "k", "Value": "v"}]
    assert (
        s3.head_object(Bucket=bucket, Key="t")["ResponseMetadata"]["HTTPHeaders"][
            "x-amz-tagging-count"
        ]
        == "1"
    )
    s3.delete_object_tagging(Bucket=bucket, Key="t")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"])
def test_checksum_algorithms(s3: BaseClient, bucket: str, algorithm: str) -> None:
    data = payload(70_000, seed=1)
    put = s3.put_object(
        Bucket=bucket, Key=f"sum-{algorithm}", Body=data, ChecksumAlgorithm=algorithm
    )
    assert f"Checksum{algorithm}" in put
    got = s3.get_object(Bucket=bucket, Key=f"sum-{algorithm}", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got[f"Checksum{algorithm}"] == put[f"Checksum{algorithm}"]


def test_bad_content_md5_stores_nothing(
    s3: BaseClient, bucket: str, live_server: LiveServer
) -> None:
    once = client(live_server, retries={"max_attempts": 1})
    with pytest.raises(ClientError) as err:
        once.put_object(
            Bucket=bucket, Key="bad", Body=b"data", ContentMD5="AAAAAAAAAAAAAAAAAAAAAA=="
        )
    assert code_of(err) == "BadDigest"
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="bad")


def test_wrong_secret_and_unknown_key(live_server: LiveServer, bucket: str) -> None:
    wrong = client(live_server, secret="not-the-secret")
    with pytest.raises(ClientError) as err:
        wrong.list_objects_v2(Bucket=bucket)
    assert code_of(err) == "SignatureDoesNotMatch"
    unknown = client(live_server, key="AOSUNKNOWN000000")
    with pytest.raises(ClientError) as err:
        unknown.list_objects_v2(Bucket=bucket)
    assert code_of(err) == "InvalidAccessKeyId"


def test_presigned_urls(s3: BaseClient, bucket: str, live_server: LiveServer) -> None:
    s3.put_object(Bucket=bucket, Key="p.txt", Body=b"presigned")
    for cfg in ({}, {"signature_version": "s3v4"}):
        signer = client(live_server, **cfg) if cfg else s3
        url = signer.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=60
        )
        assert httpx.get(url).content == b"presigned"
        tampered = url.replace("p.txt", "p.txx")
        response = httpx.get(tampered)
        assert response.status_code == 403
        assert b"SignatureDoesNotMatch" in response.content
    v4 = client(live_server, signature_version="s3v4")
    put_url = v4.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "up.txt"}, ExpiresIn=60
    )
    assert httpx.put(put_url, content=b"via presigned PUT").status_code == 200
    assert s3.get_object(Bucket=bucket, Key="up.txt")["Body"].read() == b"via presigned PUT"
    expired = v4.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=1
    )
    import time

    time.sleep(2)
    response = httpx.get(expired)
    assert response.status_code == 403
    assert b"expired" in response.content


def test_errors_are_s3_xml(live_server: LiveServer, bucket: str) -> None:
    response = httpx.get(f"{live_server.url}/{bucket}/nothing-here")
    assert response.status_code in (403, 404)
    assert response.headers["content-type"] == "application/xml"
    assert b"<Error><Code>" in response.content
    assert b"<RequestId>" in response.content


def _signed(
    live_server: LiveServer, method: str, url: str, body: bytes, declared: str
) -> httpx.Response:
    """A SigV4-signed request whose x-amz-content-sha256 claims `declared` (signed as such)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    req = AWSRequest(method=method, url=url, data=body, headers={"x-amz-content-sha256": declared})
    SigV4Auth(
        Credentials(live_server.access_key, live_server.secret_key), "s3", "us-east-1"
    ).add_auth(req)
    return httpx.request(method, url, content=body, headers=dict(req.headers.items()))


def test_signed_payload_hash_mismatch_stores_nothing(
    s3: BaseClient, bucket: str, live_server: LiveServer
) -> None:
    s3.put_object(Bucket=bucket, Key="kept", Body=b"original")
    wrong = hashlib.sha256(b"something else").hexdigest()
    r = _signed(live_server, "PUT", f"{live_server.url}/{bucket}/kept", b"replacement", wrong)
    assert r.status_code == 400, r.text
    assert "<Code>XAmzContentSHA256Mismatch</Code>" in r.text
    assert s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"original"
    assert len(s3.list_object_versions(Bucket=bucket, Prefix="kept")["Versions"]) == 1
    # The right hash goes through, upper- or lower-case hex alike.
    right = hashlib.sha256(b"replacement").hexdigest()
    r = _signed(live_server, "PUT", f"{live_server.url}/{bucket}/kept", b"replacement", right)
    assert r.status_code == 200, r.text
    assert s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"replacement"
    # A multipart part with a false hash is refused and leaves no part behind.
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    part_url = f"{live_server.url}/{bucket}/mp?partNumber=1&uploadId={upload}"
    r = _signed(live_server, "PUT", part_url, b"part-bytes", wrong)
    assert "<Code>XAmzContentSHA256Mismatch</Code>" in r.text
    assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload).get("Parts", []) == []
    md5 = hashlib.md5(b"part-bytes", usedforsecurity=False).hexdigest()
    r = _signed(
        live_server, "PUT", part_url, b"part-bytes", hashlib.sha256(b"part-bytes").hexdigest()
    )
    assert r.status_code == 200 and r.headers["ETag"] == f'"{md5}"'
    s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)


def test_conditional_writes(s3: BaseClient, bucket: str) -> None:
    """If-None-Match: * creates only; If-Match writes only over the version it names."""
    once = s3.put_object(Bucket=bucket, Key="c/once", Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket=bucket, Key="c/once", Body=b"second", IfNoneMatch="*")
    assert code_of(err) == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="c/once")["Body"].read() == b"first"
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket=bucket, Key="c/once", Body=b"x", IfMatch='"' + "0" * 32 + '"')
    assert code_of(err) == "PreconditionFailed"
    s3.put_object(Bucket=bucket, Key="c/once", Body=b"third", IfMatch=once["ETag"])
    assert s3.get_object(Bucket=bucket, Key="c/once")["Body"].read() == b"third"
    # The same for a multipart upload, checked when it completes.
    upload = s3.create_multipart_upload(Bucket=bucket, Key="c/once")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="c/once", UploadId=upload, PartNumber=1, Body=b"mp")
    with pytest.raises(ClientError) as err:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="c/once",
            UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
            IfNoneMatch="*",
        )
    assert code_of(err) == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="c/once")["Body"].read() == b"third"


def test_head_of_an_empty_object_has_a_length(s3: BaseClient, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    head = s3.head_object(Bucket=bucket, Key="empty")
    assert head["ContentLength"] == 0
    assert head["ResponseMetadata"]["HTTPHeaders"]["content-length"] == "0"
