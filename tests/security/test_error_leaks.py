"""Errors say what is wrong and nothing about the inside: no traceback, file path, SQL or class
name, from any API route, the S3 endpoint or the landing pages, even when the server fails."""

from __future__ import annotations

import re

import httpx
import pytest

from aos_server.services.objects import ObjectService
from aos_server.services.search import SearchService
from tests.conftest import LiveServer
from tests.security.conftest import leaks, raw_request

GARBAGE_ID = "..%2F%00'\";--<x>"
BODIES: list[tuple[str, bytes]] = [
    ("application/json", b'{"name": "\\u0000", "x": [1, {"y": null}], "level": "ROOT"}'),
    ("application/json", b"[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]"),
    ("application/json", b"[" * 200_000),  # deeper than the JSON parser's recursion limit
    ("application/json", b'{"unterminated": '),
    ("application/json", b"\xff\xfe\x00garbage"),
    (
        "application/xml",
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
    ),
    ("text/plain", b"1e99999"),
]


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9)
    )
    + b"]><CORSConfiguration>&j;</CORSConfiguration>"
)


def _operations(server: LiveServer) -> list[tuple[str, str]]:
    doc = httpx.get(f"{server.url}/api/v2/openapi.json").json()
    ops = []
    for path, item in doc["paths"].items():
        for method in item:
            if path.endswith(("/stream", "/ws")):
                continue  # long-lived streams; their bad input is a 4xx before they start
            ops.append((method.upper(), re.sub(r"{\w+}", GARBAGE_ID, path)))
    return ops


def _clean(response: httpx.Response, *sent: str) -> None:
    assert response.status_code < 500, (response.request.url, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert not leaks(response.text, GARBAGE_ID, *sent), (response.request.url, response.text)


@pytest.mark.parametrize("as_admin", [True, False], ids=["admin", "anonymous"])
def test_every_api_route_answers_bad_input_cleanly(live_server: LiveServer, as_admin: bool) -> None:
    headers = {"Authorization": f"Bearer {live_server.admin_token}"} if as_admin else {}
    ops = _operations(live_server)
    assert len(ops) > 40
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=30) as client:
        for method, path in ops:
            url = f"/api/v2{path}" if not path.startswith("/api/") else path
            _clean(client.request(method, url, params={"limit": "-1", "after": "\x00"}))
            for content_type, body in BODIES:
                if method in ("POST", "PUT", "PATCH"):
                    _clean(
                        client.request(
                            method, url, content=body, headers={"Content-Type": content_type}
                        ),
                        body.decode(errors="replace"),
                    )


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer \x7f",
        "Bearer aos_" + "A" * 10_000,
        "Bearer aoshook_forged",
        "Basic Og==",
        "AWS4-HMAC-SHA256 Credential=",
    ],
)
def test_bad_credentials_are_clean_problems(live_server: LiveServer, header: str) -> None:
    response = httpx.get(f"{live_server.url}/api/v2/whoami", headers={"Authorization": header})
    assert response.status_code in (400, 401, 403)
    if response.headers["content-type"].startswith("text/plain"):
        # Refused by the HTTP parser before any route: a 400 that quotes the client's own bytes.
        assert response.status_code == 400
        assert not leaks(response.text, header), response.text
        return
    _clean(response, header)


@pytest.mark.parametrize(
    ("method", "path", "headers", "body"),
    [
        ("PUT", "/{b}?cors", {}, b"<CORSConfiguration><CORSRule>"),
        (
            "PUT",
            "/{b}?cors",
            {},
            b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><CORSConfiguration>&e;</CORSConfiguration>",
        ),
        ("PUT", "/{b}?cors", {}, LAUGHS),
        ("POST", "/{b}?delete", {}, b"<Delete><Object><Key>"),
        ("POST", "/{b}/k?uploadId=..%2F..", {}, b"<CompleteMultipartUpload>"),
        ("PUT", "/{b}/k?partNumber=-1&uploadId=x", {}, b"x"),
        ("GET", "/{b}/k", {"Range": "bytes=9-1,a-b"}, b""),
        ("GET", "/{b}/k", {"If-Modified-Since": "not a date"}, b""),
        ("GET", "/{b}?list-type=2&max-keys=-5&continuation-token=%00", {}, b""),
        ("PUT", "/{b}/k", {"x-amz-checksum-sha256": "%%%"}, b"x"),
        ("PUT", "/{b}/k", {"Content-MD5": "not-base64"}, b"x"),
        ("PUT", "/{b}/k", {"x-amz-copy-source": "/..%2F..%2Fetc/passwd"}, b""),
        ("PUT", "/{b}/k?tagging", {}, b"<Tagging><TagSet><Tag><Key>"),
    ],
)
def test_malformed_s3_requests_are_clean_xml_errors(
    live_server: LiveServer, method: str, path: str, headers: dict[str, str], body: bytes
) -> None:
    bucket = "leaks-bucket"
    raw_request(live_server, "PUT", f"/{bucket}")
    raw_request(live_server, "PUT", f"/{bucket}/k", b"0123456789")
    response = raw_request(live_server, method, path.format(b=bucket), body, headers)
    assert response.status < 500, response.body
    if response.status >= 400:
        assert response.headers["content-type"] == "application/xml"
        assert not leaks(response.body.decode(), path, *headers.values()), response.body
        assert b"root:" not in response.body


def test_unsigned_garbage_auth_on_s3_is_clean(live_server: LiveServer) -> None:
    for header in ("AWS4-HMAC-SHA256 Credential=a/b", "AWS x", "AWS4-HMAC-SHA256 ,,,="):
        response = raw_request(
            live_server, "GET", "/", headers={"Authorization": header}, sign=False
        )
        assert 400 <= response.status < 500
        assert not leaks(response.body.decode(), header), response.body


async def _explode(*args: object, **kwargs: object) -> None:
    raise RuntimeError(
        "boom in /srv/aos/server/aos_server/x.py: SELECT secret_hash FROM tokens WHERE id = 1"
    )


def test_an_internal_api_failure_is_a_bare_500_problem(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SearchService, "search", _explode)
    response = httpx.get(
        f"{live_server.url}/api/v2/search",
        params={"q": "x"},
        headers={"Authorization": f"Bearer {live_server.admin_token}"},
    )
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "internal"
    assert not leaks(response.text), response.text
    assert "boom" not in response.text


def test_an_internal_s3_failure_is_a_bare_internal_error(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw_request(live_server, "PUT", "/leaks-bucket")
    monkeypatch.setattr(ObjectService, "put", _explode)
    response = raw_request(live_server, "PUT", "/leaks-bucket/exploding", b"x")
    assert response.status == 500, response.body
    assert b"<Code>InternalError</Code>" in response.body
    assert not leaks(response.body.decode()), response.body
    assert b"boom" not in response.body


def test_landing_pages_leak_nothing(live_server: LiveServer) -> None:
    for path in ("/r/%00", "/r/" + "x" * 5000, "/r/..%2F/ro-crate", "/r/'%22<script>"):
        response = raw_request(
            live_server, "GET", path, headers={"Accept": "text/html"}, sign=False
        )
        assert 400 <= response.status < 500, response.body
        assert not leaks(response.body.decode(), path), response.body
        assert b"<script>" not in response.body
