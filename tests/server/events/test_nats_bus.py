"""The JetStream bus (`AOS_EVENTS_URL=nats://…`) against the EventBus contract, on a real NATS.

Every test gets a stream of its own (a unique name), deleted afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import nats
import pytest
from nats.js.errors import NotFoundError

from aos_fs.client import AOSClient
from aos_server.backends.metadata.base import MetadataStore
from aos_server.backends.metadata.sqlite import SqliteMetadataStore
from aos_server.events.bus import ConsumerSpec, EventBus
from aos_server.events.jetstream import JetStreamBus, StreamMismatch
from aos_server.keys import EVENT_BUS
from tests.conftest import (
    ADMIN_ACCESS_KEY,
    ADMIN_SECRET_KEY,
    ADMIN_TOKEN,
    LiveServer,
    make_settings,
    server_blockbuster,
    start_server,
    stop_server,
)
from tests.contracts.event_bus import EventBusContract, MakeBus, append_many, fetch_n, published
from tests.factories import unique
from tests.procs import ServeProcess
from tests.server.events import test_consumers as api_tests

pytestmark = pytest.mark.nats

NATS_URL = "nats://127.0.0.1:4222"


@functools.cache
def _unreachable() -> str | None:
    """None when a NATS server with JetStream answers, else why not (its INFO line says)."""
    try:
        with socket.create_connection(("127.0.0.1", 4222), timeout=2) as sock:
            info = sock.recv(4096)
    except OSError as exc:
        return f"NATS is not reachable at {NATS_URL}: {exc}"
    if not info.startswith(b"INFO ") or not json.loads(info[5:]).get("jetstream"):
        return f"the NATS server at {NATS_URL} runs without JetStream (start it with -js)"
    return None


def require_nats() -> None:
    reason = _unreachable()
    if reason:
        pytest.skip(reason)


def unique_stream() -> str:
    """A stream name no other test or run uses; skips the test when NATS is unreachable."""
    require_nats()
    return f"aos_test_{uuid.uuid4().hex[:12]}"


async def delete_stream(name: str) -> None:
    nc = await nats.connect(NATS_URL, connect_timeout=2)
    try:
        with contextlib.suppress(NotFoundError):
            await nc.jetstream().delete_stream(name)
    finally:
        await nc.close()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[MetadataStore]:
    store = SqliteMetadataStore(tmp_path / "aos.db")
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def stream() -> AsyncIterator[str]:
    name = unique_stream()
    yield name
    await delete_stream(name)


@pytest.fixture
async def buses(store: MetadataStore, stream: str) -> AsyncIterator[MakeBus]:
    buses: list[EventBus] = []

    async def make() -> EventBus:
        bus = JetStreamBus.from_url(f"{NATS_URL}?stream={stream}&poll_interval=0.2", store)
        await bus.start()
        buses.append(bus)
        return bus

    yield make
    for bus in buses:
        await bus.close()


class TestJetStreamBus(EventBusContract):
    @pytest.fixture
    def meta(self, store: MetadataStore) -> MetadataStore:
        return store

    @pytest.fixture
    def make_bus(self, buses: MakeBus) -> MakeBus:
        return buses


async def test_stream_sequence_is_the_event_sequence(buses: MakeBus, store: MetadataStore) -> None:
    bus = await buses()
    assert isinstance(bus, JetStreamBus)
    written = await append_many(store, 5)
    await published(bus, written[-1])
    for seq in written:
        msg = await bus.js.get_msg(bus.stream, seq)
        assert msg.subject == f"{bus.subject}.resource.created"
        assert msg.headers is not None
        assert msg.headers["Nats-Msg-Id"] == str(seq)


async def test_relay_resumes_after_a_restart(buses: MakeBus, store: MetadataStore) -> None:
    bus = await buses()
    c = await bus.create_consumer(ConsumerSpec("u"))
    first = await append_many(store, 3)
    await published(bus, first[-1])
    await bus.close()
    offline = await append_many(store, 2)  # committed while no relay runs
    again = await buses()
    await published(again, offline[-1])
    assert [d.event.seq for d in await fetch_n(again, c.id, 5)] == first + offline


async def test_two_relays_on_one_stream_publish_each_event_once(
    buses: MakeBus, store: MetadataStore
) -> None:
    one, two = await buses(), await buses()
    written = await append_many(store, 40)
    await published(one, written[-1])
    await published(two, written[-1])
    assert isinstance(one, JetStreamBus)
    info = await one.js.stream_info(one.stream)
    assert (info.state.messages, info.state.last_seq) == (40, written[-1])


async def test_a_stream_of_another_store_is_refused(
    buses: MakeBus, store: MetadataStore, stream: str, tmp_path: Path
) -> None:
    bus = await buses()
    written = await append_many(store, 2)
    await published(bus, written[-1])
    other = SqliteMetadataStore(tmp_path / "other.db")
    await other.open()
    try:
        await append_many(other, 3)
        stranger = JetStreamBus.from_url(f"{NATS_URL}?stream={stream}", other)
        with pytest.raises(StreamMismatch, match="stream of its own"):
            await stranger.start()
        await stranger.close()
    finally:
        await other.close()


# -- the API on a server whose bus is JetStream ---------------------------------------------------
# Every API-level consumer test runs again here, against a server configured with
# AOS_EVENTS_URL=nats://…: this module's `live_server` overrides the session-wide one.
globals().update({k: v for k, v in vars(api_tests).items() if k.startswith("test_")})


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with the JetStream bus on a stream of its own; blockbuster runs as it serves."""
    name = unique_stream()
    settings = make_settings(
        tmp_path_factory.mktemp("aos-nats"), events_url=f"{NATS_URL}?stream={name}"
    )
    with server_blockbuster() as bb:
        bb.deactivate()
        running = start_server(settings)
        bb.activate()
        try:
            yield running.server
        finally:
            bb.deactivate()
            stop_server(running)
            asyncio.run(delete_stream(name))


def test_the_api_tests_here_run_on_jetstream(live_server: LiveServer) -> None:
    assert isinstance(live_server.app[EVENT_BUS], JetStreamBus)


def test_events_and_consumers_survive_a_killed_server_on_jetstream(tmp_path: Path) -> None:
    """Written through S3, read over SSE, unacked across a kill -9, with the JetStream bus."""
    name = unique_stream()
    env = {"AOS_WRITE_PROFILE": "false", "AOS_EVENTS_URL": f"{NATS_URL}?stream={name}"}
    server = ServeProcess(tmp_path / "data", env=env).start()
    restarted: ServeProcess | None = None
    try:
        with AOSClient(server.url, ADMIN_TOKEN) as admin:
            project = admin.create_project(unique("jsk"))
            consumer = admin.events.create_consumer(
                within=project.id, types=["object.available"], ack_wait=1
            )
            s3 = boto3.client(
                "s3",
                endpoint_url=server.url,
                aws_access_key_id=ADMIN_ACCESS_KEY,
                aws_secret_access_key=ADMIN_SECRET_KEY,
                region_name="us-east-1",
            )
            for i in range(3):
                s3.put_object(Bucket=project.name, Key=f"c/d/o{i}.txt", Body=b"x" * i)
            got = sse_events(server.url, consumer.id, 3)
            assert [e["data"]["name"] for e in got] == ["o0.txt", "o1.txt", "o2.txt"]
            admin.events.ack(consumer.id, [got[0]["seq"]])  # two stay unacked
        server.kill()

        restarted = ServeProcess(tmp_path / "data", port=server.port, env=env).start()
        with AOSClient(restarted.url, ADMIN_TOKEN) as admin:
            assert admin.events.consumer(consumer.id).pending == 2
            time.sleep(1.1)
            again = admin.events.fetch(consumer.id, max=10, wait=5)
            assert [(e.data["name"], e.attempt) for e in again] == [("o1.txt", 2), ("o2.txt", 2)]
            admin.events.ack(consumer.id, [e.seq for e in again])
            s3 = boto3.client(
                "s3",
                endpoint_url=restarted.url,
                aws_access_key_id=ADMIN_ACCESS_KEY,
                aws_secret_access_key=ADMIN_SECRET_KEY,
                region_name="us-east-1",
            )
            s3.put_object(Bucket=project.name, Key="c/d/after.txt", Body=b"after")
            assert [e["data"]["name"] for e in sse_events(restarted.url, consumer.id, 1)] == [
                "after.txt"
            ]
    finally:
        if restarted is not None:
            restarted.stop()
        else:
            server.kill()
        asyncio.run(delete_stream(name))


def sse_events(url: str, consumer_id: str, n: int) -> list[dict[str, Any]]:
    """Read `n` events from the consumer's Server-Sent Events stream, then hang up."""
    out: list[dict[str, Any]] = []
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    stream_url = f"{url}/api/v2/consumers/{consumer_id}/stream"
    with httpx.stream("GET", stream_url, headers=headers, timeout=15) as r:
        for line in r.iter_lines():
            if line.startswith("data: "):
                out.append(json.loads(line[6:]))
                if len(out) == n:
                    break
    return out
