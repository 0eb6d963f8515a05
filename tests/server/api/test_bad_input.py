"""Bad input always gets a 4xx problem+json that says what is wrong; never a 500 or a trace."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer, admin_api
from tests.factories import unique

BAD_PROJECTS = [
    pytest.param({"name": "UPPER"}, "not a valid project name", id="uppercase"),
    pytest.param({"name": "ab"}, "not a valid project name", id="too-short"),
    pytest.param({"name": "a" * 64}, "not a valid project name", id="too-long"),
    pytest.param({"name": "api"}, "reserved", id="reserved"),
    pytest.param({"name": "-dash"}, "not a valid project name", id="leading-dash"),
    pytest.param({"name": "ok-name", "surprise": 1}, "Extra inputs", id="unknown-field"),
    pytest.param({"name": 12}, "string", id="wrong-type"),
    pytest.param({}, "required", id="missing-name"),
    pytest.param({"name": "ok-name", "title": "x" * 5000}, "at most 1024", id="oversize-title"),
    pytest.param({"name": "ok-name", "data_class": "SECRET"}, "data_class", id="bad-enum"),
    pytest.param(
        {"name": "ok-name", "authors": [{"name": "A", "orcid": "123"}]},
        "orcid",
        id="bad-orcid",
    ),
    pytest.param([1, 2], "valid dictionary", id="not-an-object"),
]


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    with admin_api(live_server) as client:
        yield client


def assert_problem(response: httpx.Response, status: int, needle: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["code"]
    assert needle.lower() in (body["detail"] + str(body.get("errors", ""))).lower()
    assert "Traceback" not in response.text
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize(("body", "needle"), BAD_PROJECTS)
def test_bad_project_bodies(api: httpx.Client, body: object, needle: str) -> None:
    assert_problem(api.post("/projects", json=body), 422, needle)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"{not json", id="broken"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xfe", id="binary"),
    ],
)
def test_malformed_json(api: httpx.Client, raw: bytes) -> None:
    response = api.post("/projects", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert_problem(response, response.status_code, "JSON" if raw else "valid")


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        pytest.param("a/b", "no '/'", id="slash"),
        pytest.param("..", "'..'", id="dotdot"),
        pytest.param("tab\there", "control", id="control-char"),
        pytest.param("x" * 300, "1-255 bytes", id="too-long"),
    ],
)
def test_bad_container_names(api: httpx.Client, name: str, needle: str) -> None:
    project = api.post("/projects", json={"name": unique("bad")}).json()
    response = api.post("/collections", json={"name": name, "parent_id": project["id"]})
    assert_problem(response, 422, needle)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("/abs", id="leading-slash"),
        pytest.param("a//b", id="empty-segment"),
        pytest.param("a/../b", id="dotdot-segment"),
        pytest.param("dir/", id="trailing-slash"),
    ],
)
def test_bad_object_names(api: httpx.Client, name: str) -> None:
    project = api.post("/projects", json={"name": unique("obj")}).json()
    response = api.post("/objects", json={"name": name, "parent_id": project["id"]})
    assert_problem(response, 422, "object name")


@pytest.mark.parametrize(
    ("method", "path", "status", "needle"),
    [
        pytest.param("GET", "/resources/01HZZZZZZZZZZZZZZZZZZZZZZZ", 404, "no resource", id="id"),
        pytest.param("GET", "/resources/not-an-id/children", 404, "no resource", id="children"),
        pytest.param("GET", "/resolve?path=no-such-project/x", 404, "no project", id="resolve"),
        pytest.param("GET", "/resources/x/children?limit=abc", 422, "limit", id="limit-type"),
        pytest.param("GET", "/resources/x/children?limit=0", 422, "limit", id="limit-range"),
        pytest.param("GET", "/projects?unknown=1", 422, "unknown", id="unknown-query"),
        pytest.param("GET", "/versions/nope", 404, "no object version", id="version"),
        pytest.param("GET", "/resources/x/versions/abc", 400, "positive number", id="rev"),
        pytest.param("DELETE", "/tokens/nope", 404, "no token", id="token"),
        pytest.param("GET", "/no/such/route", 404, "no api route", id="route"),
        pytest.param("PUT", "/projects", 405, "not allowed", id="method"),
    ],
)
def test_unknown_things(
    api: httpx.Client, method: str, path: str, status: int, needle: str
) -> None:
    assert_problem(api.request(method, path), status, needle)


def test_bad_authorization_header(live_server: LiveServer) -> None:
    response = httpx.get(
        f"{live_server.url}/api/v2/whoami", headers={"Authorization": "Basic dXNlcjpwdw=="}
    )
    body = assert_problem(response, 401, "Bearer")
    assert body["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_oversize_body_is_refused(api: httpx.Client) -> None:
    huge = {"name": "big-body", "description": "x" * (9 << 20)}
    assert_problem(api.post("/projects", json=huge), 413, "too large")


def test_openapi_document_describes_the_routes(live_server: LiveServer) -> None:
    doc = httpx.get(f"{live_server.url}/api/v2/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "/projects" in doc["paths"]
    post = doc["paths"]["/projects"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/ProjectCreate")
    assert "ProjectCreate" in doc["components"]["schemas"]
    assert "422" in post["responses"]
    for path, item in doc["paths"].items():
        for op in item.values():
            assert op["summary"], f"{path} lacks a summary"


@pytest.mark.parametrize(
    "field", ["name", "title", "description", "authors", "data_class", "data_license"]
)
def test_null_in_an_update_is_refused_and_changes_nothing(api: httpx.Client, field: str) -> None:
    project = api.post("/projects", json={"name": unique("nulls"), "title": "kept"}).json()
    body = assert_problem(api.patch(f"/resources/{project['id']}", json={field: None}), 422, field)
    assert "cannot be null" in str(body["detail"])
    again = api.get(f"/resources/{project['id']}").json()
    assert again == project
