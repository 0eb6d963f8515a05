"""Routes for event consumers: create, read by long-poll, Server-Sent Events or WebSocket, ack."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import datetime
from typing import Annotated, Any

from aiohttp import WSMsgType, web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...backends.metadata.base import EventRecord
from ...domain.permissions import Actor
from ...errors import AOSError, InvalidInput
from ...events.bus import ConsumerState, Delivery
from ...keys import EVENTS
from ...services.events import Start, public_payload
from .routing import ApiRouter

log = logging.getLogger("aos.events")
router = ApiRouter()
TAG = "events"
_TYPES_HELP = "Event types (`object.available`), prefixes (`resource.*`) or `*`; empty: all"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Sequence numbers fit the stores' 64-bit integers; larger ones used to fail there as a 500.
Seq = Annotated[int, Field(ge=0, le=2**63 - 1)]


class StartFields(_Body):
    from_seq: Annotated[Seq, Field(ge=1)] | None = Field(
        default=None, description="Start with the event of this sequence number"
    )
    from_time: datetime | None = Field(
        default=None, description="Start with the first event at or after this time"
    )
    all: bool = Field(default=False, description="Start at the beginning of the log")

    def start(self) -> Start:
        return Start(from_seq=self.from_seq, from_time=self.from_time, everything=self.all)


class ConsumerCreate(StartFields):
    name: Annotated[str, Field(max_length=128)] = ""
    types: Annotated[list[str], Field(max_length=100, description=_TYPES_HELP)] = Field(
        default_factory=list
    )
    within_id: str | None = Field(default=None, description="Only this resource and below")
    within_path: str | None = Field(
        default=None, description="The same, given as a path: project[/collection…]"
    )
    ack_wait: Annotated[float, Field(ge=0.1, le=86_400)] = Field(
        default=30.0, description="Seconds before an unacked event is delivered again"
    )


class Consumer(BaseModel):
    id: str
    name: str
    user_id: str
    types: list[str]
    within_id: str | None
    ack_wait: float
    delivered_seq: int = Field(description="Events up to here have been examined")
    pending: int = Field(description="Delivered, not yet acked")
    head_seq: int = Field(description="The newest event in the log")
    next_redelivery: datetime | None
    created_at: datetime


class Event(BaseModel):
    seq: int = Field(description="Global, gap-free within one store, increasing")
    id: str
    type: str
    resource_id: str | None
    actor_id: str | None
    time: datetime
    data: dict[str, Any]
    attempt: int = Field(default=1, description="2 and more: a redelivery")


class EventBatch(BaseModel):
    events: list[Event]


class EventPage(BaseModel):
    events: list[Event]
    next_after: int = Field(description="Pass as `after` to continue")


class FetchQuery(_Body):
    max: Annotated[int, Field(ge=1, le=1000)] = 100
    wait: Annotated[float, Field(ge=0, le=60, description="Long-poll: seconds to wait")] = 0.0


class StreamQuery(_Body):
    max_in_flight: Annotated[
        int, Field(ge=1, le=10_000, description="Stop sending while this many are unacked")
    ] = 1000


class LogQuery(_Body):
    after: Seq = 0
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
    types: str | None = Field(default=None, description="Comma-separated; " + _TYPES_HELP)
    within_id: str | None = None
    within_path: str | None = None


class AckRequest(_Body):
    seqs: Annotated[list[Seq], Field(max_length=10_000)] = Field(default_factory=list)
    through: Seq | None = Field(default=None, description="Also ack everything up to this")


class NakRequest(_Body):
    seqs: Annotated[list[Seq], Field(min_length=1, max_length=10_000)]


class AckResult(BaseModel):
    acked: int


def consumer_view(state: ConsumerState) -> Consumer:
    return Consumer(
        id=state.id,
        name=state.name,
        user_id=state.user_id,
        types=state.types,
        within_id=state.within,
        ack_wait=state.ack_wait,
        delivered_seq=state.delivered_seq,
        pending=state.pending,
        head_seq=state.head_seq,
        next_redelivery=state.next_redelivery,
        created_at=state.created_at,
    )


def event_view(event: EventRecord, attempt: int = 1) -> Event:
    return Event(
        seq=event.seq,
        id=event.id,
        type=event.type,
        resource_id=event.resource_id,
        actor_id=event.actor_id,
        time=event.created_at,
        data=public_payload(event.payload),
        attempt=attempt,
    )


def _views(found: list[Delivery]) -> list[Event]:
    return [event_view(d.event, d.attempt) for d in found]


@router.op(
    "POST",
    "/consumers",
    summary="Create an event consumer (filter: subtree, event types; start: now, seq or time)",
    tag=TAG,
    body=ConsumerCreate,
    response=Consumer,
    status=201,
)
async def create_consumer(request: web.Request, actor: Actor, body: ConsumerCreate) -> Consumer:
    state = await request.config_dict[EVENTS].create(
        actor,
        name=body.name,
        types=body.types,
        within_id=body.within_id,
        within_path=body.within_path,
        ack_wait=body.ack_wait,
        start=body.start(),
    )
    return consumer_view(state)


@router.op("GET", "/consumers", summary="Your event consumers", tag=TAG, response=list[Consumer])
async def list_consumers(request: web.Request, actor: Actor) -> list[Consumer]:
    return [consumer_view(c) for c in await request.config_dict[EVENTS].list_consumers(actor)]


@router.op(
    "GET", "/consumers/{id}", summary="A consumer and its progress", tag=TAG, response=Consumer
)
async def get_consumer(request: web.Request, actor: Actor, id: str) -> Consumer:
    return consumer_view(await request.config_dict[EVENTS].get(actor, id))


@router.op("DELETE", "/consumers/{id}", summary="Delete a consumer", tag=TAG)
async def delete_consumer(request: web.Request, actor: Actor, id: str) -> None:
    await request.config_dict[EVENTS].delete(actor, id)


@router.op(
    "GET",
    "/consumers/{id}/events",
    summary="Fetch events (long-poll with `wait`); ack them, or they come again after ack_wait",
    tag=TAG,
    query=FetchQuery,
    response=EventBatch,
)
async def fetch_events(
    request: web.Request, actor: Actor, id: str, query: FetchQuery
) -> EventBatch:
    found = await request.config_dict[EVENTS].fetch(
        actor, id, max_events=query.max, wait=query.wait
    )
    return EventBatch(events=_views(found))


@router.op(
    "POST",
    "/consumers/{id}/ack",
    summary="Acknowledge events (by sequence, or everything up to `through`)",
    tag=TAG,
    body=AckRequest,
    response=AckResult,
)
async def ack_events(request: web.Request, actor: Actor, id: str, body: AckRequest) -> AckResult:
    if not body.seqs and body.through is None:
        raise InvalidInput("Nothing to ack: give `seqs`, `through`, or both")
    done = await request.config_dict[EVENTS].ack(actor, id, seqs=body.seqs, through=body.through)
    return AckResult(acked=done)


@router.op(
    "POST",
    "/consumers/{id}/nak",
    summary="Give events back: they are delivered again at once",
    tag=TAG,
    body=NakRequest,
    response=AckResult,
)
async def nak_events(request: web.Request, actor: Actor, id: str, body: NakRequest) -> AckResult:
    return AckResult(acked=await request.config_dict[EVENTS].nak(actor, id, body.seqs))


@router.op(
    "POST",
    "/consumers/{id}/replay",
    summary="Replay from a sequence number or time (or skip to now); pending events are dropped",
    tag=TAG,
    body=StartFields,
    response=Consumer,
)
async def replay(request: web.Request, actor: Actor, id: str, body: StartFields) -> Consumer:
    return consumer_view(await request.config_dict[EVENTS].replay(actor, id, body.start()))


@router.op(
    "GET",
    "/events",
    summary="Read the event log as you may see it (no consumer, no acks)",
    tag=TAG,
    query=LogQuery,
    response=EventPage,
)
async def read_log(request: web.Request, actor: Actor, query: LogQuery) -> EventPage:
    types = [t.strip() for t in (query.types or "").split(",") if t.strip()]
    found, last = await request.config_dict[EVENTS].log(
        actor,
        after_seq=query.after,
        types=types,
        within_id=query.within_id,
        within_path=query.within_path,
        limit=query.limit,
    )
    return EventPage(events=[event_view(e) for e in found], next_after=last)


def _sse(event: Event) -> bytes:
    data = event.model_dump_json()
    return f"id: {event.seq}\nevent: {event.type}\ndata: {data}\n\n".encode()


@router.op(
    "GET",
    "/consumers/{id}/stream",
    summary="Server-Sent Events: each event as `id: <seq>`, `event: <type>`, `data: <json>`",
    tag=TAG,
    query=StreamQuery,
)
async def stream_events(
    request: web.Request, actor: Actor, id: str, query: StreamQuery
) -> web.StreamResponse:
    service = request.config_dict[EVENTS]
    await service.get(actor, id)  # fails as problem+json before the stream starts
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    await response.write(b"retry: 1000\n\n")
    loop = asyncio.get_running_loop()
    quiet_since = loop.time()
    with contextlib.suppress(ConnectionResetError):
        while _connected(request):
            state = await service.get(actor, id)
            room = min(100, query.max_in_flight - state.pending)
            found: list[Delivery] = []
            if room > 0:
                found = await service.fetch(
                    actor, id, max_events=room, wait=15, alive=lambda: _connected(request)
                )
            else:
                await asyncio.sleep(min(1.0, state.ack_wait / 2))
            if found:
                await response.write(b"".join(_sse(e) for e in _views(found)))
                quiet_since = loop.time()
            elif loop.time() - quiet_since >= 15:
                await response.write(b": keep-alive\n\n")
                quiet_since = loop.time()
    return response


def _connected(request: web.Request) -> bool:
    transport = request.transport
    return transport is not None and not transport.is_closing()


async def _ws_commands(
    ws: web.WebSocketResponse, request: web.Request, actor: Actor, id: str
) -> None:
    """Apply `{"ack": [..]}`, `{"ack_through": n}` and `{"nak": [..]}` messages as they come."""
    service = request.config_dict[EVENTS]
    async for msg in ws:
        if msg.type != WSMsgType.TEXT:
            continue
        try:
            command = json.loads(msg.data)
            if not isinstance(command, dict):
                raise ValueError("not an object")
            acks = [int(s) for s in command.get("ack", [])]
            through = command.get("ack_through")
            naks = [int(s) for s in command.get("nak", [])]
            done = 0
            if acks or through is not None:
                done += await service.ack(
                    actor, id, seqs=acks, through=int(through) if through is not None else None
                )
            if naks:
                await service.nak(actor, id, naks)
            await ws.send_json({"op": "acked", "acked": done})
        except (ValueError, TypeError, ValidationError) as exc:
            await ws.send_json(
                {
                    "op": "error",
                    "detail": f'Not understood ({exc}); send {{"ack": [seq, …]}}, '
                    '{"ack_through": seq} or {"nak": [seq, …]}',
                }
            )


@router.op(
    "GET",
    "/consumers/{id}/ws",
    summary='WebSocket: {"op": "event", "event": …} messages; send {"ack": [seq, …]} back',
    tag=TAG,
    query=StreamQuery,
)
async def websocket_events(
    request: web.Request, actor: Actor, id: str, query: StreamQuery
) -> web.StreamResponse:
    service = request.config_dict[EVENTS]
    await service.get(actor, id)
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    commands = asyncio.create_task(_ws_commands(ws, request, actor, id))
    try:
        while not ws.closed and not commands.done():
            state = await service.get(actor, id)
            room = min(100, query.max_in_flight - state.pending)
            if room <= 0:
                await asyncio.wait({commands}, timeout=min(1.0, state.ack_wait / 2))
                continue
            found = await service.fetch(
                actor, id, max_events=room, wait=5, alive=lambda: not ws.closed
            )
            for event in _views(found):
                await ws.send_str(
                    json.dumps({"op": "event", "event": event.model_dump(mode="json")})
                )
    except (ConnectionResetError, AOSError) as exc:
        log.debug("websocket for consumer %s ended: %s", id, exc)
    finally:
        commands.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await commands
        await ws.close()
    return ws
