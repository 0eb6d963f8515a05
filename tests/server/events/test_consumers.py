"""Event consumers on a real server: every change is an event, acked delivery exactly once,
redelivery, replay, permission filtering, long-poll, Server-Sent Events and WebSocket."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime

import aiohttp
import httpx
import pytest
from botocore.client import BaseClient

from aos_fs.client import AOSClient, AsyncAOSClient
from aos_fs.events import Event
from tests.conftest import LiveServer
from tests.factories import make_user, unique


def drain(client: AOSClient, consumer_id: str, *, ack: bool = True) -> list[Event]:
    """Fetch until nothing more comes within a short wait, acking as we go."""
    seen: list[Event] = []
    while True:
        batch = client.events.fetch(consumer_id, max=50, wait=0.3)
        if not batch:
            return seen
        seen += batch
        if ack:
            client.events.ack(consumer_id, [e.seq for e in batch])


def test_every_state_change_appends_an_event(
    admin: AOSClient, s3: BaseClient, live_server: LiveServer
) -> None:
    project = admin.create_project(unique("ev"))
    consumer = admin.events.create_consumer(within=project.name)
    other_id, _ = make_user(admin)
    coll = admin.create_collection(project.id, "c")
    ds = admin.create_dataset(coll.id, "d")
    meta_only = admin.create_object(ds.id, "notes.txt")
    admin.update(coll.id, title="A collection")
    admin.add_key_values(ds.id, [{"key": "k", "value": "v"}])
    admin.add_relation(meta_only.id, ds.id, "CUSTOM", custom_type="describes")
    admin.grant(project.id, other_id, "READ")
    s3.put_object(Bucket=project.name, Key="c/d/data.csv", Body=b"a,b\n1,2\n")
    admin.delete(meta_only.id)

    types = Counter(e.type for e in drain(admin, consumer.id))
    assert types["resource.created"] == 4  # collection, dataset, metadata-only object, data.csv
    assert types["resource.updated"] == 1
    assert types["resource.key_values_changed"] == 1
    assert types["relation.added"] == 1
    assert types["permission.changed"] == 1
    assert types["object.available"] == 1
    assert types["resource.deleted"] == 1


def test_events_carry_the_global_sequence_and_payload(admin: AOSClient, api: httpx.Client) -> None:
    project = admin.create_project(unique("ev"))
    admin.create_collection(project.id, "first")
    admin.create_collection(project.id, "second")
    page = api.get("/events", params={"within_id": project.id, "types": "resource.created"}).json()
    created = page["events"]
    assert [e["data"]["name"] for e in created] == [project.name, "first", "second"]
    seqs = [e["seq"] for e in created]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert created[1]["data"]["parent_id"] == project.id
    assert created[1]["resource_id"] and created[1]["time"]
    assert page["next_after"] >= seqs[-1]


def test_consumer_sees_its_subtree_exactly_once_after_acking(admin: AOSClient) -> None:
    project = admin.create_project(unique("ev"))
    coll = admin.create_collection(project.id, "inside")
    outside = admin.create_collection(project.id, "outside")
    consumer = admin.events.create_consumer(within=coll.id, ack_wait=1)
    made = [admin.create_dataset(coll.id, f"d{i}") for i in range(25)]
    admin.create_dataset(outside.id, "elsewhere")
    admin.add_key_values(coll.id, [{"key": "x", "value": "1"}])

    got = drain(admin, consumer.id)
    assert [e.resource_id for e in got if e.type == "resource.created"] == [d.id for d in made]
    assert len(got) == 26 and len({e.seq for e in got}) == 26
    assert all(e.attempt == 1 for e in got)
    time.sleep(1.5)  # past the ack wait: acked events never come again
    assert admin.events.fetch(consumer.id, wait=0.5) == []
    assert admin.events.consumer(consumer.id).pending == 0


def test_unacked_events_are_redelivered_after_the_ack_wait(admin: AOSClient) -> None:
    project = admin.create_project(unique("ev"))
    consumer = admin.events.create_consumer(within=project.id, ack_wait=0.5)
    admin.create_collection(project.id, "a")
    admin.create_collection(project.id, "b")
    first = admin.events.fetch(consumer.id, wait=5)
    assert [e.attempt for e in first] == [1, 1]
    assert admin.events.fetch(consumer.id) == []  # pending, not yet due
    admin.events.ack(consumer.id, [first[0].seq])
    time.sleep(0.7)
    again = admin.events.fetch(consumer.id, wait=1)
    assert [(e.seq, e.attempt) for e in again] == [(first[1].seq, 2)]
    admin.events.nak(consumer.id, [again[0].seq])  # give it back: due at once
    third = admin.events.fetch(consumer.id)
    assert [(e.seq, e.attempt) for e in third] == [(first[1].seq, 3)]
    admin.events.ack(consumer.id, through=third[0].seq)
    assert admin.events.consumer(consumer.id).pending == 0


def test_replay_from_a_sequence_and_from_a_time(admin: AOSClient) -> None:
    project = admin.create_project(unique("ev"))
    consumer = admin.events.create_consumer(within=project.id, types=["resource.created"])
    names = [f"c{i}" for i in range(6)]
    for name in names[:3]:
        admin.create_collection(project.id, name)
    time.sleep(0.05)
    middle = datetime.now(UTC)
    time.sleep(0.05)
    for name in names[3:]:
        admin.create_collection(project.id, name)
    got = drain(admin, consumer.id)
    assert [e.data["name"] for e in got] == names

    admin.events.replay(consumer.id, from_seq=got[2].seq)
    assert [e.data["name"] for e in drain(admin, consumer.id)] == names[2:]
    admin.events.replay(consumer.id, from_time=middle)
    assert [e.data["name"] for e in drain(admin, consumer.id)] == names[3:]
    # A new consumer can start in the past too, including before the project existed.
    late = admin.events.create_consumer(within=project.id, all=True, types=["resource.*"])
    assert [e.data["name"] for e in drain(admin, late.id)] == [project.name, *names]
    admin.events.replay(consumer.id)  # no start: skip to now
    assert drain(admin, consumer.id) == []


def test_consumers_only_see_what_their_owner_may_read(admin: AOSClient) -> None:
    mine = admin.create_project(unique("ev"))
    secret = admin.create_project(unique("ev"), data_class="CONFIDENTIAL")
    public = admin.create_project(unique("ev"), data_class="PUBLIC")
    user_id, user = make_user(admin)
    admin.grant(mine.id, user_id, "READ")
    everything = user.events.create_consumer()  # no filter: all the user may see
    admin.create_collection(mine.id, "visible")
    admin.create_collection(secret.id, "hidden")
    admin.create_collection(public.id, "open")
    admin.create_user(unique("someone"))  # user events: admins only

    names = {e.data["name"] for e in drain(user, everything.id)}
    assert names == {"visible", "open"}
    page = user.events.log(after=0, limit=1000)
    assert secret.id not in {e.resource_id for e in page.events}
    # Asking for a subtree one cannot read is refused up front, without revealing it.
    with pytest.raises(FileNotFoundError):
        user.events.create_consumer(within=secret.id)
    # Losing the grant stops delivery of what follows.
    admin.grant(mine.id, user_id, "NONE")
    admin.create_collection(mine.id, "after-revoke")
    assert {e.data["name"] for e in drain(user, everything.id)} <= {"open"}


def test_scoped_token_sees_only_its_scope(admin: AOSClient, live_server: LiveServer) -> None:
    project = admin.create_project(unique("ev"))
    a = admin.create_collection(project.id, "a")
    b = admin.create_collection(project.id, "b")
    token = admin.create_token("scoped", scope_id=a.id, level="READ")
    with admin.with_token(token.secret) as scoped:
        consumer = scoped.events.create_consumer()
        admin.create_dataset(a.id, "in-scope")
        admin.create_dataset(b.id, "out-of-scope")
        assert [e.data["name"] for e in drain(scoped, consumer.id)] == ["in-scope"]


def test_consumers_are_private_to_their_owner(admin: AOSClient, live_server: LiveServer) -> None:
    consumer = admin.events.create_consumer()
    _, other = make_user(admin)
    with pytest.raises(FileNotFoundError):
        other.events.fetch(consumer.id)
    with pytest.raises(FileNotFoundError):
        other.events.ack(consumer.id, [1])
    assert consumer.id not in {c.id for c in other.events.consumers()}
    r = httpx.post(f"{live_server.url}/api/v2/consumers", json={})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    admin.events.delete_consumer(consumer.id)
    with pytest.raises(FileNotFoundError):
        admin.events.consumer(consumer.id)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"types": ["Object Available"]}, "types", id="bad-type"),
        pytest.param({"within_path": "no-such-project-xyz"}, None, id="unknown-path"),
        pytest.param({"from_seq": 3, "all": True}, None, id="two-starts"),
        pytest.param({"ack_wait": 0}, "ack_wait", id="ack-wait"),
    ],
)
def test_bad_consumer_requests_are_problems(
    api: httpx.Client, body: dict[str, object], field: str | None
) -> None:
    r = api.post("/consumers", json=body)
    assert r.status_code in (400, 404, 422)
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["detail"] and problem["code"]
    if field:
        assert field in json.dumps(problem)


def test_long_poll_returns_as_soon_as_an_event_arrives(admin: AOSClient) -> None:
    project = admin.create_project(unique("ev"))
    consumer = admin.events.create_consumer(within=project.id)

    def later() -> None:
        time.sleep(0.3)
        admin.create_collection(project.id, "wake")

    thread = threading.Thread(target=later)
    started = time.monotonic()
    thread.start()
    got = admin.events.fetch(consumer.id, wait=20)
    elapsed = time.monotonic() - started
    thread.join()
    assert [e.data["name"] for e in got] == ["wake"]
    assert elapsed < 3


def test_sse_redelivers_after_a_dropped_connection(
    admin: AOSClient, live_server: LiveServer
) -> None:
    project = admin.create_project(unique("ev"))
    consumer = admin.events.create_consumer(within=project.id, ack_wait=1)
    for i in range(3):
        admin.create_collection(project.id, f"c{i}")
    url = f"{live_server.url}/api/v2/consumers/{consumer.id}/stream"
    headers = {"Authorization": f"Bearer {live_server.admin_token}"}

    def read_events(n: int) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        with httpx.stream("GET", url, headers=headers, timeout=30) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                if line.startswith("data: "):
                    out.append(json.loads(line[6:]))
                    if len(out) == n:
                        return out  # the connection drops here, nothing acked
        return out

    first = read_events(3)
    assert [e["attempt"] for e in first] == [1, 1, 1]
    time.sleep(1.2)
    again = read_events(3)
    assert [e["seq"] for e in again] == [e["seq"] for e in first]
    assert [e["attempt"] for e in again] == [2, 2, 2]
    admin.events.ack(consumer.id, through=int(again[-1]["seq"]))  # type: ignore[call-overload]
    assert admin.events.consumer(consumer.id).pending == 0


async def test_websocket_delivers_and_takes_acks(live_server: LiveServer) -> None:
    async with AsyncAOSClient(live_server.url, live_server.admin_token) as admin:
        project = await admin.create_project(unique("ev"))
        consumer = await admin.events.create_consumer(within=project.id)
        url = f"{live_server.url}/api/v2/consumers/{consumer.id}/ws"
        headers = {"Authorization": f"Bearer {live_server.admin_token}"}
        async with aiohttp.ClientSession() as http, http.ws_connect(url, headers=headers) as ws:
            for i in range(5):
                await admin.create_collection(project.id, f"c{i}")
            seqs = []
            while len(seqs) < 5:
                msg = await ws.receive_json(timeout=10)
                assert msg["op"] == "event"
                seqs.append(msg["event"]["seq"])
            await ws.send_json({"ack": seqs})
            reply = await ws.receive_json(timeout=10)
            assert reply == {"op": "acked", "acked": 5}
            await ws.send_str("not json")
            assert (await ws.receive_json(timeout=10))["op"] == "error"
        assert (await admin.events.consumer(consumer.id)).pending == 0


async def test_client_subscribe_is_an_async_iterator(live_server: LiveServer) -> None:
    async with AsyncAOSClient(live_server.url, live_server.admin_token) as admin:
        project = await admin.create_project(unique("ev"))
        async with admin.events.subscribe(within=project.name, types=["resource.created"]) as sub:
            for i in range(30):
                await admin.create_collection(project.id, f"c{i}")
            names = []
            async for event in sub:
                names.append(event.data["name"])
                if len(names) == 30:
                    break
            await sub.flush()
            consumer = await admin.events.consumer(sub.consumer_id or "")
            assert consumer.pending <= 1  # the last one is acked when the loop moves on
        assert names == [f"c{i}" for i in range(30)]
        # The subscription deleted the consumer it made.
        assert sub.consumer_id not in {c.id for c in await admin.events.consumers()}
