"""A presigned URL does exactly what it was signed for: one method, one key, until it expires."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from botocore.client import BaseClient

from aos_fs.client import AOSClient
from tests.conftest import LiveServer
from tests.factories import make_user, unique


@pytest.fixture(scope="module")
def project(live_server: LiveServer, s3: BaseClient) -> str:
    name = unique("ps")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="a.txt", Body=b"object a")
    s3.put_object(Bucket=name, Key="b.txt", Body=b"object b")
    return name


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return parts._replace(query=urlencode(query)).geturl()


def _refused(response: httpx.Response) -> None:
    assert response.status_code in (400, 403), response.text
    assert response.headers["content-type"] == "application/xml"


def test_a_get_url_cannot_put_or_delete(admin: AOSClient, project: str, s3: BaseClient) -> None:
    url = admin.presign(f"{project}/a.txt", expires_in=60)["url"]
    _refused(httpx.put(url, content=b"overwritten"))
    _refused(httpx.delete(url))
    _refused(httpx.post(url, content=b"x"))
    assert s3.get_object(Bucket=project, Key="a.txt")["Body"].read() == b"object a"


def test_a_put_url_cannot_get(admin: AOSClient, project: str) -> None:
    url = admin.presign(f"{project}/a.txt", method="PUT", expires_in=60)["url"]
    _refused(httpx.get(url))


@pytest.mark.parametrize(
    "other",
    [
        pytest.param("{project}/b.txt", id="other-key"),
        pytest.param("{project}/a.txt.bak", id="longer-key"),
        pytest.param("{project}/A.txt", id="case"),
        pytest.param("{project}", id="bucket-listing"),
        pytest.param("", id="service"),
    ],
)
def test_a_url_for_one_key_reads_no_other(
    admin: AOSClient, live_server: LiveServer, project: str, other: str
) -> None:
    url = admin.presign(f"{project}/a.txt", expires_in=60)["url"]
    parts = urlsplit(url)
    moved = f"{parts.scheme}://{parts.netloc}/{other.format(project=project)}?{parts.query}"
    response = httpx.get(moved)
    _refused(response)
    assert b"object" not in response.content


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"X-Amz-Expires": "604800"}, id="longer-expiry"),
        pytest.param({"X-Amz-Date": "20300101T000000Z"}, id="later-date"),
        pytest.param({"X-Amz-SignedHeaders": "host;range"}, id="signed-headers"),
        pytest.param({"X-Amz-Algorithm": "AWS4-HMAC-SHA1"}, id="algorithm"),
        pytest.param({"X-Amz-Signature": "0" * 64}, id="signature"),
        pytest.param({"X-Amz-Signature": ""}, id="empty-signature"),
        pytest.param({"versionId": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, id="added-version"),
        pytest.param({"response-content-type": "text/html"}, id="added-override"),
        pytest.param({"uploads": ""}, id="added-subresource"),
    ],
)
def test_tampering_any_query_parameter_fails(
    admin: AOSClient, project: str, changes: dict[str, str]
) -> None:
    url = admin.presign(f"{project}/a.txt", expires_in=60)["url"]
    assert httpx.get(url).content == b"object a"
    response = httpx.get(_with_query(url, **changes))
    _refused(response)
    assert b"object a" not in response.content


def test_the_credential_cannot_be_swapped(
    admin: AOSClient, live_server: LiveServer, project: str
) -> None:
    url = admin.presign(f"{project}/a.txt", expires_in=60)["url"]
    credential = dict(parse_qsl(urlsplit(url).query))["X-Amz-Credential"]
    other = credential.replace(credential.split("/")[0], live_server.access_key, 1)
    _refused(httpx.get(_with_query(url, **{"X-Amz-Credential": other})))
    dropped = urlsplit(url)._replace(
        query="&".join(p for p in urlsplit(url).query.split("&") if "X-Amz-Date" not in p)
    )
    _refused(httpx.get(dropped.geturl()))


def test_expiry_is_enforced(admin: AOSClient, project: str) -> None:
    url = admin.presign(f"{project}/a.txt", expires_in=1)["url"]
    time.sleep(2.1)
    response = httpx.get(url)
    _refused(response)
    assert b"expired" in response.content


def test_revoking_the_token_revokes_its_urls(admin: AOSClient, project: str) -> None:
    user_id, user = make_user(admin)
    admin.grant(admin.resolve_one(project).id, user_id, "READ")
    token = user.create_token("presigner")
    signer = user.with_token(token.secret)
    url = signer.presign(f"{project}/a.txt", expires_in=600)["url"]
    assert httpx.get(url).content == b"object a"
    user.delete_token(token.id)
    deadline = time.monotonic() + 10
    while httpx.get(url).status_code == 200:
        assert time.monotonic() < deadline, "the URL outlived its token"
        time.sleep(0.2)
    _refused(httpx.get(url))
