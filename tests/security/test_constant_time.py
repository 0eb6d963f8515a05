"""Signatures are compared with `hmac.compare_digest`; tokens are found by their SHA-256 only.

Timing is too noisy to test on a shared machine, so these tests prove the code path instead:
`hmac.compare_digest` is wrapped to record its arguments during real signed requests.
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from botocore.auth import HmacV1Auth, HmacV1QueryAuth, S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.client import BaseClient
from botocore.credentials import Credentials

from tests.conftest import LiveServer
from tests.factories import unique


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, object]]:
    """Every (a, b) given to hmac.compare_digest while the test runs (the server shares it)."""
    calls: list[tuple[object, object]] = []
    original = hmac.compare_digest

    def recording(a: object, b: object) -> bool:
        text = [x.decode("utf-8", "replace") if isinstance(x, bytes) else x for x in (a, b)]
        calls.append((text[0], text[1]))
        return original(a, b)  # type: ignore[arg-type]

    monkeypatch.setattr(hmac, "compare_digest", recording)
    return calls


@pytest.fixture(scope="module")
def bucket(s3: BaseClient) -> str:
    name = unique("ct")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"constant")
    return name


def _creds(server: LiveServer, secret: str | None = None) -> Credentials:
    return Credentials(server.access_key, secret or server.secret_key)


def _signature_of(response_headers: dict[str, str]) -> str:
    header = response_headers["Authorization"]
    return header.rsplit("Signature=", 1)[-1] if "Signature=" in header else header.split(":")[-1]


@pytest.mark.parametrize("version", ["v4", "v2"])
@pytest.mark.parametrize("right_secret", [True, False], ids=["good", "forged"])
def test_header_signatures_are_compared_in_constant_time(
    live_server: LiveServer,
    bucket: str,
    compared: list[tuple[object, object]],
    version: str,
    right_secret: bool,
) -> None:
    creds = _creds(live_server, None if right_secret else "a-forged-secret-of-some-length")
    auth = S3SigV4Auth(creds, "s3", "us-east-1") if version == "v4" else HmacV1Auth(creds)
    url = f"{live_server.url}/{bucket}/k"
    req = AWSRequest(method="GET", url=url, headers={})
    auth.add_auth(req)
    sent = _signature_of(dict(req.headers.items()))
    response = httpx.get(url, headers=dict(req.headers.items()))
    assert response.status_code == (200 if right_secret else 403)
    assert any(sent in (a, b) for a, b in compared), compared


@pytest.mark.parametrize("version", ["v4", "v2"])
def test_presigned_signatures_are_compared_in_constant_time(
    live_server: LiveServer, bucket: str, compared: list[tuple[object, object]], version: str
) -> None:
    creds = _creds(live_server)
    url = f"{live_server.url}/{bucket}/k"
    auth = (
        S3SigV4QueryAuth(creds, "s3", "us-east-1", expires=60)
        if version == "v4"
        else HmacV1QueryAuth(creds, expires=60)
    )
    req = AWSRequest(method="GET", url=url, headers={})
    auth.add_auth(req)
    signed_url = req.url
    query = parse_qs(urlsplit(signed_url).query)
    sent = (query.get("X-Amz-Signature") or query["Signature"])[0]
    assert httpx.get(signed_url).content == b"constant"
    assert any(sent in (a, b) for a, b in compared), compared


def test_api_presigned_url_is_checked_in_constant_time(
    live_server: LiveServer, bucket: str, compared: list[tuple[object, object]]
) -> None:
    from aos_fs.client import AOSClient

    with AOSClient(live_server.url, live_server.admin_token) as admin:
        url = admin.presign(f"{bucket}/k", expires_in=60)["url"]
    sent = parse_qs(urlsplit(url).query)["X-Amz-Signature"][0]
    assert httpx.get(url).content == b"constant"
    assert any(sent in (a, b) for a, b in compared)
