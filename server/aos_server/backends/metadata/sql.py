"""A MetadataSession written once in portable SQL (SQLite and PostgreSQL dialects both run it).

Backends supply a `SQLConnection` that runs `?`-placeholder statements and raises `UniqueViolation`
on unique-constraint failures; everything else lives here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from aos_fs.models import (
    License,
    ObjectVersion,
    Permission,
    PermissionLevel,
    Relation,
    RelationType,
    Resource,
    Stats,
    Token,
    User,
)

from ...errors import AlreadyExists
from .base import (
    BundleRecord,
    MetadataSession,
    PartRecord,
    S3CredentialRecord,
    SortKey,
    TokenRecord,
    UploadRecord,
)
from .rows import (
    R_COLUMNS,
    RESOURCE_COLUMNS,
    SORT_COLUMNS,
    Row,
    credential_row,
    parse_ts,
    permission_row,
    resource_params,
    resource_row,
    resource_rows,
    token_row,
    ts,
    ts_required,
    upload_row,
    user_row,
    version_row,
)
from .sql_accounts import AccountsSQL
from .sql_events import NotificationSQL
from .sql_governance import GovernanceSQL


class UniqueViolation(Exception):
    """Raised by a connection when a statement breaks a unique constraint."""


class SQLConnection(Protocol):
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...
    async def write(
        self,
        sql: str,
        params: Sequence[Any] = (),
        *,
        unique: Callable[[], Exception] | None = None,
    ) -> None:
        """A statement whose outcome matters only as success or failure: a connection may run
        it later (in order) and raise its error at a later statement of the same session.
        `unique` makes the error raised when it breaks a unique constraint."""

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...


class SQLSession(NotificationSQL, GovernanceSQL, AccountsSQL, MetadataSession):
    """MetadataSession over any `SQLConnection` (events, consumers and hooks: `sql_events`)."""

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

    # -- users, tokens, permissions -------------------------------------------------------------
    async def insert_user(self, user: User) -> None:
        try:
            await self.c.execute(
                "INSERT INTO users (id, name, display_name, email, is_admin, is_service_account,"
                " project_id, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    user.id,
                    user.name,
                    user.display_name,
                    user.email,
                    int(user.is_admin),
                    int(user.is_service_account),
                    user.project_id,
                    int(user.active),
                    ts(user.created_at),
                ],
            )
        except UniqueViolation as exc:
            raise AlreadyExists(f"A user named {user.name!r} exists already") from exc

    async def update_user(self, user: User) -> None:
        await self.c.execute(
            "UPDATE users SET display_name = ?, email = ?, is_admin = ?, active = ? WHERE id = ?",
            [user.display_name, user.email, int(user.is_admin), int(user.active), user.id],
        )

    _USER_COLS = (
        "id, name, display_name, email, is_admin, is_service_account, project_id, active,"
        " created_at"
    )

    async def get_user(self, user_id: str) -> User | None:
        row = await self.c.fetchone(f"SELECT {self._USER_COLS} FROM users WHERE id = ?", [user_id])
        return user_row(row) if row else None

    async def get_user_by_name(self, name: str) -> User | None:
        row = await self.c.fetchone(f"SELECT {self._USER_COLS} FROM users WHERE name = ?", [name])
        return user_row(row) if row else None

    async def list_users(self, *, after: str | None, limit: int) -> list[User]:
        rows = await self.c.fetchall(
            f"SELECT {self._USER_COLS} FROM users WHERE name > ? ORDER BY name LIMIT ?",
            [after or "", limit],
        )
        return [user_row(r) for r in rows]

    _TOKEN_COLS = "id, user_id, name, scope_id, level, expires_at, created_at, last_used_at"  # noqa: S105

    async def insert_token(self, record: TokenRecord) -> None:
        t = record.token
        try:
            await self._insert_token(record)
        except UniqueViolation as exc:
            raise AlreadyExists(f"Token {t.id!r} exists already") from exc

    async def _insert_token(self, record: TokenRecord) -> None:
        t = record.token
        await self.c.execute(
            "INSERT INTO tokens (id, user_id, name, secret_hash, scope_id, level, expires_at,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                t.id,
                t.user_id,
                t.name,
                record.secret_hash,
                t.scope_id,
                t.level.value,
                ts(t.expires_at),
                ts(t.created_at),
            ],
        )

    async def get_token(self, token_id: str) -> TokenRecord | None:
        row = await self.c.fetchone(
            f"SELECT {self._TOKEN_COLS}, secret_hash FROM tokens WHERE id = ?", [token_id]
        )
        return TokenRecord(token_row(row), row["secret_hash"]) if row else None

    async def get_token_by_hash(self, secret_hash: str) -> TokenRecord | None:
        row = await self.c.fetchone(
            f"SELECT {self._TOKEN_COLS}, secret_hash FROM tokens WHERE secret_hash = ?",
            [secret_hash],
        )
        return TokenRecord(token_row(row), row["secret_hash"]) if row else None

    async def list_tokens(self, user_id: str) -> list[Token]:
        rows = await self.c.fetchall(
            f"SELECT {self._TOKEN_COLS} FROM tokens WHERE user_id = ? ORDER BY created_at",
            [user_id],
        )
        return [token_row(r) for r in rows]

    async def delete_token(self, token_id: str) -> bool:
        return await self.c.execute("DELETE FROM tokens WHERE id = ?", [token_id]) > 0

    async def touch_token(self, token_id: str, when: datetime) -> None:
        await self.c.execute(
            "UPDATE tokens SET last_used_at = ? WHERE id = ?", [ts(when), token_id]
        )

    async def set_permission(self, perm: Permission) -> None:
        level = list(PermissionLevel).index(perm.level)
        await self.c.execute(
            "DELETE FROM permissions WHERE user_id = ? AND resource_id = ?",
            [perm.user_id, perm.resource_id],
        )
        if level > 0:
            await self.c.execute(
                "INSERT INTO permissions (user_id, resource_id, level, granted_by, granted_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [perm.user_id, perm.resource_id, level, perm.granted_by, ts(perm.granted_at)],
            )

    _PERM_COLS = "user_id, resource_id, level, granted_by, granted_at"

    async def permissions_on(self, resource_id: str) -> list[Permission]:
        rows = await self.c.fetchall(
            f"SELECT {self._PERM_COLS} FROM permissions WHERE resource_id = ? ORDER BY granted_at",
            [resource_id],
        )
        return [permission_row(r) for r in rows]

    async def permissions_of(self, user_id: str) -> list[Permission]:
        rows = await self.c.fetchall(
            f"SELECT {self._PERM_COLS} FROM permissions WHERE user_id = ? ORDER BY granted_at",
            [user_id],
        )
        return [permission_row(r) for r in rows]

    async def grants(self, user_id: str, resource_ids: Sequence[str]) -> dict[str, int]:
        ids = list(resource_ids)
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = await self.c.fetchall(
            f"SELECT resource_id, level FROM permissions WHERE user_id = ?"
            f" AND resource_id IN ({marks})",
            [user_id, *ids],
        )
        return {r["resource_id"]: int(r["level"]) for r in rows}

    # -- S3 credentials, licenses ---------------------------------------------------------------
    async def insert_s3_credential(self, record: S3CredentialRecord) -> None:
        try:
            await self.c.execute(
                "INSERT INTO s3_credentials (access_key_id, secret_sealed, user_id, token_id,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                [
                    record.access_key_id,
                    record.secret_sealed,
                    record.user_id,
                    record.token_id,
                    ts(record.created_at),
                ],
            )
        except UniqueViolation as exc:
            raise AlreadyExists(f"Access key {record.access_key_id!r} exists already") from exc

    _CRED_COLS = "access_key_id, secret_sealed, user_id, token_id, created_at"

    async def get_s3_credential(self, access_key_id: str) -> S3CredentialRecord | None:
        row = await self.c.fetchone(
            f"SELECT {self._CRED_COLS} FROM s3_credentials WHERE access_key_id = ?",
            [access_key_id],
        )
        return credential_row(row) if row else None

    async def list_s3_credentials(self, user_id: str) -> list[S3CredentialRecord]:
        rows = await self.c.fetchall(
            f"SELECT {self._CRED_COLS} FROM s3_credentials WHERE user_id = ? ORDER BY created_at",
            [user_id],
        )
        return [credential_row(r) for r in rows]

    async def delete_s3_credential(self, access_key_id: str) -> bool:
        n = await self.c.execute(
            "DELETE FROM s3_credentials WHERE access_key_id = ?", [access_key_id]
        )
        return n > 0

    async def upsert_license(self, lic: License) -> None:
        await self.c.execute(
            "INSERT INTO licenses (tag, name, url) VALUES (?, ?, ?)"
            " ON CONFLICT (tag) DO UPDATE SET name = excluded.name, url = excluded.url",
            [lic.tag, lic.name, lic.url],
        )

    async def get_license(self, tag: str) -> License | None:
        row = await self.c.fetchone("SELECT tag, name, url FROM licenses WHERE tag = ?", [tag])
        return License(tag=row["tag"], name=row["name"], url=row["url"]) if row else None

    async def list_licenses(self) -> list[License]:
        rows = await self.c.fetchall("SELECT tag, name, url FROM licenses ORDER BY tag")
        return [License(tag=r["tag"], name=r["name"], url=r["url"]) for r in rows]

    # -- multipart uploads and bucket configuration ------------------------------------------
    _UPLOAD_COLS = (
        "id, project_id, key, user_id, token_id, content_type, metadata, checksum_algorithm,"
        " created_at"
    )

    async def insert_upload(self, upload: UploadRecord) -> None:
        await self.c.execute(
            f"INSERT INTO uploads ({self._UPLOAD_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                upload.id,
                upload.project_id,
                upload.key,
                upload.user_id,
                upload.token_id,
                upload.content_type,
                json.dumps(upload.metadata),
                upload.checksum_algorithm,
                ts(upload.created_at),
            ],
        )

    async def get_upload(self, upload_id: str) -> UploadRecord | None:
        row = await self.c.fetchone(
            f"SELECT {self._UPLOAD_COLS} FROM uploads WHERE id = ?", [upload_id]
        )
        return upload_row(row) if row else None

    async def delete_upload(self, upload_id: str) -> bool:
        await self.c.execute("DELETE FROM upload_parts WHERE upload_id = ?", [upload_id])
        return await self.c.execute("DELETE FROM uploads WHERE id = ?", [upload_id]) > 0

    async def list_uploads(
        self,
        project_id: str,
        *,
        prefix: str = "",
        after: tuple[str, str] | None = None,
        limit: int = 1000,
        older_than: datetime | None = None,
    ) -> list[UploadRecord]:
        where = ["project_id = ?", "key >= ?", "key < ?"]
        params: list[Any] = [project_id, prefix, prefix + "\U0010ffff"]
        if after is not None:
            where.append("(key > ? OR (key = ? AND id > ?))")
            params += [after[0], after[0], after[1]]
        if older_than is not None:
            where.append("created_at < ?")
            params.append(ts(older_than))
        rows = await self.c.fetchall(
            f"SELECT {self._UPLOAD_COLS} FROM uploads WHERE {' AND '.join(where)}"
            " ORDER BY key, id LIMIT ?",
            [*params, limit],
        )
        return [upload_row(r) for r in rows]

    async def put_part(self, part: PartRecord) -> None:
        await self.c.execute(
            "INSERT INTO upload_parts (upload_id, part_number, size, etag, checksums, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (upload_id, part_number) DO UPDATE SET"
            " size = excluded.size, etag = excluded.etag, checksums = excluded.checksums,"
            " created_at = excluded.created_at",
            [
                part.upload_id,
                part.part_number,
                part.size,
                part.etag,
                json.dumps(part.checksums),
                ts(part.created_at),
            ],
        )

    async def list_parts(
        self, upload_id: str, *, after: int = 0, limit: int = 10000
    ) -> list[PartRecord]:
        rows = await self.c.fetchall(
            "SELECT upload_id, part_number, size, etag, checksums, created_at FROM upload_parts"
            " WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?",
            [upload_id, after, limit],
        )
        return [
            PartRecord(
                upload_id=r["upload_id"],
                part_number=int(r["part_number"]),
                size=int(r["size"]),
                etag=r["etag"],
                checksums=json.loads(r["checksums"]),
                created_at=ts_required(r["created_at"]),
            )
            for r in rows
        ]

    async def get_bucket_config(self, project_id: str, kind: str) -> str | None:
        row = await self.c.fetchone(
            "SELECT body FROM bucket_configs WHERE project_id = ? AND kind = ?", [project_id, kind]
        )
        return str(row["body"]) if row else None

    async def set_bucket_config(self, project_id: str, kind: str, body: str | None) -> None:
        await self.c.execute(
            "DELETE FROM bucket_configs WHERE project_id = ? AND kind = ?", [project_id, kind]
        )
        if body is not None:
            await self.c.execute(
                "INSERT INTO bucket_configs (project_id, kind, body) VALUES (?, ?, ?)",
                [project_id, kind, body],
            )

    _BUNDLE_COLS = (
        "id, secret_hash, user_id, token_id, resource_ids, format, once, expires_at, used_at,"
        " created_at"
    )

    async def insert_bundle(self, bundle: BundleRecord) -> None:
        await self.c.execute(
            f"INSERT INTO bundles ({self._BUNDLE_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                bundle.id,
                bundle.secret_hash,
                bundle.user_id,
                bundle.token_id,
                json.dumps(bundle.resource_ids),
                bundle.format,
                int(bundle.once),
                ts(bundle.expires_at),
                ts(bundle.used_at),
                ts(bundle.created_at),
            ],
        )

    async def get_bundle_by_hash(self, secret_hash: str) -> BundleRecord | None:
        row = await self.c.fetchone(
            f"SELECT {self._BUNDLE_COLS} FROM bundles WHERE secret_hash = ?", [secret_hash]
        )
        if row is None:
            return None
        return BundleRecord(
            id=row["id"],
            secret_hash=row["secret_hash"],
            user_id=row["user_id"],
            token_id=row["token_id"],
            resource_ids=json.loads(row["resource_ids"]),
            format=row["format"],
            once=bool(row["once"]),
            expires_at=ts_required(row["expires_at"]),
            used_at=parse_ts(row["used_at"]),
            created_at=ts_required(row["created_at"]),
        )

    async def claim_bundle(self, bundle_id: str, when: datetime) -> bool:
        n = await self.c.execute(
            "UPDATE bundles SET used_at = ? WHERE id = ? AND used_at IS NULL", [ts(when), bundle_id]
        )
        return n == 1
