"""The event log, consumers, hooks and their deliveries in portable SQL (mixed into SQLSession).

Every statement uses `?` placeholders and standard SQL only, so SQLite and PostgreSQL run it alike.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ...domain.ids import new_id
from .base import ConsumerRecord, DeliveryRecord, EventRecord, HookRecord, HookTokenRecord
from .rows import Row, parse_ts, ts, ts_required

if TYPE_CHECKING:
    from .sql import SQLConnection

_EVENT_COLS = "seq, id, type, resource_id, actor_id, payload, created_at, scope"
_CONSUMER_COLS = (
    "id, name, user_id, within_id, types, ack_wait, delivered_seq, created_at, updated_at"
)
_HOOK_COLS = (
    "id, project_id, name, trigger_spec, action_spec, secret_sealed, enabled, timeout,"
    " max_attempts, backoff, callback_ttl, created_by, created_at, updated_at"
)
_DELIVERY_COLS = (
    "id, hook_id, event_seq, event_type, resource_id, status, attempts, next_attempt_at,"
    " last_error, last_status, created_at, updated_at"
)


def _json(value: Any) -> Any:
    """JSON columns come back as text (SQLite) or already decoded (PostgreSQL JSONB)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def encode_scope(scope: Sequence[str]) -> str:
    return "|" + "|".join(scope) + "|" if scope else ""


def event_row(r: Row) -> EventRecord:
    return EventRecord(
        seq=int(r["seq"]),
        id=r["id"],
        type=r["type"],
        resource_id=r["resource_id"],
        actor_id=r["actor_id"],
        payload=_json(r["payload"]),
        created_at=ts_required(r["created_at"]),
        scope=tuple(p for p in (r["scope"] or "").split("|") if p),
    )


def _consumer_row(r: Row) -> ConsumerRecord:
    return ConsumerRecord(
        id=r["id"],
        name=r["name"],
        user_id=r["user_id"],
        within_id=r["within_id"],
        types=list(_json(r["types"])),
        ack_wait=float(r["ack_wait"]),
        delivered_seq=int(r["delivered_seq"]),
        created_at=ts_required(r["created_at"]),
        updated_at=ts_required(r["updated_at"]),
    )


def _hook_row(r: Row) -> HookRecord:
    sealed = r["secret_sealed"]
    return HookRecord(
        id=r["id"],
        project_id=r["project_id"],
        name=r["name"],
        trigger=_json(r["trigger_spec"]),
        action=_json(r["action_spec"]),
        secret_sealed=bytes(sealed) if sealed is not None else None,
        enabled=bool(r["enabled"]),
        timeout=float(r["timeout"]),
        max_attempts=int(r["max_attempts"]),
        backoff=float(r["backoff"]),
        callback_ttl=int(r["callback_ttl"]),
        created_by=r["created_by"],
        created_at=ts_required(r["created_at"]),
        updated_at=ts_required(r["updated_at"]),
    )


def _delivery_row(r: Row) -> DeliveryRecord:
    return DeliveryRecord(
        id=r["id"],
        hook_id=r["hook_id"],
        event_seq=int(r["event_seq"]),
        event_type=r["event_type"],
        resource_id=r["resource_id"],
        status=r["status"],
        attempts=int(r["attempts"]),
        next_attempt_at=ts_required(r["next_attempt_at"]),
        last_error=r["last_error"],
        last_status=int(r["last_status"]) if r["last_status"] is not None else None,
        created_at=ts_required(r["created_at"]),
        updated_at=ts_required(r["updated_at"]),
    )


def _type_filter(types: Sequence[str]) -> tuple[str, list[Any]]:
    exact = [t for t in types if not t.endswith(".*")]
    prefixes = [t[:-1] for t in types if t.endswith(".*")]
    parts: list[str] = []
    params: list[Any] = []
    if exact:
        parts.append(f"type IN ({', '.join('?' * len(exact))})")
        params += exact
    for prefix in prefixes:
        parts.append("type LIKE ?")
        params.append(prefix + "%")
    return "(" + " OR ".join(parts) + ")", params


_INSERT_EVENT = (
    "INSERT INTO events (id, type, resource_id, actor_id, payload, created_at, scope)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)


class NotificationSQL:
    """Session methods for events, consumers and hooks; `SQLSession` inherits them."""

    c: SQLConnection
    events_appended = 0

    # -- the event log --------------------------------------------------------------------------
    async def _before_event(self) -> None:
        """Runs before a session's events are appended (PostgreSQL takes its order lock)."""

    def _event_params(
        self,
        type: str,
        resource_id: str | None,
        actor_id: str | None,
        payload: dict[str, Any],
        scope: Sequence[str],
    ) -> list[Any]:
        return [
            new_id(),
            type,
            resource_id,
            actor_id,
            json.dumps(payload),
            ts(datetime.now(UTC)),
            encode_scope(scope),
        ]

    async def append_event(
        self,
        type: str,
        resource_id: str | None,
        actor_id: str | None,
        payload: dict[str, Any],
        *,
        scope: Sequence[str] = (),
    ) -> int:
        await self._before_event()
        row = await self.c.fetchone(
            f"{_INSERT_EVENT} RETURNING seq",
            self._event_params(type, resource_id, actor_id, payload, scope),
        )
        assert row is not None  # noqa: S101 - RETURNING yields the row
        self.events_appended += 1
        return int(row["seq"])

    async def log_event(
        self,
        type: str,
        resource_id: str | None,
        actor_id: str | None,
        payload: dict[str, Any],
        *,
        scope: Sequence[str] = (),
    ) -> None:
        await self._before_event()
        await self.c.write(
            _INSERT_EVENT, self._event_params(type, resource_id, actor_id, payload, scope)
        )
        self.events_appended += 1

    async def read_events(self, *, after_seq: int, limit: int) -> list[EventRecord]:
        rows = await self.c.fetchall(
            f"SELECT {_EVENT_COLS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            [after_seq, limit],
        )
        return [event_row(r) for r in rows]

    async def find_events(
        self,
        *,
        after_seq: int,
        upto_seq: int,
        types: Sequence[str] = (),
        within: str | None = None,
        limit: int,
    ) -> list[EventRecord]:
        where = ["seq > ?", "seq <= ?"]
        params: list[Any] = [after_seq, upto_seq]
        if types:
            clause, extra = _type_filter(types)
            where.append(clause)
            params += extra
        if within is not None:
            where.append("scope LIKE ?")
            params.append(f"%|{within}|%")
        rows = await self.c.fetchall(
            f"SELECT {_EVENT_COLS} FROM events WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?",
            [*params, limit],
        )
        return [event_row(r) for r in rows]

    async def events_by_seq(self, seqs: Sequence[int]) -> list[EventRecord]:
        out: list[EventRecord] = []
        seqs = list(seqs)
        for i in range(0, len(seqs), 500):
            chunk = seqs[i : i + 500]
            rows = await self.c.fetchall(
                f"SELECT {_EVENT_COLS} FROM events WHERE seq IN ({', '.join('?' * len(chunk))})"
                " ORDER BY seq",
                chunk,
            )
            out += [event_row(r) for r in rows]
        return out

    async def head_seq(self) -> int:
        row = await self.c.fetchone("SELECT MAX(seq) AS head FROM events")
        return int(row["head"]) if row and row["head"] is not None else 0

    async def seq_before(self, when: datetime) -> int:
        row = await self.c.fetchone(
            "SELECT MAX(seq) AS seq FROM events WHERE created_at < ?", [ts(when)]
        )
        return int(row["seq"]) if row and row["seq"] is not None else 0

    # -- consumers ------------------------------------------------------------------------------
    async def insert_consumer(self, consumer: ConsumerRecord) -> None:
        await self.c.execute(
            f"INSERT INTO consumers ({_CONSUMER_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                consumer.id,
                consumer.name,
                consumer.user_id,
                consumer.within_id,
                json.dumps(consumer.types),
                consumer.ack_wait,
                consumer.delivered_seq,
                ts(consumer.created_at),
                ts(consumer.updated_at),
            ],
        )

    async def get_consumer(self, consumer_id: str) -> ConsumerRecord | None:
        row = await self.c.fetchone(
            f"SELECT {_CONSUMER_COLS} FROM consumers WHERE id = ?", [consumer_id]
        )
        return _consumer_row(row) if row else None

    async def list_consumers(self, user_id: str | None) -> list[ConsumerRecord]:
        if user_id is None:
            rows = await self.c.fetchall(f"SELECT {_CONSUMER_COLS} FROM consumers ORDER BY id")
        else:
            rows = await self.c.fetchall(
                f"SELECT {_CONSUMER_COLS} FROM consumers WHERE user_id = ? ORDER BY id", [user_id]
            )
        return [_consumer_row(r) for r in rows]

    async def delete_consumer(self, consumer_id: str) -> bool:
        await self.c.execute("DELETE FROM consumer_pending WHERE consumer_id = ?", [consumer_id])
        return await self.c.execute("DELETE FROM consumers WHERE id = ?", [consumer_id]) == 1

    async def advance_consumer(self, consumer_id: str, old_seq: int, new_seq: int) -> bool:
        n = await self.c.execute(
            "UPDATE consumers SET delivered_seq = ?, updated_at = ? WHERE id = ?"
            " AND delivered_seq = ?",
            [new_seq, ts(datetime.now(UTC)), consumer_id, old_seq],
        )
        return n == 1

    async def rewind_consumer(self, consumer_id: str, seq: int, when: datetime) -> None:
        await self.c.execute("DELETE FROM consumer_pending WHERE consumer_id = ?", [consumer_id])
        await self.c.execute(
            "UPDATE consumers SET delivered_seq = ?, updated_at = ? WHERE id = ?",
            [seq, ts(when), consumer_id],
        )

    async def add_pending(self, consumer_id: str, seqs: Sequence[int], deadline: datetime) -> None:
        for seq in seqs:
            await self.c.execute(
                "INSERT INTO consumer_pending (consumer_id, seq, deadline, attempts)"
                " VALUES (?, ?, ?, 1)",
                [consumer_id, seq, ts(deadline)],
            )

    async def due_pending(
        self, consumer_id: str, now: datetime, limit: int
    ) -> list[tuple[int, int]]:
        rows = await self.c.fetchall(
            "SELECT seq, attempts FROM consumer_pending WHERE consumer_id = ? AND deadline <= ?"
            " ORDER BY seq LIMIT ?",
            [consumer_id, ts(now), limit],
        )
        return [(int(r["seq"]), int(r["attempts"])) for r in rows]

    async def redeliver_pending(
        self, consumer_id: str, seq: int, attempts: int, deadline: datetime
    ) -> bool:
        n = await self.c.execute(
            "UPDATE consumer_pending SET attempts = ?, deadline = ? WHERE consumer_id = ?"
            " AND seq = ? AND attempts = ?",
            [attempts + 1, ts(deadline), consumer_id, seq, attempts],
        )
        return n == 1

    async def ack_pending(self, consumer_id: str, seqs: Sequence[int]) -> int:
        done = 0
        seqs = list(seqs)
        for i in range(0, len(seqs), 500):
            chunk = seqs[i : i + 500]
            done += await self.c.execute(
                "DELETE FROM consumer_pending WHERE consumer_id = ?"
                f" AND seq IN ({', '.join('?' * len(chunk))})",
                [consumer_id, *chunk],
            )
        return done

    async def ack_pending_through(self, consumer_id: str, seq: int) -> int:
        return await self.c.execute(
            "DELETE FROM consumer_pending WHERE consumer_id = ? AND seq <= ?", [consumer_id, seq]
        )

    async def nak_pending(self, consumer_id: str, seqs: Sequence[int], now: datetime) -> int:
        done = 0
        for seq in seqs:
            done += await self.c.execute(
                "UPDATE consumer_pending SET deadline = ? WHERE consumer_id = ? AND seq = ?",
                [ts(now), consumer_id, seq],
            )
        return done

    async def count_pending(self, consumer_id: str) -> tuple[int, datetime | None]:
        row = await self.c.fetchone(
            "SELECT COUNT(*) AS n, MIN(deadline) AS first FROM consumer_pending"
            " WHERE consumer_id = ?",
            [consumer_id],
        )
        if row is None:
            return 0, None
        return int(row["n"]), parse_ts(row["first"])

    # -- hooks ----------------------------------------------------------------------------------
    @staticmethod
    def _hook_params(hook: HookRecord) -> list[Any]:
        return [
            hook.id,
            hook.project_id,
            hook.name,
            json.dumps(hook.trigger),
            json.dumps(hook.action),
            hook.secret_sealed,
            int(hook.enabled),
            hook.timeout,
            hook.max_attempts,
            hook.backoff,
            hook.callback_ttl,
            hook.created_by,
            ts(hook.created_at),
            ts(hook.updated_at),
        ]

    async def insert_hook(self, hook: HookRecord) -> None:
        await self.c.execute(
            f"INSERT INTO hooks ({_HOOK_COLS}) VALUES ({', '.join('?' * 14)})",
            self._hook_params(hook),
        )

    async def update_hook(self, hook: HookRecord) -> None:
        cols = [c.strip() for c in _HOOK_COLS.split(",")][1:]
        params = self._hook_params(hook)
        await self.c.execute(
            f"UPDATE hooks SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
            [*params[1:], hook.id],
        )

    async def get_hook(self, hook_id: str) -> HookRecord | None:
        row = await self.c.fetchone(f"SELECT {_HOOK_COLS} FROM hooks WHERE id = ?", [hook_id])
        return _hook_row(row) if row else None

    async def list_hooks(self, project_id: str | None) -> list[HookRecord]:
        if project_id is None:
            rows = await self.c.fetchall(f"SELECT {_HOOK_COLS} FROM hooks ORDER BY id")
        else:
            rows = await self.c.fetchall(
                f"SELECT {_HOOK_COLS} FROM hooks WHERE project_id = ? ORDER BY id", [project_id]
            )
        return [_hook_row(r) for r in rows]

    async def delete_hook(self, hook_id: str) -> bool:
        await self.c.execute("DELETE FROM hook_deliveries WHERE hook_id = ?", [hook_id])
        await self.c.execute("DELETE FROM hook_tokens WHERE hook_id = ?", [hook_id])
        return await self.c.execute("DELETE FROM hooks WHERE id = ?", [hook_id]) == 1

    async def insert_delivery(self, delivery: DeliveryRecord) -> bool:
        row = await self.c.fetchone(
            "SELECT id FROM hook_deliveries WHERE hook_id = ? AND event_seq = ?",
            [delivery.hook_id, delivery.event_seq],
        )
        if row is not None:
            return False
        await self.c.execute(
            f"INSERT INTO hook_deliveries ({_DELIVERY_COLS}) VALUES ({', '.join('?' * 12)})",
            self._delivery_params(delivery),
        )
        return True

    @staticmethod
    def _delivery_params(d: DeliveryRecord) -> list[Any]:
        return [
            d.id,
            d.hook_id,
            d.event_seq,
            d.event_type,
            d.resource_id,
            d.status,
            d.attempts,
            ts(d.next_attempt_at),
            d.last_error,
            d.last_status,
            ts(d.created_at),
            ts(d.updated_at),
        ]

    async def get_delivery(self, delivery_id: str) -> DeliveryRecord | None:
        row = await self.c.fetchone(
            f"SELECT {_DELIVERY_COLS} FROM hook_deliveries WHERE id = ?", [delivery_id]
        )
        return _delivery_row(row) if row else None

    async def update_delivery(self, delivery: DeliveryRecord) -> None:
        cols = [c.strip() for c in _DELIVERY_COLS.split(",")][1:]
        params = self._delivery_params(delivery)
        await self.c.execute(
            f"UPDATE hook_deliveries SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
            [*params[1:], delivery.id],
        )

    async def claim_delivery(self, delivery_id: str, expected: datetime, lease: datetime) -> bool:
        n = await self.c.execute(
            "UPDATE hook_deliveries SET next_attempt_at = ? WHERE id = ? AND next_attempt_at = ?"
            " AND status = 'PENDING'",
            [ts(lease), delivery_id, ts(expected)],
        )
        return n == 1

    async def due_deliveries(self, now: datetime, limit: int) -> list[DeliveryRecord]:
        cols = ", ".join(f"d.{c.strip()}" for c in _DELIVERY_COLS.split(","))
        rows = await self.c.fetchall(
            f"SELECT {cols} FROM hook_deliveries d JOIN hooks h ON h.id = d.hook_id"
            " WHERE d.status = 'PENDING' AND d.next_attempt_at <= ? AND h.enabled = ?"
            " ORDER BY d.next_attempt_at, d.id LIMIT ?",
            [ts(now), 1, limit],
        )
        return [_delivery_row(r) for r in rows]

    async def next_delivery_at(self) -> datetime | None:
        row = await self.c.fetchone(
            "SELECT MIN(d.next_attempt_at) AS due FROM hook_deliveries d"
            " JOIN hooks h ON h.id = d.hook_id WHERE d.status = 'PENDING' AND h.enabled = ?",
            [1],
        )
        return parse_ts(row["due"]) if row else None

    async def list_deliveries(
        self, hook_id: str, *, before: str | None, limit: int
    ) -> list[DeliveryRecord]:
        where, params = "hook_id = ?", [hook_id]
        if before is not None:
            where += " AND id < ?"
            params.append(before)
        rows = await self.c.fetchall(
            f"SELECT {_DELIVERY_COLS} FROM hook_deliveries WHERE {where} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
        return [_delivery_row(r) for r in rows]

    async def insert_hook_token(self, record: HookTokenRecord) -> None:
        await self.c.execute(
            "INSERT INTO hook_tokens (secret_hash, delivery_id, hook_id, resource_id, user_id,"
            " expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                record.secret_hash,
                record.delivery_id,
                record.hook_id,
                record.resource_id,
                record.user_id,
                ts(record.expires_at),
                ts(record.created_at),
            ],
        )

    async def get_hook_token(self, secret_hash: str) -> HookTokenRecord | None:
        row = await self.c.fetchone(
            "SELECT secret_hash, delivery_id, hook_id, resource_id, user_id, expires_at,"
            " created_at FROM hook_tokens WHERE secret_hash = ?",
            [secret_hash],
        )
        if row is None:
            return None
        return HookTokenRecord(
            secret_hash=row["secret_hash"],
            delivery_id=row["delivery_id"],
            hook_id=row["hook_id"],
            resource_id=row["resource_id"],
            user_id=row["user_id"],
            expires_at=ts_required(row["expires_at"]),
            created_at=ts_required(row["created_at"]),
        )

    async def delete_expired_hook_tokens(self, now: datetime) -> int:
        return await self.c.execute("DELETE FROM hook_tokens WHERE expires_at < ?", [ts(now)])

    async def get_cursor(self, name: str) -> int | None:
        row = await self.c.fetchone("SELECT seq FROM event_cursors WHERE name = ?", [name])
        return int(row["seq"]) if row else None

    async def set_cursor(self, name: str, seq: int) -> None:
        n = await self.c.execute("UPDATE event_cursors SET seq = ? WHERE name = ?", [seq, name])
        if n == 0:
            await self.c.execute("INSERT INTO event_cursors (name, seq) VALUES (?, ?)", [name, seq])
