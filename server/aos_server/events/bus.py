"""The EventBus contract: a durable, ordered event log with acked, filtered consumers.

It is shaped after NATS JetStream so a JetStream backend can implement it one to one: the log is
a stream whose sequence numbers are global; a consumer is a durable pull consumer with a filter
(event types ≈ filter subjects), a start position (DeliverByStartSequence / ByStartTime) and an
ack wait (AckWait); `fetch` is a pull, `ack`/`nak` are AckAck/AckNak, and `rewind` recreates the
consumer at a new start. The subtree filter (`within`) needs the event's ancestry, which travels in
the event itself (`EventRecord.scope`), so a backend that cannot filter on it server-side filters
after the pull and acks what does not match.

Events are appended by the metadata store inside the transaction of the change (so the log and
the data never disagree); the bus makes them deliverable and wakes waiting readers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..backends.metadata.base import EventRecord


@dataclass(frozen=True, slots=True)
class ConsumerSpec:
    """What a new consumer reads: its filter, start and ack wait."""

    user_id: str
    name: str = ""
    types: Sequence[str] = ()
    within: str | None = None
    ack_wait: float = 30.0
    start_seq: int = 0  # deliver events with a sequence greater than this


@dataclass(frozen=True, slots=True)
class ConsumerState:
    id: str
    name: str
    user_id: str
    types: list[str]
    within: str | None
    ack_wait: float
    delivered_seq: int
    pending: int
    head_seq: int
    created_at: datetime
    next_redelivery: datetime | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event handed to a consumer; `attempt` > 1 means it was not acked in time before."""

    event: EventRecord
    attempt: int = 1


Accept = Callable[[EventRecord], bool]


class EventBus(ABC):
    """Durable event delivery. Every method is safe to call from concurrent readers."""

    @abstractmethod
    async def start(self) -> None:
        """Connect, or start background work."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections and stop background work."""

    # -- the log ------------------------------------------------------------------------------
    @abstractmethod
    async def head(self) -> int:
        """The sequence of the newest event (0 when the log is empty)."""

    @abstractmethod
    async def wait(self, after_seq: int, seconds: float) -> bool:
        """Wait until an event with a sequence above `after_seq` exists; False after `seconds`."""

    @abstractmethod
    def read(
        self,
        after_seq: int,
        *,
        types: Sequence[str] = (),
        within: str | None = None,
        limit: int = 1000,
    ) -> AsyncIterator[EventRecord]:
        """Matching events after `after_seq`, in order, at most `limit` (no consumer state)."""

    @abstractmethod
    async def seq_before(self, when: datetime) -> int:
        """The last sequence before `when`: start there to replay from a point in time."""

    # -- consumers ----------------------------------------------------------------------------
    @abstractmethod
    async def create_consumer(self, spec: ConsumerSpec) -> ConsumerState: ...

    @abstractmethod
    async def consumer(self, consumer_id: str) -> ConsumerState | None: ...

    @abstractmethod
    async def consumers(self, user_id: str | None) -> list[ConsumerState]: ...

    @abstractmethod
    async def delete_consumer(self, consumer_id: str) -> bool: ...

    @abstractmethod
    async def fetch(
        self, consumer_id: str, max_events: int, *, accept: Accept | None = None
    ) -> list[Delivery]:
        """Up to `max_events` deliveries: overdue unacked ones first, then new events.

        Every delivery stays pending until acked; after the consumer's ack wait it is delivered
        again with a higher `attempt`. Events that `accept` refuses (the reader may not see them)
        are passed over and never become pending. Returns at once (empty when nothing is due).
        Raises `NotFound` for an unknown consumer.
        """

    @abstractmethod
    async def ack(self, consumer_id: str, seqs: Sequence[int]) -> int:
        """Acknowledge deliveries; returns how many were pending."""

    @abstractmethod
    async def ack_through(self, consumer_id: str, seq: int) -> int:
        """Acknowledge every pending delivery up to and including `seq`."""

    @abstractmethod
    async def nak(self, consumer_id: str, seqs: Sequence[int]) -> int:
        """Ask for deliveries to be redelivered at once."""

    @abstractmethod
    async def rewind(self, consumer_id: str, start_seq: int) -> ConsumerState:
        """Forget pending deliveries and deliver again from after `start_seq` (replay)."""
