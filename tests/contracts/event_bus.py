"""EventBus contract: every bus subclasses this and provides the `meta` and `make_bus` fixtures.

`meta` is a fresh metadata store (the source of truth: events are appended in its transactions);
`make_bus()` returns a started bus over it and may be called again to simulate a restart. Events
may become deliverable a moment after their commit (a relay publishes them), so the tests wait
for delivery instead of assuming it is instant, and use `published()` before asserting absence.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import pytest

from aos_server.backends.metadata.base import EventRecord, MetadataStore
from aos_server.errors import NotFound
from aos_server.events.bus import ConsumerSpec, Delivery, EventBus

MakeBus = Callable[[], Awaitable[EventBus]]


async def append(
    meta: MetadataStore,
    type: str = "resource.created",
    scope: Sequence[str] = ("P",),
    **payload: object,
) -> int:
    """Append one event in a transaction of its own; returns its sequence."""
    async with meta.write() as s:
        return await s.append_event(
            type, scope[0] if scope else None, "U", dict(payload), scope=scope
        )


async def append_many(meta: MetadataStore, n: int, **kw: object) -> list[int]:
    return [await append(meta, name=f"e{i}", **kw) for i in range(n)]  # type: ignore[arg-type]


async def published(bus: EventBus, seq: int, seconds: float = 10.0) -> None:
    """Wait until the bus has made everything up to `seq` deliverable."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (head := await bus.head()) < seq:
        assert loop.time() < deadline, f"bus head stuck at {head}, expected {seq}"
        await bus.wait(head, 0.5)


async def fetch_n(
    bus: EventBus,
    consumer_id: str,
    n: int,
    *,
    batch: int = 100,
    seconds: float = 10.0,
    accept: Callable[[EventRecord], bool] | None = None,
) -> list[Delivery]:
    """Fetch until `n` deliveries arrived (fails after `seconds`); never acks."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    out: list[Delivery] = []
    while len(out) < n:
        assert loop.time() < deadline, f"got {len(out)} of {n}: {[d.event.seq for d in out]}"
        head = await bus.head()
        got = await bus.fetch(consumer_id, min(batch, n - len(out)), accept=accept)
        out += got
        if not got:
            await bus.wait(head, 0.1)
    return out


async def nothing_more(bus: EventBus, meta: MetadataStore, consumer_id: str) -> None:
    """Once everything committed is deliverable, the consumer has nothing due."""
    async with meta.read() as s:
        await published(bus, await s.head_seq())
    assert await bus.fetch(consumer_id, 100) == []


def seqs(deliveries: Sequence[Delivery]) -> list[int]:
    return [d.event.seq for d in deliveries]


class EventBusContract:
    @pytest.fixture
    def meta(self) -> MetadataStore:  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    @pytest.fixture
    def make_bus(self) -> MakeBus:  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    @pytest.fixture
    async def bus(self, make_bus: MakeBus) -> EventBus:
        return await make_bus()

    # -- the log ------------------------------------------------------------------------------
    async def test_empty_log(self, bus: EventBus) -> None:
        assert await bus.head() == 0
        assert [e async for e in bus.read(0)] == []
        assert await bus.wait(0, 0.05) is False
        assert await bus.seq_before(datetime.now(UTC)) == 0

    async def test_head_and_wait_follow_commits(self, bus: EventBus, meta: MetadataStore) -> None:
        waiter = asyncio.create_task(bus.wait(0, 10))
        await asyncio.sleep(0.05)
        assert not waiter.done()
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        seq = await append(meta)
        assert await waiter is True
        assert loop.time() - t0 < 2.0  # woken by the commit, not by a timeout
        await published(bus, seq)
        assert await bus.head() == seq
        assert await bus.wait(seq - 1, 0.01) is True
        assert await bus.wait(seq, 0.05) is False

    async def test_read_without_consumer(self, bus: EventBus, meta: MetadataStore) -> None:
        a = await append(meta, "resource.created", ("A", "P"), name="a")
        b = await append(meta, "resource.updated", ("B", "Q"), name="b")
        c = await append(meta, "object.available", ("C", "A", "P"), name="c")
        d = await append(meta, "resource.deleted", ("A", "P"), name="d")
        await published(bus, d)
        assert [e.seq async for e in bus.read(0)] == [a, b, c, d]
        assert [e.seq async for e in bus.read(b)] == [c, d]
        assert [e.seq async for e in bus.read(0, limit=2)] == [a, b]
        assert [e.seq async for e in bus.read(0, types=["resource.*"])] == [a, b, d]
        assert [e.seq async for e in bus.read(0, types=["object.available"])] == [c]
        assert [e.seq async for e in bus.read(0, within="A")] == [a, c, d]
        assert [e.seq async for e in bus.read(0, within="P", types=["resource.*"])] == [a, d]
        (first,) = [e async for e in bus.read(0, limit=1)]
        assert (first.type, first.resource_id, first.actor_id) == ("resource.created", "A", "U")
        assert first.payload == {"name": "a"}
        assert first.scope == ("A", "P")

    async def test_seq_before_replays_from_a_time(self, bus: EventBus, meta: MetadataStore) -> None:
        await append_many(meta, 2)
        await asyncio.sleep(0.02)
        when = datetime.now(UTC)
        await asyncio.sleep(0.02)
        later = await append_many(meta, 2)
        assert await bus.seq_before(when) == later[0] - 1
        c = await bus.create_consumer(ConsumerSpec("u", start_seq=await bus.seq_before(when)))
        assert seqs(await fetch_n(bus, c.id, 2)) == later
        await nothing_more(bus, meta, c.id)

    # -- consumers ----------------------------------------------------------------------------
    async def test_create_and_describe(self, bus: EventBus, meta: MetadataStore) -> None:
        spec = ConsumerSpec("u1", name="mine", types=["resource.*"], within="P", ack_wait=7.5)
        c = await bus.create_consumer(spec)
        assert (c.name, c.user_id, c.types, c.within, c.ack_wait) == (
            "mine",
            "u1",
            ["resource.*"],
            "P",
            7.5,
        )
        assert c.pending == 0
        again = await bus.consumer(c.id)
        assert again is not None
        assert (again.id, again.name, again.user_id, again.types, again.within) == (
            c.id,
            "mine",
            "u1",
            ["resource.*"],
            "P",
        )
        other = await bus.create_consumer(ConsumerSpec("u2"))
        assert [x.id for x in await bus.consumers("u1")] == [c.id]
        assert {x.id for x in await bus.consumers(None)} == {c.id, other.id}
        assert await bus.consumer("no-such-consumer") is None

    async def test_ordered_delivery_exactly_once_after_ack(
        self, bus: EventBus, meta: MetadataStore
    ) -> None:
        c = await bus.create_consumer(ConsumerSpec("u"))
        written = await append_many(meta, 7)
        got = await fetch_n(bus, c.id, 7, batch=3)
        assert seqs(got) == written
        assert all(d.attempt == 1 for d in got)
        assert [d.event.payload["name"] for d in got] == [f"e{i}" for i in range(7)]
        state = await bus.consumer(c.id)
        assert state is not None
        assert state.pending == 7
        assert await bus.ack(c.id, seqs(got)) == 7
        state = await bus.consumer(c.id)
        assert state is not None
        assert state.pending == 0
        assert state.delivered_seq == written[-1]
        await nothing_more(bus, meta, c.id)
        more = await append_many(meta, 2)
        assert seqs(await fetch_n(bus, c.id, 2)) == more

    async def test_starts_after_start_seq(self, bus: EventBus, meta: MetadataStore) -> None:
        old = await append_many(meta, 3)
        # The head covers every committed event at once: starting there skips all of them.
        c = await bus.create_consumer(ConsumerSpec("u", start_seq=await bus.head()))
        everything = await bus.create_consumer(ConsumerSpec("u", start_seq=0))
        new = await append_many(meta, 2)
        assert seqs(await fetch_n(bus, c.id, 2)) == new
        assert seqs(await fetch_n(bus, everything.id, 5)) == old + new

    async def test_concurrent_readers_share_the_work(
        self, bus: EventBus, meta: MetadataStore
    ) -> None:
        c = await bus.create_consumer(ConsumerSpec("u"))
        written = await append_many(meta, 30)
        await published(bus, written[-1])
        seen: list[int] = []

        async def reader() -> None:
            while len(seen) < len(written):
                got = await bus.fetch(c.id, 4)
                seen.extend(seqs(got))
                await bus.ack(c.id, seqs(got))
                await asyncio.sleep(0)

        await asyncio.wait_for(asyncio.gather(reader(), reader(), reader()), 20)
        assert sorted(seen) == written  # every event once, none twice

    async def test_type_filters(self, bus: EventBus, meta: MetadataStore) -> None:
        exact = await bus.create_consumer(ConsumerSpec("u", types=["object.available"]))
        prefix = await bus.create_consumer(ConsumerSpec("u", types=["resource.*"]))
        several = await bus.create_consumer(
            ConsumerSpec("u", types=["resource.deleted", "object.available", "resource.*"])
        )
        a = await append(meta, "resource.created")
        b = await append(meta, "object.available")
        await append(meta, "relation.added")
        d = await append(meta, "resource.key_values_changed")
        e = await append(meta, "resource.deleted")
        assert seqs(await fetch_n(bus, exact.id, 1)) == [b]
        assert seqs(await fetch_n(bus, prefix.id, 3)) == [a, d, e]
        assert seqs(await fetch_n(bus, several.id, 4)) == [a, b, d, e]
        for consumer in (exact, prefix, several):
            await nothing_more(bus, meta, consumer.id)
            state = await bus.consumer(consumer.id)
            assert state is not None
            assert state.delivered_seq == e  # everything examined, filtered or not

    async def test_within_filter(self, bus: EventBus, meta: MetadataStore) -> None:
        c = await bus.create_consumer(ConsumerSpec("u", within="A"))
        a = await append(meta, scope=("A", "P"))
        await append(meta, scope=("B", "P"))
        b = await append(meta, scope=("X", "A", "P"))
        await append(meta, scope=())
        got = await fetch_n(bus, c.id, 2)
        assert seqs(got) == [a, b]
        await nothing_more(bus, meta, c.id)
        state = await bus.consumer(c.id)
        assert state is not None
        assert state.pending == 2  # what did not match never became pending

    async def test_redelivery_after_ack_wait(self, bus: EventBus, meta: MetadataStore) -> None:
        c = await bus.create_consumer(ConsumerSpec("u", ack_wait=0.5))
        a, b, x = await append_many(meta, 3)
        got = await fetch_n(bus, c.id, 3)
        assert seqs(got) == [a, b, x]
        await bus.ack(c.id, [a])
        assert await bus.fetch(c.id, 10) == []  # not due yet
        await asyncio.sleep(0.7)
        again = await fetch_n(bus, c.id, 2)
        assert [(d.event.seq, d.attempt) for d in again] == [(b, 2), (x, 2)]
        await bus.ack(c.id, [b, x])
        await asyncio.sleep(0.7)
        await nothing_more(bus, meta, c.id)

    async def test_nak_redelivers_at_once(self, bus: EventBus, meta: MetadataStore) -> None:
        c = await bus.create_consumer(ConsumerSpec("u", ack_wait=30))
        a, b = await append_many(meta, 2)
        assert seqs(await fetch_n(bus, c.id, 2)) == [a, b]
        assert await bus.nak(c.id, [b]) == 1
        again = await fetch_n(bus, c.id, 1, seconds=3)
        assert [(d.event.seq, d.attempt) for d in again] == [(b, 2)]
        assert await bus.ack(c.id, [a, b]) == 2
        await nothing_more(bus, meta, c.id)

    async def test_ack_through(self, bus: EventBus, meta: MetadataStore) -> None:
        c = await bus.create_consumer(ConsumerSpec("u", ack_wait=0.5))
        written = await append_many(meta, 5)
        await fetch_n(bus, c.id, 5)
        assert await bus.ack_through(c.id, written[2]) == 3
        state = await bus.consumer(c.id)
        assert state is not None
        assert state.pending == 2
        await asyncio.sleep(0.7)
        assert seqs(await fetch_n(bus, c.id, 2)) == written[3:]

    async def test_ack_of_what_is_not_pending_counts_nothing(
        self, bus: EventBus, meta: MetadataStore
    ) -> None:
        c = await bus.create_consumer(ConsumerSpec("u"))
        (a,) = await append_many(meta, 1)
        await fetch_n(bus, c.id, 1)
        assert await bus.ack(c.id, [a]) == 1
        assert await bus.ack(c.id, [a]) == 0
        assert await bus.nak(c.id, [a]) == 0

    async def test_rewind_replays_from_a_sequence(self, bus: EventBus, meta: MetadataStore) -> None:
        c = await bus.create_consumer(ConsumerSpec("u", ack_wait=30))
        written = await append_many(meta, 5)
        got = await fetch_n(bus, c.id, 5)
        await bus.ack(c.id, seqs(got[:3]))  # two stay pending, and are forgotten by the rewind
        state = await bus.rewind(c.id, written[1])
        assert state.pending == 0
        assert seqs(await fetch_n(bus, c.id, 3)) == written[2:]
        await bus.ack(c.id, written[2:])
        await nothing_more(bus, meta, c.id)
        await bus.rewind(c.id, 0)
        assert seqs(await fetch_n(bus, c.id, 5)) == written

    async def test_accept_refusals_never_become_pending(
        self, bus: EventBus, meta: MetadataStore
    ) -> None:
        c = await bus.create_consumer(ConsumerSpec("u", ack_wait=0.5))
        written = await append_many(meta, 4)

        def odd(e: EventRecord) -> bool:
            return e.seq % 2 == 1

        want = [s for s in written if s % 2 == 1]
        got = await fetch_n(bus, c.id, len(want), accept=odd)
        assert seqs(got) == want
        await published(bus, written[-1])
        assert await bus.fetch(c.id, 10, accept=odd) == []
        state = await bus.consumer(c.id)
        assert state is not None
        assert state.pending == len(want)
        # A redelivery the reader may no longer see is dropped, not delivered.
        await asyncio.sleep(0.7)
        assert await bus.fetch(c.id, 10, accept=lambda e: False) == []
        state = await bus.consumer(c.id)
        assert state is not None
        assert state.pending == 0

    async def test_delete_consumer(self, bus: EventBus, meta: MetadataStore) -> None:
        c = await bus.create_consumer(ConsumerSpec("u"))
        await append(meta)
        await fetch_n(bus, c.id, 1)
        assert await bus.delete_consumer(c.id) is True
        assert await bus.consumer(c.id) is None
        assert await bus.consumers("u") == []
        assert await bus.delete_consumer(c.id) is False
        with pytest.raises(NotFound):
            await bus.fetch(c.id, 1)

    async def test_unknown_consumer_raises_not_found(self, bus: EventBus) -> None:
        for call in (
            bus.fetch("nope", 1),
            bus.ack("nope", [1]),
            bus.ack_through("nope", 1),
            bus.nak("nope", [1]),
            bus.rewind("nope", 0),
        ):
            with pytest.raises(NotFound):
                await call

    async def test_consumers_survive_a_restart(
        self, make_bus: MakeBus, meta: MetadataStore
    ) -> None:
        bus = await make_bus()
        spec = ConsumerSpec("u", name="durable", types=["resource.*"], within="P", ack_wait=0.5)
        c = await bus.create_consumer(spec)
        written = await append_many(meta, 3)
        got = await fetch_n(bus, c.id, 2)
        await bus.ack(c.id, [got[0].event.seq])  # the second stays pending
        await bus.close()

        again = await make_bus()
        state = await again.consumer(c.id)
        assert state is not None
        assert (state.name, state.user_id, state.types, state.within, state.ack_wait) == (
            "durable",
            "u",
            ["resource.*"],
            "P",
            0.5,
        )
        assert state.pending == 1
        await asyncio.sleep(0.7)
        redelivered = await fetch_n(again, c.id, 2)
        assert [(d.event.seq, d.attempt) for d in redelivered] == [
            (written[1], 2),
            (written[2], 1),
        ]
        await again.ack(c.id, seqs(redelivered))
        later = await append(meta)
        assert seqs(await fetch_n(again, c.id, 1)) == [later]
        assert [x.id for x in await again.consumers("u")] == [c.id]
