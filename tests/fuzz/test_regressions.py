"""Server errors and rule gaps found by the fuzzers and property tests, kept as regressions.

Each test sends what used to fail through a real client to a real server: digits that
`str.isdigit()` accepts but `int()` refuses ('²'), numbers beyond `int()`'s 4300-digit limit,
and a project name with a trailing newline that `re.match(...$)` let through.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.credentials import Credentials

from tests.conftest import LiveServer, admin_api
from tests.factories import unique

HUGE = "9" * 5000  # int() refuses more than 4300 digits


@pytest.fixture(scope="module")
def s3(live_server: LiveServer) -> BaseClient:
    return boto3.client(
        "s3",
        endpoint_url=live_server.url,
        aws_access_key_id=live_server.access_key,
        aws_secret_access_key=live_server.secret_key,
        region_name="us-east-1",
    )


@pytest.fixture(scope="module")
def bucket(s3: BaseClient) -> str:
    name = unique("fuzzreg")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="coll/ds/data.bin", Body=b"0123456789")
    return name


@pytest.fixture
def signed(live_server: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client whose requests botocore signs with SigV4 (any query string at all)."""
    creds = Credentials(live_server.access_key, live_server.secret_key)

    def sign(request: httpx.Request) -> None:
        aws = AWSRequest(method=request.method, url=str(request.url), data=b"")
        aws.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
        SigV4Auth(creds, "s3", "us-east-1").add_auth(aws)
        request.headers.update(dict(aws.headers.items()))

    with httpx.Client(base_url=live_server.url, event_hooks={"request": [sign]}) as client:
        yield client


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    with admin_api(live_server) as client:
        yield client


@pytest.mark.parametrize("revision", ["²", HUGE])
def test_revision_path_parameter(api: httpx.Client, revision: str) -> None:
    r = api.get(f"/resources/01J00000000000000000000000/versions/{revision}")
    assert r.status_code in (400, 404), r.text
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("cursor", ["²:0", f"{HUGE}:0"])
def test_search_cursor(api: httpx.Client, cursor: str) -> None:
    r = api.get("/search", params={"q": "x", "cursor": cursor})
    assert r.status_code in (200, 400), r.text


def test_project_name_with_a_trailing_newline_is_refused(api: httpx.Client) -> None:
    r = api.post("/projects", json={"name": unique("nl") + "\n"})
    assert r.status_code in (400, 422), r.text


def test_range_beyond_int_digits(s3: BaseClient, bucket: str) -> None:
    key = "coll/ds/data.bin"
    got = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{HUGE}")
    assert got["Body"].read() == b"0123456789"  # an end past the object is clamped
    got = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=-{HUGE}")
    assert got["Body"].read() == b"0123456789"
    with pytest.raises(s3.exceptions.ClientError) as err:
        s3.get_object(Bucket=bucket, Key=key, Range=f"bytes={HUGE}-")
    assert err.value.response["Error"]["Code"] == "InvalidRange"


@pytest.mark.parametrize(
    ("path", "query", "status", "code"),
    [
        ("", {"list-type": "2", "max-keys": "²"}, 400, "InvalidArgument"),
        ("/coll/ds/data.bin", {"partNumber": "²"}, 400, "InvalidArgument"),
        ("/coll/ds/data.bin", {"partNumber": HUGE}, 416, "InvalidPartNumber"),
    ],
)
def test_s3_numbers_from_the_query(
    signed: httpx.Client, bucket: str, path: str, query: dict[str, str], status: int, code: str
) -> None:
    r = signed.get(f"/{bucket}{path}", params=query)
    assert r.status_code == status, r.text
    assert f"<Code>{code}</Code>".encode() in r.content


def test_list_parts_with_bad_max_parts(s3: BaseClient, signed: httpx.Client, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="coll/ds/parts.bin")["UploadId"]
    try:
        for max_parts in ("abc", "²", HUGE):
            r = signed.get(
                f"/{bucket}/coll/ds/parts.bin",
                params={"uploadId": upload, "max-parts": max_parts, "part-number-marker": "²"},
            )
            assert r.status_code in (200, 400), r.text
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="coll/ds/parts.bin", UploadId=upload)


def test_non_ascii_signatures_are_refused(
    live_server: LiveServer, s3: BaseClient, bucket: str
) -> None:
    """`hmac.compare_digest` raises on non-ASCII text; such a signature was a 500."""
    v4 = boto3.client(
        "s3",
        endpoint_url=live_server.url,
        aws_access_key_id=live_server.access_key,
        aws_secret_access_key=live_server.secret_key,
        region_name="us-east-1",
        config=Config(signature_version="s3v4"),
    )
    url = v4.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "coll/ds/data.bin"}, ExpiresIn=60
    )
    assert httpx.get(url).status_code == 200
    r = httpx.get(re.sub(r"(X-Amz-Signature=[0-9a-f]+)[0-9a-f]", r"\1%C3%A9", url))
    assert r.status_code == 403, r.text
    assert b"<Code>SignatureDoesNotMatch</Code>" in r.content
    v2 = httpx.get(
        f"{live_server.url}/{bucket}/coll/ds/data.bin",
        headers={
            "Authorization": f"AWS {live_server.access_key}:sign\xe9".encode("latin-1"),
            "Date": "Wed, 25 Nov 2026 00:00:00 GMT",
        },
    )
    assert v2.status_code == 403, v2.text


def test_sequence_numbers_beyond_64_bits(api: httpx.Client) -> None:
    """Found by the OpenAPI fuzzer: such numbers reached SQLite and failed there as a 500."""
    huge = 2**90
    r = api.post("/consumers", json={"from_seq": huge})
    assert r.status_code == 422, r.text
    consumer = api.post("/consumers", json={"all": True})
    assert consumer.status_code in (200, 201), consumer.text
    cid = consumer.json()["id"]
    try:
        for path, body in [("ack", {"seqs": [huge]}), ("ack", {"through": huge})]:
            r = api.post(f"/consumers/{cid}/{path}", json=body)
            assert r.status_code == 422, r.text
        r = api.post(f"/consumers/{cid}/nak", json={"seqs": [huge]})
        assert r.status_code == 422, r.text
    finally:
        api.delete(f"/consumers/{cid}")
    r = api.get("/events", params={"after": str(huge)})
    assert r.status_code == 422, r.text
