"""The EventBus on NATS JetStream: `AOS_EVENTS_URL=nats://host:port[?stream=NAME]`.

The metadata store stays the source of truth: events are appended in the transaction of the change.
A relay in every API process publishes committed events to the stream in sequence order (the
outbox pattern), woken by the store's commit notifications and polling as a fallback:

- at least once, with `Nats-Msg-Id` = the event's sequence (JetStream's duplicate window) and
  `Nats-Expected-Last-Sequence` = the one before, so the stream accepts event `n` only as its
  message `n`: **stream sequence = event sequence** is an invariant the server enforces, checked
  again on every publish acknowledgement and delivery. Relays in several processes cooperate:
  whoever loses a race resumes from the stream's last sequence.
- A sequence the store skipped (a rolled-back transaction on PostgreSQL) is waited for
  `gap_timeout` seconds, in case its transaction is still in flight, then filled with a message on
  `aos.<stream>.gap`, which no consumer's filter matches.

Subjects are `aos.<stream>.events.<type>`. A consumer is a durable pull consumer named by its id:
one event type (or prefix, `resource.*` → `….resource.>`) is its filter subject; several types
and the `within` subtree filter apply after the pull, acking what does not match. Its owner,
name, filter and start live in the store's `consumers` table, because the service counts a
user's consumers there and NATS 2.9 has no consumer metadata; the JetStream consumer keeps the
delivery state (pending, attempts, acks). `read` and `seq_before` query the store's log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import APIError
from nats.js.errors import NotFoundError as JsNotFound

from ..backends.metadata.base import ConsumerRecord, EventRecord, MetadataStore
from ..domain.ids import new_id
from ..errors import InvalidInput, NotFound
from .bus import Accept, ConsumerSpec, ConsumerState, Delivery, EventBus
from .reads import StoreLogReads

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.aio.subscription import Subscription
    from nats.js import JetStreamContext
    from nats.js.api import ConsumerInfo

log = logging.getLogger("aos.events")

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_WRONG_LAST_SEQUENCE = 10071
_ACK_CHUNK = 1000


class StreamMismatch(RuntimeError):
    """The stream's sequences no longer match the store's event log."""


def _encode(event: EventRecord) -> bytes:
    return json.dumps(
        {
            "seq": event.seq,
            "id": event.id,
            "type": event.type,
            "resource_id": event.resource_id,
            "actor_id": event.actor_id,
            "payload": event.payload,
            "created_at": event.created_at.isoformat(),
            "scope": list(event.scope),
        },
        separators=(",", ":"),
    ).encode()


def _decode(data: bytes) -> EventRecord:
    d = json.loads(data)
    return EventRecord(
        seq=d["seq"],
        id=d["id"],
        type=d["type"],
        resource_id=d["resource_id"],
        actor_id=d["actor_id"],
        payload=d["payload"],
        created_at=datetime.fromisoformat(d["created_at"]),
        scope=tuple(d["scope"]),
    )


def _matches(event: EventRecord, types: Sequence[str], within: str | None) -> bool:
    if within is not None and within not in event.scope:
        return False
    if not types:
        return True
    return any(
        event.type.startswith(t[:-1]) if t.endswith(".*") else event.type == t for t in types
    )


class JetStreamBus(StoreLogReads, EventBus):
    def __init__(
        self,
        meta: MetadataStore,
        *,
        servers: Sequence[str] = ("nats://127.0.0.1:4222",),
        stream: str = "aos_events",
        poll_interval: float = 1.0,
        gap_timeout: float = 5.0,
        replicas: int = 1,
        batch: int = 500,
    ) -> None:
        if not _NAME.match(stream):
            raise InvalidInput(f"Stream name {stream!r} is not valid: use letters, digits, _ and -")
        self.meta = meta
        self.servers = list(servers)
        self.stream = stream
        self.poll_interval = poll_interval
        self.gap_timeout = gap_timeout
        self.replicas = replicas
        self.batch = batch
        self.subject = f"aos.{stream}.events"
        self._gap_subject = f"aos.{stream}.gap"
        self._head_subject = f"aos.{stream}.head"
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._head_sub: Subscription | None = None
        self._relay: asyncio.Task[None] | None = None
        self._published = 0  # the relay's position: the stream's last sequence
        self._head = 0  # the newest deliverable sequence this process knows of
        self._wake = asyncio.Event()
        self._kick = asyncio.Event()
        self._gap_since: tuple[int, float] | None = None
        self._records: dict[str, ConsumerRecord] = {}
        self._closed = False

    @classmethod
    def from_url(cls, url: str, meta: MetadataStore) -> JetStreamBus:
        """`nats://host:port[,…][?stream=NAME&replicas=N&gap_timeout=S&poll_interval=S]`."""
        parsed = urlparse(url)
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        servers = [f"{parsed.scheme}://{h}" for h in parsed.netloc.split(",") if h]
        try:
            return cls(
                meta,
                servers=servers or ["nats://127.0.0.1:4222"],
                stream=query.get("stream", "aos_events"),
                gap_timeout=float(query.get("gap_timeout", 5.0)),
                poll_interval=float(query.get("poll_interval", 1.0)),
                replicas=int(query.get("replicas", 1)),
            )
        except ValueError as exc:
            raise InvalidInput(f"Events URL {url!r}: {exc}") from exc

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("JetStreamBus.start() was not called")
        return self._js

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self._nc = await nats.connect(
            self.servers, name="aos-events", connect_timeout=5, max_reconnect_attempts=-1
        )
        self._js = self._nc.jetstream()
        try:
            info = await self.js.stream_info(self.stream)
        except JsNotFound:
            info = await self.js.add_stream(
                StreamConfig(
                    name=self.stream,
                    description="AOS events, relayed from the metadata store's log",
                    subjects=[f"{self.subject}.>", self._gap_subject],
                    storage=StorageType.FILE,
                    duplicate_window=120.0,
                    num_replicas=self.replicas,
                )
            )
        self._published = info.state.last_seq
        await self._check_last(self._published)
        self._set_head(self._published)
        self._head_sub = await self._nc.subscribe(self._head_subject, cb=self._on_head)
        self.meta.on_events_committed(self._on_commit)
        self._relay = asyncio.create_task(self._relay_forever(), name="aos-events-relay")

    async def close(self) -> None:
        self._closed = True
        if self._relay is not None:
            self._relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay
        if self._nc is not None:
            await self._nc.close()
        self._wake_all()  # release waiting readers
        self._records.clear()

    async def _check_last(self, last: int) -> None:
        """The stream's last message must be the store's event of that sequence (or a gap)."""
        if last == 0:
            return
        msg = await self.js.get_msg(self.stream, last)
        async with self.meta.read() as s:
            found = await s.events_by_seq([last])
        if msg.subject == self._gap_subject and not found:
            return
        event_id = (msg.headers or {}).get("Aos-Event-Id")
        if not found or found[0].id != event_id:
            raise StreamMismatch(
                f"JetStream stream {self.stream!r} holds message {last}, which is not event "
                f"{last} of this metadata store; give this store a stream of its own with "
                "`?stream=NAME` in AOS_EVENTS_URL"
            )

    # -- the relay: store log → stream ----------------------------------------------------------
    def _on_commit(self) -> None:
        if not self._closed:
            self._kick.set()

    async def _on_head(self, msg: Msg) -> None:
        with contextlib.suppress(ValueError):
            self._set_head(int(msg.data))

    def _set_head(self, seq: int) -> None:
        if seq > self._head:
            self._head = seq
            self._wake_all()

    def _wake_all(self) -> None:
        wake, self._wake = self._wake, asyncio.Event()
        wake.set()

    async def _relay_forever(self) -> None:
        while True:
            try:
                delay = await self.relay_once()
            except asyncio.CancelledError:
                raise
            except StreamMismatch:
                log.exception("event relay stopped")
                return
            except Exception:
                log.exception("event relay failed; retrying")
                delay = self.poll_interval
            if delay:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._kick.wait(), delay)
            self._kick.clear()

    async def relay_once(self) -> float:
        """Publish the next committed events; returns how long to wait before the next round."""
        async with self.meta.read() as s:
            events = await s.read_events(after_seq=self._published, limit=self.batch)
        if not events:
            return self.poll_interval
        loop = asyncio.get_running_loop()
        pending: list[tuple[int, asyncio.Future[object]]] = []
        delay = 0.0
        expected = self._published
        for event in events:
            if event.seq > expected + 1:
                # A gap: a transaction that took the sequence is in flight or rolled back.
                if self._gap_since is None or self._gap_since[0] != expected + 1:
                    self._gap_since = (expected + 1, loop.time())
                if loop.time() - self._gap_since[1] < self.gap_timeout:
                    delay = 0.02
                    break
                log.warning("events %d..%d never committed; skipped", expected + 1, event.seq - 1)
                for missing in range(expected + 1, event.seq):
                    pending.append((missing, await self._publish(missing, self._gap_subject, b"")))
                expected = event.seq - 1
            pending.append((event.seq, await self._publish_event(event)))
            expected = event.seq
        for seq, future in pending:
            try:
                ack = await future
            except APIError as exc:
                if exc.err_code != _WRONG_LAST_SEQUENCE:
                    raise
                # Another relay published first: resume from the stream's position.
                self._published = (await self.js.stream_info(self.stream)).state.last_seq
                return 0.0
            if getattr(ack, "seq", None) != seq:
                raise StreamMismatch(
                    f"JetStream stored event {seq} as message {getattr(ack, 'seq', None)} of "
                    f"stream {self.stream!r}; give this store a stream of its own"
                )
            self._published = seq
        self._set_head(self._published)
        assert self._nc is not None  # noqa: S101 - started
        await self._nc.publish(self._head_subject, str(self._published).encode())
        return delay

    async def _publish_event(self, event: EventRecord) -> asyncio.Future[object]:
        subject = f"{self.subject}.{event.type}"
        return await self._publish(event.seq, subject, _encode(event), event_id=event.id)

    async def _publish(
        self, seq: int, subject: str, data: bytes, *, event_id: str = ""
    ) -> asyncio.Future[object]:
        headers = {"Nats-Msg-Id": str(seq), "Nats-Expected-Last-Sequence": str(seq - 1)}
        if event_id:
            headers["Aos-Event-Id"] = event_id
        future = await self.js.publish_async(subject, data, stream=self.stream, headers=headers)
        return future  # type: ignore[return-value]

    # -- the log --------------------------------------------------------------------------------
    async def head(self) -> int:
        """The newest deliverable event; waits (briefly) for the relay to publish every commit.

        So a consumer that starts at the head never receives an event committed before it.
        """
        async with self.meta.read() as s:
            committed = await s.head_seq()
        if committed > self._head:
            self._kick.set()
            await self.wait(committed - 1, 1.0)
        return self._head

    async def wait(self, after_seq: int, seconds: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            wake = self._wake  # taken before the check, so a publish in between is not missed
            if self._head > after_seq:
                return True
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closed:
                return False
            try:
                await asyncio.wait_for(wake.wait(), min(remaining, self.poll_interval))
            except TimeoutError:
                # Head notifications are best effort: ask the stream now and then.
                with contextlib.suppress(Exception):
                    self._set_head((await self.js.stream_info(self.stream)).state.last_seq)

    # -- consumers ------------------------------------------------------------------------------
    def _config(self, record: ConsumerRecord) -> ConsumerConfig:
        types = record.types
        if len(types) == 1:
            t = types[0]
            filter_subject = (
                f"{self.subject}.{t[:-2]}.>" if t.endswith(".*") else f"{self.subject}.{t}"
            )
        else:
            filter_subject = f"{self.subject}.>"  # several types: filtered after the pull
        start = record.delivered_seq
        return ConsumerConfig(
            durable_name=record.id,
            description=f"AOS consumer {record.name!r} of user {record.user_id}",
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if start else DeliverPolicy.ALL,
            opt_start_seq=start + 1 if start else None,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=record.ack_wait,
            max_deliver=-1,
            max_ack_pending=-1,
            filter_subject=filter_subject,
        )

    async def create_consumer(self, spec: ConsumerSpec) -> ConsumerState:
        now = datetime.now(UTC)
        record = ConsumerRecord(
            id=new_id(),
            name=spec.name,
            user_id=spec.user_id,
            within_id=spec.within,
            types=list(spec.types),
            ack_wait=spec.ack_wait,
            delivered_seq=spec.start_seq,  # here: where the consumer starts
            created_at=now,
            updated_at=now,
        )
        async with self.meta.write() as s:
            await s.insert_consumer(record)
        try:
            info = await self.js.add_consumer(self.stream, self._config(record))
        except BaseException:
            async with self.meta.write() as s:
                await s.delete_consumer(record.id)
            raise
        self._records[record.id] = record
        return self._state(record, info)

    async def _record(self, consumer_id: str, *, fresh: bool = False) -> ConsumerRecord:
        record = None if fresh else self._records.get(consumer_id)
        if record is None:
            async with self.meta.read() as s:
                record = await s.get_consumer(consumer_id)
            if record is None:
                self._records.pop(consumer_id, None)
                raise NotFound(f"No consumer with id {consumer_id!r}", id=consumer_id)
            self._records[consumer_id] = record
        return record

    async def _info(self, consumer_id: str) -> tuple[ConsumerRecord, ConsumerInfo]:
        """The consumer's record and JetStream state; recreates a lost JetStream consumer."""
        record = await self._record(consumer_id)
        try:
            return record, await self.js.consumer_info(self.stream, consumer_id)
        except JsNotFound:
            record = await self._record(consumer_id, fresh=True)
            log.warning("JetStream consumer %s was missing; recreated", consumer_id)
            return record, await self.js.add_consumer(self.stream, self._config(record))

    def _state(self, record: ConsumerRecord, info: ConsumerInfo) -> ConsumerState:
        delivered = info.delivered.stream_seq or 0 if info.delivered else 0
        if not info.num_pending:  # everything up to the head was examined
            delivered = max(delivered, self._head)
        return ConsumerState(
            id=record.id,
            name=record.name,
            user_id=record.user_id,
            types=record.types,
            within=record.within_id,
            ack_wait=record.ack_wait,
            delivered_seq=max(delivered, record.delivered_seq),
            pending=info.num_ack_pending or 0,
            head_seq=self._head,
            created_at=record.created_at,
        )

    async def consumer(self, consumer_id: str) -> ConsumerState | None:
        try:
            return self._state(*await self._info(consumer_id))
        except NotFound:
            return None

    async def consumers(self, user_id: str | None) -> list[ConsumerState]:
        async with self.meta.read() as s:
            records = await s.list_consumers(user_id)
        out = []
        for record in records:
            self._records[record.id] = record
            with contextlib.suppress(NotFound):
                out.append(self._state(*await self._info(record.id)))
        return out

    async def delete_consumer(self, consumer_id: str) -> bool:
        self._records.pop(consumer_id, None)
        with contextlib.suppress(JsNotFound):
            await self.js.delete_consumer(self.stream, consumer_id)
        async with self.meta.write() as s:
            return await s.delete_consumer(consumer_id)

    async def fetch(
        self, consumer_id: str, max_events: int, *, accept: Accept | None = None
    ) -> list[Delivery]:
        record = await self._record(consumer_id)
        out: list[Delivery] = []
        while len(out) < max_events:
            want = max_events - len(out)
            msgs = await self._pull(consumer_id, want)
            if msgs is None:  # the JetStream consumer is gone: deleted, or lost with the stream
                record, _ = await self._info(consumer_id)
                msgs = await self._pull(consumer_id, want) or []
            skip: list[str] = []
            refuse: list[str] = []
            for msg in msgs:
                meta = msg.metadata
                if msg.subject == self._gap_subject:
                    skip.append(msg.reply)
                    continue
                event = _decode(msg.data)
                if event.seq != meta.sequence.stream:
                    raise StreamMismatch(
                        f"message {meta.sequence.stream} of stream {self.stream!r} carries event "
                        f"{event.seq}; give this store a stream of its own"
                    )
                if not _matches(event, record.types, record.within_id):
                    skip.append(msg.reply)
                elif accept is not None and not accept(event):
                    refuse.append(msg.reply)  # the reader may not see it: never pending
                else:
                    out.append(Delivery(event, meta.num_delivered))
            await self._reply(skip, b"+ACK")
            await self._reply(refuse, b"+TERM")
            if len(msgs) < want:
                break  # nothing more is due now
        return out

    async def _pull(self, consumer_id: str, n: int) -> list[Msg] | None:
        """Up to `n` messages due now (a no-wait pull); None when the consumer does not exist."""
        assert self._nc is not None  # noqa: S101 - started
        inbox = self._nc.new_inbox()
        sub = await self._nc.subscribe(inbox)
        out: list[Msg] = []
        try:
            await self._nc.publish(
                f"$JS.API.CONSUMER.MSG.NEXT.{self.stream}.{consumer_id}",
                json.dumps({"batch": n, "no_wait": True}).encode(),
                reply=inbox,
            )
            while len(out) < n:
                try:
                    msg = await sub.next_msg(timeout=5)
                except NatsTimeout:
                    break
                status = (msg.headers or {}).get("Status")
                if status == "503":
                    return None  # no responders: no such consumer
                if status:
                    break  # 404 no messages, 408 request expired, 409 consumer changed
                out.append(msg)
        finally:
            await sub.unsubscribe()
        return out

    async def _reply(self, subjects: Sequence[str], verb: bytes) -> None:
        """Send acks; the last goes as a request, so all are processed when this returns."""
        if not subjects:
            return
        assert self._nc is not None  # noqa: S101 - started
        for subject in subjects[:-1]:
            await self._nc.publish(subject, verb)
        with contextlib.suppress(NatsTimeout):
            await self._nc.request(subjects[-1], verb, timeout=5)

    def _ack_subject(self, consumer_id: str, seq: int, consumer_seq: int) -> str:
        # JetStream finds a pending delivery by its stream sequence. Consumer sequence 0 never
        # moves the ack floor for a delivery that is not pending.
        return f"$JS.ACK.{self.stream}.{consumer_id}.1.{seq}.{consumer_seq}.0.0"

    async def _acks(self, consumer_id: str, seqs: Sequence[int], verb: bytes) -> tuple[int, int]:
        """Ack or nak deliveries by sequence; returns (pending before, pending after)."""
        _, info = await self._info(consumer_id)
        floor = info.ack_floor.stream_seq or 0 if info.ack_floor else 0
        top = info.delivered.stream_seq or 0 if info.delivered else 0
        # Only what was delivered: acking past the consumer's position would skip messages.
        wanted = sorted({s for s in seqs if floor < s <= top})
        consumer_seq = 0
        if verb == b"-NAK":
            consumer_seq = info.delivered.consumer_seq or 0 if info.delivered else 0
        before = info.num_ack_pending or 0
        for i in range(0, len(wanted), _ACK_CHUNK):
            chunk = wanted[i : i + _ACK_CHUNK]
            await self._reply(
                [self._ack_subject(consumer_id, s, consumer_seq) for s in chunk], verb
            )
        if verb == b"-NAK":
            return len(wanted), 0
        after = (await self.js.consumer_info(self.stream, consumer_id)).num_ack_pending or 0
        return before, after

    async def ack(self, consumer_id: str, seqs: Sequence[int]) -> int:
        before, after = await self._acks(consumer_id, seqs, b"+ACK")
        return max(0, min(len(seqs), before - after))

    async def ack_through(self, consumer_id: str, seq: int) -> int:
        _, info = await self._info(consumer_id)
        floor = info.ack_floor.stream_seq or 0 if info.ack_floor else 0
        before, after = await self._acks(consumer_id, range(floor + 1, seq + 1), b"+ACK")
        return max(0, before - after)

    async def nak(self, consumer_id: str, seqs: Sequence[int]) -> int:
        count, _ = await self._acks(consumer_id, seqs, b"-NAK")
        return count

    async def rewind(self, consumer_id: str, start_seq: int) -> ConsumerState:
        record = await self._record(consumer_id, fresh=True)
        async with self.meta.write() as s:
            await s.rewind_consumer(consumer_id, start_seq, datetime.now(UTC))
        record = await self._record(consumer_id, fresh=True)
        with contextlib.suppress(JsNotFound):
            await self.js.delete_consumer(self.stream, consumer_id)
        info = await self.js.add_consumer(self.stream, self._config(record))
        return self._state(record, info)
