"""A MetadataSession written once in portable SQL (SQLite and PostgreSQL dialects both run it).

Backends supply a `SQLConnection` that runs `?`-placeholder statements and raises `UniqueViolation`
on unique-constraint failures; everything else lives here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aos_fs.models import (
    ObjectVersion,
    Relation,
    RelationType,
    Resource,
    Stats,
)

from ...errors import AlreadyExists
from .base import (
    MetadataSession,
    SortKey,
)
from .rows import (
    R_COLUMNS,
    RESOURCE_COLUMNS,
    SORT_COLUMNS,
    parse_ts,
    resource_params,
    resource_row,
    resource_rows,
    ts,
    version_row,
)
from .sql_accounts import AccountsSQL
from .sql_conn import SQLConnection, UniqueViolation
from .sql_events import NotificationSQL
from .sql_governance import GovernanceSQL
from .sql_inline import InlineBlobsSQL
from .sql_uploads import UploadsSQL
from .sql_users import UsersSQL


class SQLSession(
    UsersSQL,
    UploadsSQL,
    NotificationSQL,
    GovernanceSQL,
    AccountsSQL,
    InlineBlobsSQL,
    MetadataSession,
):
    """MetadataSession over any `SQLConnection`: resources, relations and versions here; users
    and keys in `sql_users`, uploads in `sql_uploads`, events and hooks in `sql_events`."""

    def __init__(self, conn: SQLConnection) -> None:
        self.c = conn

    # -- resources ------------------------------------------------------------------------------
    async def insert_resource(self, res: Resource) -> None:
        marks = ", ".join("?" * len(RESOURCE_COLUMNS.split(",")))
        await self.c.write(
            f"INSERT INTO resources ({RESOURCE_COLUMNS}) VALUES ({marks})",
            resource_params(res),
            unique=lambda: AlreadyExists(
                f"A project named {res.name!r} already exists; project names are global "
                "(they are S3 bucket names), so choose another name",
                name=res.name,
            ),
        )

    async def update_resource(self, res: Resource) -> None:
        cols = [c.strip() for c in RESOURCE_COLUMNS.split(",")][1:]
        assignments = ", ".join(f"{c} = ?" for c in cols)
        params = resource_params(res)
        await self.c.write(
            f"UPDATE resources SET {assignments} WHERE id = ?",
            [*params[1:], res.id],
            unique=lambda: AlreadyExists(f"A project named {res.name!r} already exists"),
        )

    async def set_deletion_op(self, resource_id: str, op: str | None) -> None:
        await self.c.execute("UPDATE resources SET deletion_op = ? WHERE id = ?", [op, resource_id])

    async def deletion_op(self, resource_id: str) -> str | None:
        row = await self.c.fetchone("SELECT deletion_op FROM resources WHERE id = ?", [resource_id])
        return row["deletion_op"] if row else None

    async def ids_deleted_by(self, op: str) -> list[str]:
        rows = await self.c.fetchall("SELECT id FROM resources WHERE deletion_op = ?", [op])
        return [r["id"] for r in rows]

    async def get_resource(self, resource_id: str) -> Resource | None:
        row = await self.c.fetchone(
            f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = ?", [resource_id]
        )
        return resource_row(row) if row else None

    async def get_resources(self, ids: Sequence[str]) -> list[Resource]:
        out: list[Resource] = []
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ", ".join("?" * len(chunk))
            rows = await self.c.fetchall(
                f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE id IN ({marks})", chunk
            )
            out.extend(resource_row(r) for r in rows)
        return out

    async def get_project_by_name(self, name: str) -> Resource | None:
        row = await self.c.fetchone(
            f"SELECT {RESOURCE_COLUMNS} FROM resources "
            "WHERE kind = 'PROJECT' AND name = ? AND deleted_at IS NULL",
            [name],
        )
        return resource_row(row) if row else None

    async def list_projects(
        self, *, after: str | None, limit: int, prefix: str | None = None
    ) -> list[Resource]:
        rows = await self.c.fetchall(
            f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE kind = 'PROJECT' "
            "AND deleted_at IS NULL AND name > ? AND name >= ? AND substr(name, 1, ?) = ?"
            " ORDER BY name LIMIT ?",
            [after or "", prefix or "", len(prefix or ""), prefix or "", limit],
        )
        return resource_rows(rows)

    async def get_child(self, parent_id: str, name: str) -> Resource | None:
        row = await self.c.fetchone(
            f"SELECT {R_COLUMNS} FROM relations rel JOIN resources r ON r.id = rel.target_id "
            "WHERE rel.origin_id = ? AND rel.type = 'BELONGS_TO' AND rel.child_name = ?",
            [parent_id, name],
        )
        return resource_row(row) if row else None

    async def get_children_named(self, parent_id: str, names: Sequence[str]) -> dict[str, Resource]:
        unique = list(dict.fromkeys(names))
        if not unique:
            return {}
        rows = await self.c.fetchall(
            f"SELECT {R_COLUMNS}, rel.child_name AS child_name FROM relations rel"
            " JOIN resources r ON r.id = rel.target_id"
            " WHERE rel.origin_id = ? AND rel.type = 'BELONGS_TO'"
            f" AND rel.child_name IN ({', '.join('?' * len(unique))})",
            [parent_id, *unique],
        )
        return {row["child_name"]: resource_row(row) for row in rows}

    async def list_children(
        self,
        parent_id: str,
        *,
        sort: SortKey = "name",
        descending: bool = False,
        after: tuple[Any, str] | None = None,
        limit: int = 1000,
        prefix: str | None = None,
    ) -> list[Resource]:
        col = SORT_COLUMNS[sort]
        where = ["rel.origin_id = ?", "rel.type = 'BELONGS_TO'"]
        params: list[Any] = [parent_id]
        if prefix:
            # Range scan on the sibling-name index: names in [prefix, prefix + U+10FFFF).
            where.append("rel.child_name >= ? AND rel.child_name < ?")
            params += [prefix, prefix + "\U0010ffff"]
        if after is not None:
            op = "<" if descending else ">"
            where.append(f"({col} {op} ? OR ({col} = ? AND r.id {op} ?))")
            params += [after[0], after[0], after[1]]
        direction = "DESC" if descending else "ASC"
        rows = await self.c.fetchall(
            f"SELECT {R_COLUMNS} FROM relations rel JOIN resources r ON r.id = rel.target_id "
            f"WHERE {' AND '.join(where)} ORDER BY {col} {direction}, r.id {direction} LIMIT ?",
            [*params, limit],
        )
        return resource_rows(rows)

    async def parent_ids(self, resource_id: str) -> list[str]:
        rows = await self.c.fetchall(
            "SELECT origin_id FROM relations WHERE target_id = ? AND type = 'BELONGS_TO'",
            [resource_id],
        )
        return [r["origin_id"] for r in rows]

    async def ancestor_ids(self, resource_id: str) -> set[str]:
        rows = await self.c.fetchall(
            "WITH RECURSIVE up(id) AS ("
            " SELECT origin_id FROM relations WHERE target_id = ? AND type = 'BELONGS_TO'"
            " UNION SELECT rel.origin_id FROM relations rel JOIN up ON rel.target_id = up.id"
            " WHERE rel.type = 'BELONGS_TO') SELECT id FROM up",
            [resource_id],
        )
        return {r["id"] for r in rows}

    async def stats(self, resource_id: str) -> Stats:
        row = await self.c.fetchone(
            "WITH RECURSIVE down(id) AS ("
            " SELECT target_id FROM relations WHERE origin_id = ? AND type = 'BELONGS_TO'"
            " UNION SELECT rel.target_id FROM relations rel JOIN down ON rel.origin_id = down.id"
            " WHERE rel.type = 'BELONGS_TO')"
            " SELECT COUNT(r.id) AS n, COALESCE(SUM(r.size), 0) AS total,"
            " MAX(r.updated_at) AS last FROM down JOIN resources r ON r.id = down.id"
            " WHERE r.kind = 'OBJECT'",
            [resource_id],
        )
        assert row is not None  # noqa: S101 - aggregate always returns a row
        return Stats(count=row["n"], size=row["total"], last_updated=parse_ts(row["last"]))

    # -- relations ------------------------------------------------------------------------------
    async def add_relation(self, rel: Relation, *, child_name: str | None = None) -> None:
        def taken() -> AlreadyExists:
            if child_name is not None:
                return AlreadyExists(
                    f"{child_name!r} already exists in this location; names are unique among "
                    "the children of one parent",
                    name=child_name,
                )
            return AlreadyExists("This relation exists already")

        await self.c.write(
            "INSERT INTO relations (origin_id, target_id, type, custom_type, child_name,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                rel.origin_id,
                rel.target_id,
                rel.type.value,
                rel.custom_type or "",
                child_name,
                ts(datetime.now(UTC)),
            ],
            unique=taken,
        )

    async def remove_relation(self, rel: Relation) -> bool:
        n = await self.c.execute(
            "DELETE FROM relations WHERE origin_id = ? AND target_id = ? AND type = ?"
            " AND custom_type = ?",
            [rel.origin_id, rel.target_id, rel.type.value, rel.custom_type or ""],
        )
        return n > 0

    async def relations_of(self, resource_id: str) -> list[Relation]:
        rows = await self.c.fetchall(
            "SELECT origin_id, target_id, type, custom_type FROM relations"
            " WHERE origin_id = ? OR target_id = ? ORDER BY created_at",
            [resource_id, resource_id],
        )
        return [
            Relation(
                origin_id=r["origin_id"],
                target_id=r["target_id"],
                type=RelationType(r["type"]),
                custom_type=r["custom_type"] or None,
            )
            for r in rows
        ]

    async def rename_child_edges(self, child_id: str, new_name: str) -> None:
        try:
            await self.c.execute(
                "UPDATE relations SET child_name = ? WHERE target_id = ? AND type = 'BELONGS_TO'",
                [new_name, child_id],
            )
        except UniqueViolation as exc:
            raise AlreadyExists(
                f"{new_name!r} already exists next to this resource; choose another name"
            ) from exc

    async def mark_deleted_edges(self, child_id: str, parent_ids: Sequence[str], op: str) -> None:
        for parent in parent_ids:
            await self.c.execute(
                "UPDATE relations SET type = 'DELETED', deletion_op = ?, custom_type = ?"
                " WHERE origin_id = ? AND target_id = ? AND type = 'BELONGS_TO'",
                [op, op, parent, child_id],
            )

    async def restore_deleted_edges(self, op: str) -> list[tuple[str, str]]:
        rows = await self.c.fetchall(
            "SELECT origin_id, target_id FROM relations WHERE type = 'DELETED' AND deletion_op = ?",
            [op],
        )
        try:
            await self.c.execute(
                "UPDATE relations SET type = 'BELONGS_TO', deletion_op = NULL, custom_type = ''"
                " WHERE type = 'DELETED' AND deletion_op = ?",
                [op],
            )
        except UniqueViolation as exc:
            raise AlreadyExists(
                "Cannot restore: a resource with the same name was created in the meantime; "
                "rename or delete it first"
            ) from exc
        return [(r["origin_id"], r["target_id"]) for r in rows]

    # -- versions -------------------------------------------------------------------------------
    async def insert_version(self, version: ObjectVersion, blob_key: str | None) -> None:
        await self.c.write(
            "INSERT INTO object_versions (id, object_id, revision, size, content_type, md5,"
            " sha256, checksums, etag, status, metadata, blob_key, created_by, created_at,"
            " parts)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                version.id,
                version.object_id,
                version.revision,
                version.size,
                version.content_type,
                version.hashes.md5,
                version.hashes.sha256,
                json.dumps(version.hashes.checksums),
                version.etag,
                version.status.value,
                json.dumps(version.metadata),
                blob_key,
                version.created_by,
                ts(version.created_at),
                json.dumps(version.parts),
            ],
            unique=lambda: AlreadyExists(
                f"Revision {version.revision} of this object exists already; retry the write"
            ),
        )

    _VERSION_COLS = (
        "id, object_id, revision, size, content_type, md5, sha256, checksums, etag, status,"
        " metadata, created_by, created_at, parts"
    )

    async def get_version(self, object_id: str, revision: int) -> ObjectVersion | None:
        row = await self.c.fetchone(
            f"SELECT {self._VERSION_COLS} FROM object_versions"
            " WHERE object_id = ? AND revision = ?",
            [object_id, revision],
        )
        return version_row(row) if row else None

    async def get_version_with_blob(
        self, object_id: str, revision: int
    ) -> tuple[ObjectVersion, str | None] | None:
        row = await self.c.fetchone(
            f"SELECT {self._VERSION_COLS}, blob_key FROM object_versions"
            " WHERE object_id = ? AND revision = ?",
            [object_id, revision],
        )
        return (version_row(row), row["blob_key"]) if row else None

    async def get_version_by_id(self, version_id: str) -> ObjectVersion | None:
        row = await self.c.fetchone(
            f"SELECT {self._VERSION_COLS} FROM object_versions WHERE id = ?", [version_id]
        )
        return version_row(row) if row else None

    async def list_versions(self, object_id: str) -> list[ObjectVersion]:
        rows = await self.c.fetchall(
            f"SELECT {self._VERSION_COLS} FROM object_versions WHERE object_id = ?"
            " ORDER BY revision",
            [object_id],
        )
        return [version_row(r) for r in rows]

    async def blob_key(self, version_id: str) -> str | None:
        row = await self.c.fetchone(
            "SELECT blob_key FROM object_versions WHERE id = ?", [version_id]
        )
        return row["blob_key"] if row else None

    async def blob_key_in_use(self, blob_key: str) -> bool:
        row = await self.c.fetchone(
            "SELECT 1 AS x FROM object_versions WHERE blob_key = ? LIMIT 1", [blob_key]
        )
        return row is not None


__all__ = ["SQLConnection", "SQLSession", "UniqueViolation"]
