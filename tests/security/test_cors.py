"""CORS: never '*' together with credentials, and no preflight passes without a matching rule."""

from __future__ import annotations

import httpx
import pytest
from botocore.client import BaseClient

from tests.conftest import LiveServer
from tests.factories import unique

TRUSTED = "https://notebook.example.org"
EVIL = "https://evil.example"


def _bucket_with_rules(s3: BaseClient, origins: list[str]) -> str:
    name = unique("cors")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="f", Body=b"x")
    s3.put_bucket_cors(
        Bucket=name,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": origins,
                    "AllowedMethods": ["GET"],
                    "AllowedHeaders": ["content-type"],
                }
            ]
        },
    )
    return name


def _preflight(url: str, origin: str, method: str = "GET", headers: str = "") -> httpx.Response:
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        sent["Access-Control-Request-Headers"] = headers
    return httpx.options(url, headers=sent)


def _assert_no_wildcard_with_credentials(response: httpx.Response, origin: str) -> None:
    allow = response.headers.get("Access-Control-Allow-Origin")
    credentials = response.headers.get("Access-Control-Allow-Credentials")
    if allow == "*":
        assert credentials is None
    if credentials is not None:
        assert allow not in (None, "*") and allow != "null"
        assert response.headers.get("Vary") == "Origin"
    assert allow in (None, "*", origin)


@pytest.mark.parametrize(
    "origins",
    [
        pytest.param(["*"], id="star"),
        pytest.param(["*", TRUSTED], id="star-and-one"),
        pytest.param([TRUSTED, "*"], id="one-and-star"),
    ],
)
def test_star_never_comes_with_credentials(
    s3: BaseClient, live_server: LiveServer, origins: list[str]
) -> None:
    url = f"{live_server.url}/{_bucket_with_rules(s3, origins)}/f"
    for response in (_preflight(url, EVIL), httpx.get(url, headers={"Origin": EVIL})):
        _assert_no_wildcard_with_credentials(response, EVIL)
    # An origin that matched only through '*' is never echoed with credentials.
    evil = _preflight(url, EVIL)
    assert evil.status_code == 200
    assert evil.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in evil.headers
    if TRUSTED in origins:
        named = _preflight(url, TRUSTED)
        assert named.headers["Access-Control-Allow-Origin"] == TRUSTED
        _assert_no_wildcard_with_credentials(named, TRUSTED)


@pytest.mark.parametrize(
    ("origin", "method", "headers"),
    [
        pytest.param(EVIL, "GET", "", id="other-origin"),
        pytest.param(TRUSTED + ".evil.example", "GET", "", id="origin-suffix"),
        pytest.param("null", "GET", "", id="null-origin"),
        pytest.param(TRUSTED, "PUT", "", id="other-method"),
        pytest.param(TRUSTED, "DELETE", "", id="delete"),
        pytest.param(TRUSTED, "GET", "x-amz-security-token", id="other-header"),
    ],
)
def test_preflight_without_a_matching_rule_is_refused(
    s3: BaseClient, live_server: LiveServer, origin: str, method: str, headers: str
) -> None:
    url = f"{live_server.url}/{_bucket_with_rules(s3, [TRUSTED])}/f"
    response = _preflight(url, origin, method, headers)
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    actual = httpx.get(url, headers={"Origin": origin})
    if origin != TRUSTED:
        assert "Access-Control-Allow-Origin" not in actual.headers


def test_preflight_is_refused_when_no_rules_or_no_bucket(
    s3: BaseClient, live_server: LiveServer
) -> None:
    bucket = unique("cors")
    s3.create_bucket(Bucket=bucket)
    for url in (
        f"{live_server.url}/{bucket}/f",
        f"{live_server.url}/",
        f"{live_server.url}/nope-x/f",
    ):
        response = _preflight(url, TRUSTED)
        assert response.status_code in (400, 403), url
        assert "Access-Control-Allow-Origin" not in response.headers


def test_the_json_api_answers_no_cors(live_server: LiveServer) -> None:
    for response in (
        _preflight(f"{live_server.url}/api/v2/projects", EVIL, "POST", "authorization"),
        httpx.get(f"{live_server.url}/api/v2/info", headers={"Origin": EVIL}),
    ):
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers
