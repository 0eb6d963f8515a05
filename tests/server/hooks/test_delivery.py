"""Hook delivery: triggers and filters, internal actions, retries with backoff, the delivery log,
timeouts, disable/enable, templates, and retries that survive a killed server."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.client import BaseClient

from aos_fs.client import AOSClient
from tests.conftest import ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY, ADMIN_TOKEN
from tests.factories import make_user, unique
from tests.procs import ServeProcess, free_port
from tests.server.hooks.conftest import eventually
from tests.server.hooks.receiver import Recorder, serve


def make_hook(api: httpx.Client, project_id: str, **spec: Any) -> dict[str, Any]:
    r = api.post(f"/projects/{project_id}/hooks", json={"name": "h", **spec})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def deliveries(api: httpx.Client, hook_id: str) -> list[dict[str, Any]]:
    return api.get(f"/hooks/{hook_id}/deliveries").json()  # type: ignore[no-any-return]


def test_internal_actions_add_labels_and_never_loop(admin: AOSClient, api: httpx.Client) -> None:
    project = admin.create_project(unique("hk"))
    make_hook(
        api,
        project.id,
        trigger={"on": "resource_created", "kinds": ["DATASET"], "name": "^raw-"},
        action={"type": "add_key_value", "key": "stage", "value": "raw"},
    )
    make_hook(
        api,
        project.id,
        trigger={"on": "label_added", "key": "^review$", "value": "^(yes|please)$"},
        action={
            "type": "add_key_value",
            "key": "review",
            "value": "queued",
            "variant": "HOOK_STATUS",
        },
    )
    # A hook reacting to the very kind of change it makes: must fire once, not forever.
    make_hook(
        api,
        project.id,
        trigger={"on": "label_added"},
        action={"type": "add_key_value", "key": "seen", "value": "1"},
    )
    raw = admin.create_dataset(project.id, "raw-2024")
    clean = admin.create_dataset(project.id, "clean")
    admin.add_key_values(clean.id, [{"key": "review", "value": "please"}])

    def keys(rid: str) -> set[tuple[str, str, str]]:
        return {(k.key, k.value, k.variant.value) for k in admin.get(rid).key_values}

    eventually(lambda: ("stage", "raw", "LABEL") in keys(raw.id))
    eventually(lambda: ("review", "queued", "HOOK_STATUS") in keys(clean.id))
    eventually(lambda: ("seen", "1", "LABEL") in keys(clean.id))
    time.sleep(0.5)
    assert ("stage", "raw", "LABEL") not in keys(clean.id)
    assert sum(1 for k in admin.get(clean.id).key_values if k.key == "seen") == 1
    # The label the first hook added did not fire the "seen" hook on raw-2024 either.
    assert ("seen", "1", "LABEL") not in keys(raw.id)


def test_an_internal_relation_action(admin: AOSClient, api: httpx.Client) -> None:
    project = admin.create_project(unique("hk"))
    catalog = admin.create_collection(project.id, "catalog")
    make_hook(
        api,
        project.id,
        trigger={"on": "resource_created", "kinds": ["DATASET"]},
        action={
            "type": "add_relation",
            "target_id": catalog.id,
            "relation": "CUSTOM",
            "custom_type": "listed-in",
        },
    )
    ds = admin.create_dataset(project.id, "new")
    eventually(
        lambda: any(
            r.target_id == catalog.id and r.custom_type == "listed-in"
            for r in admin.relations(ds.id)
        )
    )


def test_retries_with_backoff_and_a_delivery_log(
    admin: AOSClient, api: httpx.Client, s3: BaseClient
) -> None:
    recorder = Recorder(statuses=[500, 503])
    with serve(recorder.app()) as url:
        project = admin.create_project(unique("hk"))
        hook = make_hook(
            api,
            project.id,
            trigger={"on": "object_finished"},
            action={"type": "webhook", "url": f"{url}/flaky"},
            backoff=0.3,
        )
        s3.put_object(Bucket=project.name, Key="f.bin", Body=b"x")
        done = eventually(
            lambda: [d for d in deliveries(api, hook["id"]) if d["status"] == "SUCCEEDED"]
        )
    assert done[0]["attempts"] == 3 and done[0]["last_status"] == 200
    assert done[0]["last_error"] is None and done[0]["next_attempt_at"] is None
    times = [c["t"] for c in recorder.calls]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.45  # 0.3 s, then about 0.6 s (±20 % jitter)
    ids = {c["headers"]["X-AOS-Delivery"] for c in recorder.calls}
    assert len(ids) == 1  # the same delivery id on every attempt, for receivers to dedupe
    assert [c["headers"]["X-AOS-Attempt"] for c in recorder.calls] == ["1", "2", "3"]


def test_a_timeout_fails_the_attempt_and_the_last_error_is_kept(
    admin: AOSClient, api: httpx.Client, s3: BaseClient
) -> None:
    recorder = Recorder(delay=2.0)
    with serve(recorder.app()) as url:
        project = admin.create_project(unique("hk"))
        hook = make_hook(
            api,
            project.id,
            trigger={"on": "object_finished"},
            action={"type": "webhook", "url": f"{url}/slow"},
            timeout=0.5,
            max_attempts=2,
            backoff=0.1,
        )
        s3.put_object(Bucket=project.name, Key="slow.bin", Body=b"x")
        failed = eventually(
            lambda: [d for d in deliveries(api, hook["id"]) if d["status"] == "FAILED"]
        )
    assert failed[0]["attempts"] == 2
    assert "Timeout" in failed[0]["last_error"]
    # A failed delivery can be retried by hand.
    recorder.delay = 0
    with serve(recorder.app()) as url:
        api.patch(
            f"/hooks/{hook['id']}", json={"action": {"type": "webhook", "url": f"{url}/slow"}}
        )
        r = api.post(f"/hooks/{hook['id']}/deliveries/{failed[0]['id']}/retry")
        assert r.status_code == 200 and r.json()["status"] == "PENDING"
        eventually(lambda: deliveries(api, hook["id"])[0]["status"] == "SUCCEEDED")


def test_disable_and_enable(admin: AOSClient, api: httpx.Client, s3: BaseClient) -> None:
    recorder = Recorder()
    with serve(recorder.app()) as url:
        project = admin.create_project(unique("hk"))
        hook = make_hook(
            api,
            project.id,
            trigger={"on": "object_finished"},
            action={"type": "webhook", "url": f"{url}/in"},
            enabled=False,
        )
        s3.put_object(Bucket=project.name, Key="while-off.bin", Body=b"x")
        time.sleep(0.5)
        assert deliveries(api, hook["id"]) == [] and recorder.calls == []
        assert api.patch(f"/hooks/{hook['id']}", json={"enabled": True}).json()["enabled"]
        s3.put_object(Bucket=project.name, Key="while-on.bin", Body=b"x")
        eventually(lambda: len(recorder.calls) == 1)
    assert recorder.calls[0]["json"]["resource"]["name"] == "while-on.bin"


def test_a_templated_payload(admin: AOSClient, api: httpx.Client, s3: BaseClient) -> None:
    recorder = Recorder()
    with serve(recorder.app()) as url:
        project = admin.create_project(unique("hk"))
        make_hook(
            api,
            project.id,
            trigger={"on": "object_finished"},
            action={
                "type": "webhook",
                "url": f"{url}/t",
                "method": "PUT",
                "template": '{"file": "{{resource.path}}", "size": {{resource.size}}, '
                '"get": "{{download_url}}", "missing": {{nothing.here}}}',
            },
        )
        s3.put_object(Bucket=project.name, Key='q"uote.csv', Body=b"12345")
        eventually(lambda: recorder.calls)
    call = recorder.calls[0]
    assert call["method"] == "PUT"
    assert call["json"]["file"] == f'{project.name}/q"uote.csv'
    assert call["json"]["size"] == 5 and call["json"]["missing"] is None
    assert httpx.get(call["json"]["get"]).content == b"12345"


def test_hooks_need_project_admin_and_valid_specs(admin: AOSClient, api: httpx.Client) -> None:
    project = admin.create_project(unique("hk"))
    user_id, user = make_user(admin)
    admin.grant(project.id, user_id, "WRITE")
    spec = {"name": "x", "trigger": {"on": "object_finished"}, "action": {"type": "webhook"}}
    with httpx.Client(base_url=api.base_url, headers=user._headers()) as as_user:
        spec["action"] = {"type": "webhook", "url": "http://127.0.0.1:9/"}
        r = as_user.post(f"/projects/{project.id}/hooks", json=spec)
        assert r.status_code == 403 and "ADMIN" in r.json()["detail"]
        hook = make_hook(api, project.id, trigger={"on": "object_finished"}, action=spec["action"])
        assert as_user.get(f"/hooks/{hook['id']}").status_code == 404
        assert as_user.get(f"/hooks/{hook['id']}/deliveries").status_code == 404
    bad = [
        {"trigger": {"on": "object_finished", "name": "(unclosed"}},
        {"trigger": {"on": "object_finished", "key": "k"}},
        {"trigger": {"on": "sometimes"}},
        {"action": {"type": "webhook", "url": "ftp://x"}},
        {"action": {"type": "add_relation", "target_id": "x"}},
        {"action": {"type": "webhook", "url": "http://x/", "template": "no placeholders"}},
        {"timeout": 0},
    ]
    for change in bad:
        body = {**spec, **change}
        r = api.post(f"/projects/{project.id}/hooks", json=body)
        assert r.status_code in (400, 422), (change, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.slow
def test_retries_survive_a_killed_server(tmp_path: Path) -> None:
    recorder = Recorder()
    receiver_port = free_port()
    server = ServeProcess(tmp_path / "data", env={"AOS_WRITE_PROFILE": "false"}).start()
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=f"{server.url}/api/v2", headers=headers) as api:
        project = api.post("/projects", json={"name": "retry-after-kill"}).json()
        hook = make_hook(
            api,
            project["id"],
            trigger={"on": "object_finished"},
            action={"type": "webhook", "url": f"http://127.0.0.1:{receiver_port}/in"},
            backoff=1.0,
            max_attempts=20,
        )
        s3 = boto3.client(
            "s3",
            endpoint_url=server.url,
            aws_access_key_id=ADMIN_ACCESS_KEY,
            aws_secret_access_key=ADMIN_SECRET_KEY,
            region_name="us-east-1",
        )
        s3.put_object(Bucket="retry-after-kill", Key="a.bin", Body=b"x")
        eventually(lambda: [d for d in deliveries(api, hook["id"]) if d["attempts"] >= 1])
        first = deliveries(api, hook["id"])[0]
        assert first["status"] == "PENDING" and first["last_error"]
    server.kill()

    with serve(recorder.app(), port=receiver_port):
        restarted = ServeProcess(tmp_path / "data", port=server.port).start()
        try:
            with httpx.Client(base_url=f"{restarted.url}/api/v2", headers=headers) as api:
                done = eventually(
                    lambda: [d for d in deliveries(api, hook["id"]) if d["status"] == "SUCCEEDED"],
                    timeout=30,
                )
        finally:
            restarted.stop()
    assert done[0]["attempts"] >= 2
    assert len(recorder.calls) == 1
