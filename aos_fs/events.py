"""Notifications on the client: event consumers, and `subscribe()` as an async iterator.

>>> async with AsyncAOSClient() as client:
...     async with client.events.subscribe(within="my-project", types=["object.available"]) as sub:
...         async for event in sub:
...             print(event.seq, event.type, event.data["name"])

Every event stays pending on the server until it is acked; unacked events come again after the
consumer's `ack_wait`. `subscribe()` acks an event once the loop asks for the next one (so an event
whose processing crashed the loop is delivered again), batching acks while events keep coming.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import httpx
from pydantic import BaseModel, Field

from ._requests import Call, call, seg
from .errors import translate

if TYPE_CHECKING:
    from .client import AOSClient, AsyncAOSClient


class Event(BaseModel):
    """One event of the log. `attempt` > 1 marks a redelivery of an unacked event."""

    seq: int
    id: str
    type: str
    resource_id: str | None = None
    actor_id: str | None = None
    time: datetime
    data: dict[str, Any] = Field(default_factory=dict)
    attempt: int = 1


class Consumer(BaseModel):
    """A durable consumer on the server: its filter and its progress."""

    id: str
    name: str = ""
    user_id: str
    types: list[str] = Field(default_factory=list)
    within_id: str | None = None
    ack_wait: float
    delivered_seq: int
    pending: int
    head_seq: int
    next_redelivery: datetime | None = None
    created_at: datetime


class EventBatch(BaseModel):
    events: list[Event]


class EventPage(BaseModel):
    events: list[Event]
    next_after: int


class AckResult(BaseModel):
    acked: int


def _start(from_seq: int | None, from_time: datetime | None, all: bool) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if from_seq is not None:
        body["from_seq"] = from_seq
    if from_time is not None:
        body["from_time"] = from_time.isoformat()
    if all:
        body["all"] = True
    return body


def _within(within: str | None) -> dict[str, str]:
    """A resource id (26-character ULID) or a path such as `project/collection`."""
    if within is None:
        return {}
    if len(within) == 26 and within.isalnum() and within.upper() == within:
        return {"within_id": within}
    return {"within_path": within}


# -- the calls ----------------------------------------------------------------------------------
def create_consumer(
    *,
    within: str | None,
    types: Sequence[str],
    name: str,
    ack_wait: float,
    from_seq: int | None,
    from_time: datetime | None,
    all: bool,
) -> Call[Consumer]:
    body = {
        "name": name,
        "types": list(types),
        "ack_wait": ack_wait,
        **_within(within),
        **_start(from_seq, from_time, all),
    }
    return call("POST", "/consumers", Consumer, body=body)


def get_consumer(consumer_id: str) -> Call[Consumer]:
    return call("GET", f"/consumers/{seg(consumer_id)}", Consumer)


def fetch(consumer_id: str, max: int, wait: float) -> Call[EventBatch]:
    return call(
        "GET",
        f"/consumers/{seg(consumer_id)}/events",
        EventBatch,
        params={"max": max, "wait": wait},
    )


def ack(consumer_id: str, seqs: Sequence[int], through: int | None) -> Call[AckResult]:
    body: dict[str, Any] = {"seqs": list(seqs)}
    if through is not None:
        body["through"] = through
    return call("POST", f"/consumers/{seg(consumer_id)}/ack", AckResult, body=body)


def nak(consumer_id: str, seqs: Sequence[int]) -> Call[AckResult]:
    return call("POST", f"/consumers/{seg(consumer_id)}/nak", AckResult, body={"seqs": list(seqs)})


def replay(
    consumer_id: str, from_seq: int | None, from_time: datetime | None, all: bool
) -> Call[Consumer]:
    return call(
        "POST",
        f"/consumers/{seg(consumer_id)}/replay",
        Consumer,
        body=_start(from_seq, from_time, all),
    )


def log(after: int, limit: int, types: Sequence[str], within: str | None) -> Call[EventPage]:
    params: dict[str, Any] = {"after": after, "limit": limit, **_within(within)}
    if types:
        params["types"] = ",".join(types)
    return call("GET", "/events", EventPage, params=params)


# -- sync ---------------------------------------------------------------------------------------
class Events:
    """`client.events` of the synchronous client."""

    def __init__(self, client: AOSClient) -> None:
        self._client = client

    def create_consumer(
        self,
        *,
        within: str | None = None,
        types: Sequence[str] = (),
        name: str = "",
        ack_wait: float = 30.0,
        from_seq: int | None = None,
        from_time: datetime | None = None,
        all: bool = False,
    ) -> Consumer:
        """A durable consumer of the events below `within` (a resource id or path)."""
        return self._client._send(
            create_consumer(
                within=within,
                types=types,
                name=name,
                ack_wait=ack_wait,
                from_seq=from_seq,
                from_time=from_time,
                all=all,
            )
        )

    def consumers(self) -> list[Consumer]:
        return self._client._send(call("GET", "/consumers", list[Consumer]))

    def consumer(self, consumer_id: str) -> Consumer:
        return self._client._send(get_consumer(consumer_id))

    def delete_consumer(self, consumer_id: str) -> None:
        self._client._send(call("DELETE", f"/consumers/{seg(consumer_id)}"))

    def fetch(self, consumer_id: str, *, max: int = 100, wait: float = 0.0) -> list[Event]:
        """Pending events (long-poll up to `wait` seconds); ack them with `ack()`."""
        return self._client._send(fetch(consumer_id, max, wait)).events

    def ack(self, consumer_id: str, seqs: Sequence[int] = (), *, through: int | None = None) -> int:
        return self._client._send(ack(consumer_id, seqs, through)).acked

    def nak(self, consumer_id: str, seqs: Sequence[int]) -> int:
        return self._client._send(nak(consumer_id, seqs)).acked

    def replay(
        self,
        consumer_id: str,
        *,
        from_seq: int | None = None,
        from_time: datetime | None = None,
        all: bool = False,
    ) -> Consumer:
        """Deliver again from a sequence number or a time (no argument: skip to now)."""
        return self._client._send(replay(consumer_id, from_seq, from_time, all))

    def log(
        self,
        *,
        after: int = 0,
        limit: int = 100,
        types: Sequence[str] = (),
        within: str | None = None,
    ) -> EventPage:
        """A page of the event log as you may see it (no consumer needed)."""
        return self._client._send(log(after, limit, types, within))

    def subscribe(
        self,
        consumer_id: str,
        *,
        batch: int = 100,
        wait: float = 20.0,
    ) -> Iterator[Event]:
        """Every event of an existing consumer, forever, by long-poll; each is acked once the
        loop asks for the next one."""
        while True:
            events = self.fetch(consumer_id, max=batch, wait=wait)
            for event in events:
                yield event
                self.ack(consumer_id, [event.seq])


# -- async --------------------------------------------------------------------------------------
class AsyncEvents:
    """`client.events` of the asynchronous client."""

    def __init__(self, client: AsyncAOSClient) -> None:
        self._client = client

    async def create_consumer(
        self,
        *,
        within: str | None = None,
        types: Sequence[str] = (),
        name: str = "",
        ack_wait: float = 30.0,
        from_seq: int | None = None,
        from_time: datetime | None = None,
        all: bool = False,
    ) -> Consumer:
        """A durable consumer of the events below `within` (a resource id or path)."""
        return await self._client._send(
            create_consumer(
                within=within,
                types=types,
                name=name,
                ack_wait=ack_wait,
                from_seq=from_seq,
                from_time=from_time,
                all=all,
            )
        )

    async def consumers(self) -> list[Consumer]:
        return await self._client._send(call("GET", "/consumers", list[Consumer]))

    async def consumer(self, consumer_id: str) -> Consumer:
        return await self._client._send(get_consumer(consumer_id))

    async def delete_consumer(self, consumer_id: str) -> None:
        await self._client._send(call("DELETE", f"/consumers/{seg(consumer_id)}"))

    async def fetch(self, consumer_id: str, *, max: int = 100, wait: float = 0.0) -> list[Event]:
        return (await self._client._send(fetch(consumer_id, max, wait))).events

    async def ack(
        self, consumer_id: str, seqs: Sequence[int] = (), *, through: int | None = None
    ) -> int:
        return (await self._client._send(ack(consumer_id, seqs, through))).acked

    async def nak(self, consumer_id: str, seqs: Sequence[int]) -> int:
        return (await self._client._send(nak(consumer_id, seqs))).acked

    async def replay(
        self,
        consumer_id: str,
        *,
        from_seq: int | None = None,
        from_time: datetime | None = None,
        all: bool = False,
    ) -> Consumer:
        return await self._client._send(replay(consumer_id, from_seq, from_time, all))

    async def log(
        self,
        *,
        after: int = 0,
        limit: int = 100,
        types: Sequence[str] = (),
        within: str | None = None,
    ) -> EventPage:
        return await self._client._send(log(after, limit, types, within))

    def subscribe(
        self,
        *,
        within: str | None = None,
        types: Sequence[str] = (),
        consumer_id: str | None = None,
        from_seq: int | None = None,
        from_time: datetime | None = None,
        ack_wait: float = 30.0,
        auto_ack: bool = True,
        max_in_flight: int = 1000,
    ) -> Subscription:
        """An async iterator over events, streamed by Server-Sent Events.

        Without `consumer_id` a consumer is created for this subscription (starting now, or at
        `from_seq`/`from_time`) and deleted when the subscription closes. With `auto_ack` each
        event is acked when the loop asks for the next one; otherwise call `ack()`. The stream
        reconnects by itself after a dropped connection (unacked events then come again).
        """
        return Subscription(
            self,
            consumer_id=consumer_id,
            create={
                "within": within,
                "types": types,
                "from_seq": from_seq,
                "from_time": from_time,
                "ack_wait": ack_wait,
            },
            auto_ack=auto_ack,
            max_in_flight=max_in_flight,
        )


class Subscription:
    """Events of one consumer as an async iterator; use it with `async with`."""

    ACK_BATCH = 100

    def __init__(
        self,
        events: AsyncEvents,
        *,
        consumer_id: str | None,
        create: dict[str, Any],
        auto_ack: bool,
        max_in_flight: int,
    ) -> None:
        self._events = events
        self.consumer_id = consumer_id
        self._owned = consumer_id is None
        self._create = create
        self.auto_ack = auto_ack
        self.max_in_flight = max_in_flight
        self._queue: asyncio.Queue[Event | BaseException] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None
        self._last: Event | None = None
        self._to_ack: list[int] = []
        self._recent: deque[int] = deque(maxlen=10_000)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        if self._reader is not None:
            return
        if self.consumer_id is None:
            consumer = await self._events.create_consumer(**self._create)
            self.consumer_id = consumer.id
        self._reader = asyncio.create_task(self._read_forever())

    async def close(self) -> None:
        """Flush acks, stop streaming and delete the consumer this subscription created."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        if self.auto_ack and self._last is not None:
            self._to_ack.append(self._last.seq)
            self._last = None
        with contextlib.suppress(httpx.HTTPError, OSError):
            await self.flush()
            if self._owned and self.consumer_id is not None:
                await self._events.delete_consumer(self.consumer_id)

    async def ack(self, event: Event | int) -> None:
        """Ack one event (batched; sent before the iterator waits for more)."""
        self._to_ack.append(event.seq if isinstance(event, Event) else event)
        if len(self._to_ack) >= self.ACK_BATCH:
            await self.flush()

    async def flush(self) -> None:
        """Send the acks collected so far."""
        if self._to_ack and self.consumer_id is not None:
            seqs, self._to_ack = self._to_ack, []
            await self._events.ack(self.consumer_id, seqs)
            self._recent.extend(seqs)

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        await self.start()
        if self.auto_ack and self._last is not None:
            await self.ack(self._last)
            self._last = None
        while True:
            if self._queue.empty():
                await self.flush()  # idle: ack now rather than later
            item = await self._queue.get()
            if isinstance(item, BaseException):
                raise item
            if item.attempt > 1 and (item.seq in self._recent or item.seq in self._to_ack):
                # Redelivered although handled here (its ack was lost with a connection).
                await self.ack(item)
                continue
            self._last = item
            return item

    async def _read_forever(self) -> None:
        client = self._events._client
        url = f"{client.url}/api/v2/consumers/{seg(self.consumer_id or '')}/stream"
        delay = 0.2
        while True:
            try:
                async with client._http.stream(
                    "GET",
                    url,
                    params={"max_in_flight": self.max_in_flight},
                    headers={**client._headers(), "Accept": "text/event-stream"},
                    timeout=httpx.Timeout(client.timeout, read=60.0),
                ) as response:
                    if response.status_code >= 400:
                        await response.aread()
                        error = translate(response)
                        if response.status_code < 500:
                            await self._queue.put(error)
                            return
                        raise error
                    delay = 0.2
                    async for event in _parse_sse(response.aiter_lines()):
                        await self._queue.put(event)
            except (httpx.TransportError, OSError):
                pass  # reconnect below; unacked events come again
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


async def _parse_sse(lines: AsyncIterator[str]) -> AsyncIterator[Event]:
    data: list[str] = []
    async for line in lines:
        if line == "":
            if data:
                yield Event.model_validate(json.loads("\n".join(data)))
                data = []
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
