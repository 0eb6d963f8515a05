"""A hook fires on upload; the example validator labels the object through the callback token;
the callback token can do nothing else."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from botocore.client import BaseClient

from aos_fs.client import AOSClient
from examples.validator import check_csv, create_app, verify_signature
from tests.conftest import LiveServer
from tests.factories import unique
from tests.server.hooks.conftest import eventually
from tests.server.hooks.receiver import Recorder, serve

SECRET = "validator-test-secret-0123456789"


@pytest.fixture(scope="module")
def validator_url() -> Iterator[str]:
    with serve(create_app(SECRET.encode())) as url:
        yield url


def labels(admin: AOSClient, resource_id: str) -> dict[str, tuple[str, str]]:
    res = admin.get(resource_id)
    return {kv.key: (kv.value, kv.variant.value) for kv in res.key_values}


def test_a_hook_fires_on_upload_and_the_validator_labels_the_object(
    admin: AOSClient, api: httpx.Client, s3: BaseClient, validator_url: str
) -> None:
    project = admin.create_project(unique("hk"))
    hook = api.post(
        f"/projects/{project.id}/hooks",
        json={
            "name": "csv check",
            "trigger": {"on": "object_finished", "name": r"\.csv$"},
            "action": {
                "type": "webhook",
                "url": f"{validator_url}/hook",
                "validate_object": True,
            },
            "secret": SECRET,
            "backoff": 0.2,
        },
    )
    assert hook.status_code == 201, hook.text
    hook_id = hook.json()["id"]
    assert hook.json()["secret"] == SECRET  # shown in this response only
    assert api.get(f"/hooks/{hook_id}").json()["secret"] is None

    s3.put_object(Bucket=project.name, Key="data/good.csv", Body=b"a,b\n1,2\n3,4\n")
    s3.put_object(Bucket=project.name, Key="data/bad.csv", Body=b"a,b\n1,2,3\n")
    s3.put_object(Bucket=project.name, Key="data/readme.txt", Body=b"not a csv")
    good = admin.resolve_one(f"{project.name}/data/good.csv")
    bad = admin.resolve_one(f"{project.name}/data/bad.csv")
    txt = admin.resolve_one(f"{project.name}/data/readme.txt")

    eventually(
        lambda: "validation" in labels(admin, good.id) and "validation" in labels(admin, bad.id)
    )
    assert labels(admin, good.id)["validation"] == ("valid", "LABEL")
    assert labels(admin, good.id)["csv-validator"] == ("valid: 2 rows, 2 columns", "HOOK_STATUS")
    assert labels(admin, bad.id)["validation"] == ("invalid", "LABEL")
    assert "row 2 has 3 fields" in labels(admin, bad.id)["csv-validator"][0]
    eventually(lambda: admin.get(good.id).status.value == "AVAILABLE")
    eventually(lambda: admin.get(bad.id).status.value == "ERROR")
    assert labels(admin, txt.id) == {}  # the name filter kept the hook quiet

    log = api.get(f"/hooks/{hook_id}/deliveries").json()
    assert sorted(d["status"] for d in log) == ["SUCCEEDED", "SUCCEEDED"]
    assert all(d["attempts"] == 1 and d["last_status"] == 202 for d in log)
    # The status changes are events too, marked as the validator's doing only in their effect.
    page = api.get(
        "/events", params={"within_id": good.id, "types": "resource.status_changed"}
    ).json()
    assert [(e["data"]["from"], e["data"]["to"]) for e in page["events"]] == [
        ("AVAILABLE", "VALIDATING"),
        ("VALIDATING", "AVAILABLE"),
    ]


@pytest.fixture
def captured(
    admin: AOSClient, api: httpx.Client, s3: BaseClient
) -> Iterator[tuple[dict[str, Any], Any, str]]:
    """One webhook payload (with its callback token) for a fresh object in a fresh project."""
    recorder = Recorder()
    with serve(recorder.app()) as url:
        project = admin.create_project(unique("hk"))
        created = api.post(
            f"/projects/{project.id}/hooks",
            json={
                "name": "capture",
                "trigger": {"on": "object_finished"},
                "action": {"type": "webhook", "url": f"{url}/in", "validate_object": True},
            },
        ).json()
        s3.put_object(Bucket=project.name, Key="x/file.csv", Body=b"a,b\n1,2\n")
        s3.put_object(Bucket=project.name, Key="x/other.csv", Body=b"a,b\n1,2\n")
        eventually(lambda: len(recorder.calls) == 2)
        call = next(c for c in recorder.calls if c["json"]["resource"]["name"] == "file.csv")
        yield call, project, created["secret"]


def test_the_payload_is_signed_and_carries_a_download_url(
    captured: tuple[dict[str, Any], Any, str],
) -> None:
    call, project, secret = captured
    body, headers = call["body"], call["headers"]
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-AOS-Signature"] == expected
    assert verify_signature(secret.encode(), body, headers["X-AOS-Signature"])
    assert not verify_signature(b"wrong-secret", body, headers["X-AOS-Signature"])
    assert headers["X-AOS-Event"] == "object.available" and headers["X-AOS-Delivery"]
    payload = call["json"]
    assert payload["resource"]["path"] == f"{project.name}/x/file.csv"
    assert payload["resource"]["status"] == "VALIDATING"
    assert httpx.get(payload["download_url"]).content == b"a,b\n1,2\n"
    assert payload["callback"]["token"].startswith("aoshook_")


def test_the_callback_token_can_do_exactly_its_three_things(
    captured: tuple[dict[str, Any], Any, str],
    admin: AOSClient,
    live_server: LiveServer,
) -> None:
    call, project, _ = captured
    payload = call["json"]
    me = payload["resource"]["id"]
    other = admin.resolve_one(f"{project.name}/x/other.csv").id
    base = f"{live_server.url}/api/v2"
    token = httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {payload['callback']['token']}"}
    )
    kv = {"key": "checked", "value": "yes", "variant": "LABEL"}
    status = {"key": "checker", "value": "ok", "variant": "HOOK_STATUS"}

    refused = [
        token.get(f"/resources/{me}"),
        token.get(f"/resources/{me}/children"),
        token.patch(f"/resources/{me}", json={"title": "hijacked"}),
        token.delete(f"/resources/{me}"),
        token.patch(f"/resources/{me}/key-values", json={"remove": [kv]}),
        token.patch(f"/resources/{other}/key-values", json={"add": [kv]}),
        token.patch(f"/resources/{project.id}/key-values", json={"add": [kv]}),
        token.post(f"/resources/{other}/status", json={"status": "AVAILABLE"}),
        token.put(f"/resources/{me}/permissions", json={"user_id": "x", "level": "READ"}),
        token.post("/projects", json={"name": unique("evil")}),
        token.post("/tokens", json={"name": "escalate"}),
        token.post("/s3-credentials", json={}),
        token.post("/presign", json={"path": f"{project.name}/x/other.csv"}),
        token.get("/consumers"),
        token.get("/events"),
        token.get(f"/projects/{project.id}/hooks"),
        token.get("/whoami"),
    ]
    for r in refused:
        assert r.status_code == 403, (r.request.method, r.request.url, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"]

    ok = token.patch(f"/resources/{me}/key-values", json={"add": [kv, status]})
    assert ok.status_code == 200, ok.text
    assert token.post(f"/resources/{me}/status", json={"status": "UNAVAILABLE"}).status_code == 403
    done = token.post(f"/resources/{me}/status", json={"status": "AVAILABLE", "message": "ok"})
    assert done.status_code == 200 and done.json()["status"] == "AVAILABLE"
    # Once settled, the status is the token's no more: AVAILABLE -> ERROR is refused.
    again = token.post(f"/resources/{me}/status", json={"status": "ERROR"})
    assert again.status_code == 403
    assert "VALIDATING" in again.json()["detail"]
    keys = {(k.key, k.variant.value) for k in admin.get(me).key_values}
    assert {("checked", "LABEL"), ("checker", "HOOK_STATUS")} <= keys
    # S3 does not accept the callback token in any form.
    r = httpx.get(
        f"{live_server.url}/{project.name}/x/file.csv",
        headers={"Authorization": f"Bearer {payload['callback']['token']}"},
    )
    assert r.status_code in (400, 401, 403)
    token.close()


def test_a_forged_callback_token_is_unauthenticated(live_server: LiveServer) -> None:
    r = httpx.patch(
        f"{live_server.url}/api/v2/resources/x/key-values",
        headers={"Authorization": "Bearer aoshook_forged"},
        json={"add": []},
    )
    assert r.status_code == 401
    assert "callback token" in r.json()["detail"]


def test_the_validator_rejects_unsigned_deliveries(validator_url: str) -> None:
    body = json.dumps({"resource": {}}).encode()
    assert httpx.post(f"{validator_url}/hook", content=body).status_code == 401
    forged = "sha256=" + hmac.new(b"guess", body, hashlib.sha256).hexdigest()
    r = httpx.post(f"{validator_url}/hook", content=body, headers={"X-AOS-Signature": forged})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("data", "valid"),
    [
        pytest.param(b"a,b\n1,2\n", True, id="simple"),
        pytest.param(b"\xef\xbb\xbfa;b\n1;2\n", False, id="one-column-semicolons"),
        pytest.param(b"a,b\n", False, id="header-only"),
        pytest.param(b"a,,c\n1,2,3\n", False, id="empty-header-name"),
        pytest.param(b"a,b\n\xff\xfe\n", False, id="not-utf8"),
        pytest.param(b'a,b\n"x,y",2\n', True, id="quoted-comma"),
    ],
)
def test_check_csv(data: bytes, valid: bool) -> None:
    assert check_csv(data).valid is valid
