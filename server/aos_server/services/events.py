"""Use-cases on notifications: consumers with a filter, permission-checked delivery, ack, replay."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aos_fs.models import DataClass

from ..backends.metadata.base import EventRecord, MetadataStore
from ..domain.permissions import Actor, Level
from ..errors import InvalidInput, NotFound, PermissionDenied, Unauthenticated
from ..events.bus import ConsumerSpec, ConsumerState, Delivery, EventBus
from . import permissions as perms
from .common import load
from .resources import PRIVATE_KEY_PREFIXES, resolve_chain

MAX_CONSUMERS_PER_USER = 100
_TYPE = re.compile(r"^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$")

# Every event type the service appends, with what it means (documented in docs/events.md).
EVENT_TYPES: dict[str, str] = {
    "resource.created": "a project, collection, dataset or object was created",
    "resource.updated": "name, title, description, authors, licenses, data class or external "
    "relations changed",
    "resource.key_values_changed": "key-values were added or removed (`added`, `removed`)",
    "resource.status_changed": "a status was set (`from`, `to`), for example by a validator",
    "resource.deleted": "a resource was soft-deleted (once per resource of the cascade)",
    "resource.restored": "a deleted resource was restored",
    "object.available": "an upload finished: a new revision is readable",
    "relation.added": "a relation from this resource was added (`target_id`, `relation`)",
    "relation.removed": "a relation from this resource was removed",
    "permission.changed": "a grant on this resource changed (`user_id`, `level`)",
    "user.created": "a user or service account was created (admins)",
    "user.updated": "a user was activated, deactivated or promoted (admins)",
    "token.created": "a token was created (its owner and admins)",
    "token.deleted": "a token was revoked (its owner and admins)",
}


class Visibility:
    """Which events one actor may see, decided from their grants loaded once per batch.

    An event is visible when the actor holds READ on the resource or on any ancestor it had when
    the event happened (grants as they are *now*), when that resource was PUBLIC, or — for events
    about no resource — to global admins and to the user the event is about.
    """

    def __init__(self, actor: Actor, grants: dict[str, int]) -> None:
        self.actor = actor
        self.grants = grants

    @classmethod
    async def load(cls, meta: MetadataStore, actor: Actor) -> Visibility:
        grants: dict[str, int] = {}
        if actor.user_id is not None and actor.purpose != "hook" and not actor.is_admin:
            async with meta.read() as s:
                rows = await s.permissions_of(actor.user_id)
            grants = {p.resource_id: int(Level[p.level.value]) for p in rows}
        return cls(actor, grants)

    def sees(self, event: EventRecord) -> bool:
        actor = self.actor
        if actor.purpose == "hook" or actor.anonymous:
            return False
        if event.resource_id is None:
            return actor.global_admin or event.payload.get("user_id") == actor.user_id
        ids = set(event.scope) or {event.resource_id}
        if actor.scope_id is not None and actor.scope_id not in ids:
            return False  # SECURITY: a scoped token sees nothing outside its scope
        held = (
            Level.ADMIN
            if actor.is_admin
            else max((Level(self.grants[i]) for i in ids if i in self.grants), default=Level.NONE)
        )
        if min(held, actor.ceiling) >= Level.READ:
            return True
        return bool(event.payload.get("data_class") == DataClass.PUBLIC.value)


def _private(kv: object) -> bool:
    return isinstance(kv, dict) and str(kv.get("key", "")).startswith(PRIVATE_KEY_PREFIXES)


def public_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload without key-values under the reserved private prefixes."""
    out = dict(payload)
    for field in ("added", "removed", "key_values"):
        items = out.get(field)
        if isinstance(items, list):
            out[field] = [kv for kv in items if not _private(kv)]
    out.pop("via_hook", None)
    return out


@dataclass(frozen=True, slots=True)
class Start:
    """Where a consumer starts or replays from: at most one of the three."""

    from_seq: int | None = None
    from_time: datetime | None = None
    everything: bool = False


class EventService:
    def __init__(self, meta: MetadataStore, bus: EventBus) -> None:
        self.meta = meta
        self.bus = bus

    # -- consumers ------------------------------------------------------------------------------
    async def create(
        self,
        actor: Actor,
        *,
        name: str,
        types: Sequence[str],
        within_id: str | None,
        within_path: str | None,
        ack_wait: float,
        start: Start,
    ) -> ConsumerState:
        self._require_user(actor)
        types = self._check_types(types)
        within = await self._within(actor, within_id, within_path)
        async with self.meta.read() as s:
            mine = await s.list_consumers(actor.user_id)
        if len(mine) >= MAX_CONSUMERS_PER_USER:
            raise InvalidInput(
                f"You have {len(mine)} consumers, the most allowed; delete unused ones with "
                "DELETE /api/v2/consumers/{id}"
            )
        spec = ConsumerSpec(
            user_id=actor.user_id or "",
            name=name,
            types=list(types),
            within=within,
            ack_wait=ack_wait,
            start_seq=await self._start_seq(start),
        )
        return await self.bus.create_consumer(spec)

    async def _within(self, actor: Actor, within_id: str | None, path: str | None) -> str | None:
        if within_id is not None and path is not None:
            raise InvalidInput("Give the subtree either by `within_id` or by `within_path`")
        if within_id is None and path is None:
            return None
        async with self.meta.read() as s:
            if within_id is not None:
                res = await load(s, within_id)
            else:
                segments = [p for p in (path or "").strip("/").split("/") if p]
                if not segments:
                    raise InvalidInput("`within_path` is empty; use project[/collection…]")
                res = (await resolve_chain(s, segments))[-1]
            await perms.require(s, actor, res, Level.READ)
        return res.id

    async def _start_seq(self, start: Start) -> int:
        given = [start.from_seq is not None, start.from_time is not None, start.everything]
        if sum(given) > 1:
            raise InvalidInput("Give at most one of `from_seq`, `from_time` and `all`")
        if start.everything:
            return 0
        if start.from_seq is not None:
            return max(start.from_seq - 1, 0)
        if start.from_time is not None:
            return await self.bus.seq_before(start.from_time)
        return await self.bus.head()

    @staticmethod
    def _check_types(types: Sequence[str]) -> list[str]:
        """Validate type filters; `*` alone means every type (an empty filter)."""
        for t in types:
            if not _TYPE.match(t):
                raise InvalidInput(
                    f"Event type filter {t!r} is not valid: use a type such as "
                    "`object.available`, a prefix such as `resource.*`, or `*`",
                    field="types",
                )
        return [] if "*" in types else list(types)

    @staticmethod
    def _require_user(actor: Actor) -> None:
        if actor.anonymous:
            raise Unauthenticated("Sign in to subscribe to events: send `Authorization: Bearer …`")
        if actor.purpose == "hook":
            raise PermissionDenied("A hook callback token cannot subscribe to events")

    async def get(self, actor: Actor, consumer_id: str) -> ConsumerState:
        self._require_user(actor)
        state = await self.bus.consumer(consumer_id)
        if state is None or (state.user_id != actor.user_id and not actor.global_admin):
            # Other users' consumers are not revealed.
            raise NotFound(f"You have no consumer with id {consumer_id!r}", id=consumer_id)
        return state

    async def list_consumers(self, actor: Actor) -> list[ConsumerState]:
        self._require_user(actor)
        return await self.bus.consumers(actor.user_id)

    async def delete(self, actor: Actor, consumer_id: str) -> None:
        await self.get(actor, consumer_id)
        await self.bus.delete_consumer(consumer_id)

    # -- reading --------------------------------------------------------------------------------
    async def fetch(
        self,
        actor: Actor,
        consumer_id: str,
        *,
        max_events: int,
        wait: float,
        alive: Callable[[], bool] | None = None,
    ) -> list[Delivery]:
        """Deliveries the actor may see; waits up to `wait` seconds for the first one.

        `alive` is asked before each attempt, so a stream whose client has gone takes nothing
        more (what it took already comes again after the ack wait).
        """
        state = await self.get(actor, consumer_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            if alive is not None and not alive():
                return []
            head = await self.bus.head()
            visibility = await Visibility.load(self.meta, actor)
            found = await self.bus.fetch(consumer_id, max_events, accept=visibility.sees)
            remaining = deadline - loop.time()
            if found or remaining <= 0:
                return found
            # Wake for new events, and in time for unacked ones that fall due again.
            await self.bus.wait(head, min(remaining, max(state.ack_wait / 2, 0.05), 1.0))

    async def ack(
        self, actor: Actor, consumer_id: str, *, seqs: Sequence[int], through: int | None
    ) -> int:
        await self.get(actor, consumer_id)
        done = await self.bus.ack(consumer_id, seqs) if seqs else 0
        if through is not None:
            done += await self.bus.ack_through(consumer_id, through)
        return done

    async def nak(self, actor: Actor, consumer_id: str, seqs: Sequence[int]) -> int:
        await self.get(actor, consumer_id)
        return await self.bus.nak(consumer_id, seqs)

    async def replay(self, actor: Actor, consumer_id: str, start: Start) -> ConsumerState:
        await self.get(actor, consumer_id)
        return await self.bus.rewind(consumer_id, await self._start_seq(start))

    async def log(
        self,
        actor: Actor,
        *,
        after_seq: int,
        types: Sequence[str],
        within_id: str | None,
        within_path: str | None,
        limit: int,
    ) -> tuple[list[EventRecord], int]:
        """A page of the log as the actor may see it (no consumer, no acks); and where it ended."""
        self._require_user(actor)
        types = self._check_types(types)
        within = await self._within(actor, within_id, within_path)
        visibility = await Visibility.load(self.meta, actor)
        out: list[EventRecord] = []
        last = after_seq
        async for event in self.bus.read(after_seq, types=types, within=within, limit=limit * 4):
            last = event.seq
            if visibility.sees(event):
                out.append(event)
                if len(out) == limit:
                    break
        return out, last
