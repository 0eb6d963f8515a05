"""The default EventBus: the durable event log in the metadata store, consumers in its tables.

Readers in this process wake as soon as a transaction that appended events commits; readers in
other processes sharing the database notice new events within `poll_interval` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from ..backends.metadata.base import ConsumerRecord, MetadataStore
from ..domain.ids import new_id
from ..errors import NotFound
from .bus import Accept, ConsumerSpec, ConsumerState, Delivery, EventBus
from .reads import StoreLogReads


class _Moved(Exception):
    """Another reader of the same consumer moved its position first; try again."""


def _now() -> datetime:
    return datetime.now(UTC)


class StoreLogBus(StoreLogReads, EventBus):
    def __init__(self, meta: MetadataStore, *, poll_interval: float = 1.0) -> None:
        self.meta = meta
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()
        meta.on_events_committed(self._notify)

    def _notify(self) -> None:
        wake, self._wake = self._wake, asyncio.Event()
        wake.set()

    # -- the log ------------------------------------------------------------------------------
    async def head(self) -> int:
        async with self.meta.read() as s:
            return await s.head_seq()

    async def start(self) -> None:
        """Nothing to start: the log lives in the metadata store."""

    async def close(self) -> None:
        self._notify()  # release waiting readers

    async def wait(self, after_seq: int, seconds: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            wake = self._wake  # taken before the check, so a commit in between is not missed
            if await self.head() > after_seq:
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), min(remaining, self.poll_interval))

    # -- consumers ----------------------------------------------------------------------------
    async def create_consumer(self, spec: ConsumerSpec) -> ConsumerState:
        ts = _now()
        record = ConsumerRecord(
            id=new_id(),
            name=spec.name,
            user_id=spec.user_id,
            within_id=spec.within,
            types=list(spec.types),
            ack_wait=spec.ack_wait,
            delivered_seq=spec.start_seq,
            created_at=ts,
            updated_at=ts,
        )
        async with self.meta.write() as s:
            await s.insert_consumer(record)
        return await self._state(record)

    async def _state(self, record: ConsumerRecord) -> ConsumerState:
        async with self.meta.read() as s:
            pending, first = await s.count_pending(record.id)
            head = await s.head_seq()
            fresh = await s.get_consumer(record.id)
        record = fresh or record
        return ConsumerState(
            id=record.id,
            name=record.name,
            user_id=record.user_id,
            types=record.types,
            within=record.within_id,
            ack_wait=record.ack_wait,
            delivered_seq=record.delivered_seq,
            pending=pending,
            head_seq=head,
            created_at=record.created_at,
            next_redelivery=first,
        )

    async def _record(self, consumer_id: str) -> ConsumerRecord:
        async with self.meta.read() as s:
            record = await s.get_consumer(consumer_id)
        if record is None:
            raise NotFound(f"No consumer with id {consumer_id!r}", id=consumer_id)
        return record

    async def consumer(self, consumer_id: str) -> ConsumerState | None:
        async with self.meta.read() as s:
            record = await s.get_consumer(consumer_id)
        return await self._state(record) if record else None

    async def consumers(self, user_id: str | None) -> list[ConsumerState]:
        async with self.meta.read() as s:
            records = await s.list_consumers(user_id)
        return [await self._state(r) for r in records]

    async def delete_consumer(self, consumer_id: str) -> bool:
        async with self.meta.write() as s:
            return await s.delete_consumer(consumer_id)

    async def fetch(
        self, consumer_id: str, max_events: int, *, accept: Accept | None = None
    ) -> list[Delivery]:
        record = await self._record(consumer_id)
        now = _now()
        # A cheap read first: most polls of an idle consumer find nothing and need no write.
        async with self.meta.read() as s:
            head = await s.head_seq()
            pending, first_deadline = await s.count_pending(consumer_id)
        overdue = pending > 0 and first_deadline is not None and first_deadline <= now
        if not overdue and head <= record.delivered_seq:
            return []
        for _ in range(10):
            try:
                return await self._fetch_once(consumer_id, max_events, accept)
            except _Moved:
                await asyncio.sleep(0)
        return []

    async def _fetch_once(
        self, consumer_id: str, max_events: int, accept: Accept | None
    ) -> list[Delivery]:
        now = _now()
        out: list[Delivery] = []
        async with self.meta.write() as s:
            record = await s.get_consumer(consumer_id)
            if record is None:
                raise NotFound(f"No consumer with id {consumer_id!r}", id=consumer_id)
            deadline = now + timedelta(seconds=record.ack_wait)
            due = await s.due_pending(consumer_id, now, max_events)
            if due:
                events = {e.seq: e for e in await s.events_by_seq([seq for seq, _ in due])}
                refused: list[int] = []
                for seq, attempts in due:
                    event = events.get(seq)
                    if event is None or (accept is not None and not accept(event)):
                        refused.append(seq)  # no longer visible to this reader: drop it
                    elif await s.redeliver_pending(consumer_id, seq, attempts, deadline):
                        out.append(Delivery(event, attempts + 1))
                if refused:
                    await s.ack_pending(consumer_id, refused)
            room = max_events - len(out)
            head = await s.head_seq()
            if room > 0 and head > record.delivered_seq:
                found = await s.find_events(
                    after_seq=record.delivered_seq,
                    upto_seq=head,
                    types=record.types,
                    within=record.within_id,
                    limit=room,
                )
                # Full page: stop after its last event; else everything up to head was examined.
                position = found[-1].seq if len(found) == room else head
                fresh = [e for e in found if accept is None or accept(e)]
                if not await s.advance_consumer(consumer_id, record.delivered_seq, position):
                    raise _Moved
                await s.add_pending(consumer_id, [e.seq for e in fresh], deadline)
                out += [Delivery(e) for e in fresh]
        return out

    async def ack(self, consumer_id: str, seqs: Sequence[int]) -> int:
        await self._record(consumer_id)
        async with self.meta.write() as s:
            return await s.ack_pending(consumer_id, seqs)

    async def ack_through(self, consumer_id: str, seq: int) -> int:
        await self._record(consumer_id)
        async with self.meta.write() as s:
            return await s.ack_pending_through(consumer_id, seq)

    async def nak(self, consumer_id: str, seqs: Sequence[int]) -> int:
        await self._record(consumer_id)
        async with self.meta.write() as s:
            return await s.nak_pending(consumer_id, seqs, _now())

    async def rewind(self, consumer_id: str, start_seq: int) -> ConsumerState:
        record = await self._record(consumer_id)
        async with self.meta.write() as s:
            await s.rewind_consumer(consumer_id, start_seq, _now())
        return await self._state(record)
