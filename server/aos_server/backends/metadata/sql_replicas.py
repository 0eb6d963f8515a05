"""Endpoints, project placements and the replication queue, in portable SQL (SQLite, PostgreSQL).

Kept beside the `MetadataSession` contract rather than in it: only the SQL stores run several
endpoints, and `replicas(session)` reaches the same transaction the session is in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from ...errors import AlreadyExists, Unavailable
from .base import MetadataSession
from .rows import Row, parse_ts, ts, ts_required
from .sql import SQLConnection, SQLSession, UniqueViolation

ENDPOINT_COLUMNS = "id, name, public_url, credential_hash, is_default, last_heartbeat, created_at"
REPLICA_COLUMNS = (
    "r.version_id, r.endpoint_id, e.name AS endpoint_name, r.object_id, r.blob_key, r.status, "
    "r.attempts, r.error, r.next_attempt_at, r.updated_at"
)


@dataclass(frozen=True)
class EndpointRecord:
    id: str
    name: str
    public_url: str
    credential_hash: str
    is_default: bool
    last_heartbeat: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class PlacementRecord:
    project_id: str
    endpoint_id: str
    endpoint_name: str
    mode: str
    prefixes: list[str]


@dataclass(frozen=True)
class ReplicaRecord:
    version_id: str
    endpoint_id: str
    endpoint_name: str
    object_id: str
    blob_key: str
    status: str
    attempts: int
    error: str
    next_attempt_at: datetime
    updated_at: datetime


def _endpoint(row: Row) -> EndpointRecord:
    return EndpointRecord(
        id=row["id"],
        name=row["name"],
        public_url=row["public_url"],
        credential_hash=row["credential_hash"],
        is_default=bool(row["is_default"]),
        last_heartbeat=parse_ts(row["last_heartbeat"]),
        created_at=ts_required(row["created_at"]),
    )


def _replica(row: Row) -> ReplicaRecord:
    return ReplicaRecord(
        version_id=row["version_id"],
        endpoint_id=row["endpoint_id"],
        endpoint_name=row["endpoint_name"] or row["endpoint_id"],
        object_id=row["object_id"],
        blob_key=row["blob_key"],
        status=row["status"],
        attempts=int(row["attempts"]),
        error=row["error"],
        next_attempt_at=ts_required(row["next_attempt_at"]),
        updated_at=ts_required(row["updated_at"]),
    )


def replicas(s: MetadataSession) -> ReplicaSQL:
    """The replication tables, inside session `s`'s snapshot or transaction."""
    if not isinstance(s, SQLSession):
        raise Unavailable("Data endpoints need an SQL metadata store (SQLite or PostgreSQL)")
    return ReplicaSQL(s.c)


class ReplicaSQL:
    def __init__(self, c: SQLConnection) -> None:
        self.c = c

    # -- endpoints ------------------------------------------------------------------------------
    async def insert_endpoint(self, e: EndpointRecord) -> None:
        try:
            await self.c.execute(
                f"INSERT INTO endpoints ({ENDPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    e.id,
                    e.name,
                    e.public_url,
                    e.credential_hash,
                    e.is_default,
                    ts(e.last_heartbeat),
                    ts(e.created_at),
                ],
            )
        except UniqueViolation as exc:
            raise AlreadyExists(
                f"An endpoint named {e.name!r} already exists; choose another name", name=e.name
            ) from exc

    async def get_endpoint(self, endpoint_id: str) -> EndpointRecord | None:
        row = await self.c.fetchone(
            f"SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE id = ?", [endpoint_id]
        )
        return _endpoint(row) if row else None

    async def endpoint_by_credential(self, credential_hash: str) -> EndpointRecord | None:
        row = await self.c.fetchone(
            f"SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE credential_hash = ?",
            [credential_hash],
        )
        return _endpoint(row) if row else None

    async def default_endpoint(self) -> EndpointRecord | None:
        row = await self.c.fetchone(
            f"SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE is_default = ? ORDER BY id LIMIT 1",
            [True],
        )
        return _endpoint(row) if row else None

    async def list_endpoints(self) -> list[EndpointRecord]:
        rows = await self.c.fetchall(f"SELECT {ENDPOINT_COLUMNS} FROM endpoints ORDER BY name")
        return [_endpoint(r) for r in rows]

    async def update_endpoint(
        self, endpoint_id: str, *, public_url: str, credential_hash: str, heartbeat: datetime | None
    ) -> None:
        await self.c.execute(
            "UPDATE endpoints SET public_url = ?, credential_hash = ?, last_heartbeat = ? "
            "WHERE id = ?",
            [public_url, credential_hash, ts(heartbeat), endpoint_id],
        )

    async def delete_endpoint(self, endpoint_id: str) -> None:
        for table in ("replicas", "project_endpoints", "endpoints"):
            column = "id" if table == "endpoints" else "endpoint_id"
            await self.c.execute(f"DELETE FROM {table} WHERE {column} = ?", [endpoint_id])

    # -- placements -----------------------------------------------------------------------------
    async def set_placement(
        self, project_id: str, endpoint_id: str, mode: str, prefixes: list[str], at: datetime
    ) -> None:
        await self.c.execute(
            "DELETE FROM project_endpoints WHERE project_id = ? AND endpoint_id = ?",
            [project_id, endpoint_id],
        )
        await self.c.execute(
            "INSERT INTO project_endpoints (project_id, endpoint_id, mode, prefixes, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [project_id, endpoint_id, mode, json.dumps(prefixes), ts(at)],
        )

    async def remove_placement(self, project_id: str, endpoint_id: str) -> int:
        return await self.c.execute(
            "DELETE FROM project_endpoints WHERE project_id = ? AND endpoint_id = ?",
            [project_id, endpoint_id],
        )

    async def placements(self, project_id: str) -> list[PlacementRecord]:
        rows = await self.c.fetchall(
            "SELECT p.project_id, p.endpoint_id, e.name AS endpoint_name, p.mode, p.prefixes "
            "FROM project_endpoints p JOIN endpoints e ON e.id = p.endpoint_id "
            "WHERE p.project_id = ? ORDER BY e.name",
            [project_id],
        )
        return [
            PlacementRecord(
                r["project_id"],
                r["endpoint_id"],
                r["endpoint_name"],
                r["mode"],
                list(json.loads(r["prefixes"])),
            )
            for r in rows
        ]

    # -- replicas -------------------------------------------------------------------------------
    async def add_replica(
        self,
        version_id: str,
        endpoint_id: str,
        object_id: str,
        blob_key: str,
        status: str,
        at: datetime,
    ) -> None:
        """Record a replica; an existing row for (revision, endpoint) is kept as it is."""
        await self.c.write(
            "INSERT INTO replicas (version_id, endpoint_id, object_id, blob_key, status, "
            "next_attempt_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (version_id, endpoint_id) DO NOTHING",
            [version_id, endpoint_id, object_id, blob_key, status, ts(at), ts(at)],
        )

    async def replicas_of_object(self, object_id: str) -> list[ReplicaRecord]:
        rows = await self.c.fetchall(
            f"SELECT {REPLICA_COLUMNS} FROM replicas r LEFT JOIN endpoints e "
            "ON e.id = r.endpoint_id WHERE r.object_id = ? ORDER BY r.version_id, e.name",
            [object_id],
        )
        return [_replica(r) for r in rows]

    async def holders(self, blob_key: str) -> list[EndpointRecord]:
        """Endpoints holding a finished replica of the blob, most recently seen first."""
        rows = await self.c.fetchall(
            f"SELECT DISTINCT {', '.join('e.' + c.strip() for c in ENDPOINT_COLUMNS.split(','))} "
            "FROM replicas r JOIN endpoints e ON e.id = r.endpoint_id "
            "WHERE r.blob_key = ? AND r.status = 'FINISHED'",
            [blob_key],
        )
        found = [_endpoint(r) for r in rows]
        return sorted(found, key=lambda e: e.last_heartbeat or e.created_at, reverse=True)

    async def due(self, endpoint_id: str, at: datetime, limit: int) -> list[ReplicaRecord]:
        """Unfinished replicas for `endpoint_id` whose next attempt (or lease end) has come."""
        rows = await self.c.fetchall(
            f"SELECT {REPLICA_COLUMNS} FROM replicas r LEFT JOIN endpoints e "
            "ON e.id = r.endpoint_id WHERE r.endpoint_id = ? AND r.status <> 'FINISHED' "
            "AND r.next_attempt_at <= ? ORDER BY r.next_attempt_at LIMIT ?",
            [endpoint_id, ts(at), limit],
        )
        return [_replica(r) for r in rows]

    async def claim(self, r: ReplicaRecord, at: datetime, lease_until: datetime) -> bool:
        """Mark `r` RUNNING (one more attempt) unless another worker changed it first."""
        changed = await self.c.execute(
            "UPDATE replicas SET status = 'RUNNING', attempts = attempts + 1, "
            "next_attempt_at = ?, updated_at = ? WHERE version_id = ? AND endpoint_id = ? "
            "AND status = ? AND attempts = ?",
            [ts(lease_until), ts(at), r.version_id, r.endpoint_id, r.status, r.attempts],
        )
        return changed == 1

    async def finish(self, version_id: str, endpoint_id: str, at: datetime) -> None:
        await self.c.execute(
            "UPDATE replicas SET status = 'FINISHED', error = '', updated_at = ? "
            "WHERE version_id = ? AND endpoint_id = ?",
            [ts(at), version_id, endpoint_id],
        )

    async def fail(
        self, version_id: str, endpoint_id: str, error: str, at: datetime, retry_at: datetime
    ) -> None:
        await self.c.execute(
            "UPDATE replicas SET status = 'ERROR', error = ?, next_attempt_at = ?, "
            "updated_at = ? WHERE version_id = ? AND endpoint_id = ?",
            [error[:2000], ts(retry_at), ts(at), version_id, endpoint_id],
        )

    async def release_running(self, endpoint_id: str, at: datetime) -> int:
        """Make replicas left RUNNING by a stopped process of this endpoint due again now."""
        return await self.c.execute(
            "UPDATE replicas SET status = 'WAITING', next_attempt_at = ? "
            "WHERE endpoint_id = ? AND status = 'RUNNING'",
            [ts(at), endpoint_id],
        )
