"""Row <-> model mapping shared by the SQL backends: timestamps as sortable text, JSON as text."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from aos_fs.models import (
    Author,
    DataClass,
    ExternalRelation,
    Hashes,
    KeyValue,
    KeyValueVariant,
    Kind,
    ObjectVersion,
    Permission,
    PermissionLevel,
    Resource,
    Status,
    Token,
    User,
)

from .base import S3CredentialRecord, UploadRecord


class Row(Protocol):
    """A result row as the drivers give it (sqlite3.Row, asyncpg.Record): values by column
    name, and its values, not its names, when iterated."""

    def __getitem__(self, key: str, /) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def keys(self) -> Iterable[str]: ...


def ts(value: datetime | None) -> str | None:
    """Store timestamps as fixed-width UTC ISO text so that text order is time order."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value)  # the stored form ends in Z: UTC


def ts_required(value: str) -> datetime:
    out = parse_ts(value)
    assert out is not None  # noqa: S101 - NOT NULL column
    return out


RESOURCE_COLUMNS = (
    "id, kind, name, title, description, key_values, authors, external_relations, "
    "metadata_license, data_license, data_class, status, created_by, created_at, updated_at, "
    "deleted_at, revision, version_id, size, content_type, md5, sha256, checksums, etag"
)
R_COLUMNS = ", ".join(f"r.{c.strip()}" for c in RESOURCE_COLUMNS.split(","))
SORT_COLUMNS: dict[str, str] = {
    "name": "rel.child_name",
    "created_at": "r.created_at",
    "updated_at": "r.updated_at",
    "size": "COALESCE(r.size, 0)",
}


def resource_params(r: Resource) -> list[Any]:
    h = r.hashes
    return [
        r.id,
        r.kind.value,
        r.name,
        r.title,
        r.description,
        json.dumps([kv.model_dump(mode="json") for kv in r.key_values]),
        json.dumps([a.model_dump(mode="json", exclude_none=True) for a in r.authors]),
        json.dumps([e.model_dump(mode="json", exclude_none=True) for e in r.external_relations]),
        r.metadata_license,
        r.data_license,
        r.data_class.value,
        r.status.value,
        r.created_by,
        ts(r.created_at),
        ts(r.updated_at),
        ts(r.deleted_at),
        r.revision,
        r.version_id,
        r.size,
        r.content_type,
        h.md5 if h else None,
        h.sha256 if h else None,
        json.dumps(h.checksums) if h else None,
        r.etag,
    ]


def _json_list(raw: str) -> list[dict[str, Any]]:
    return [] if raw == "[]" else list(json.loads(raw))


_RESOURCE_FIELDS = frozenset(Resource.model_fields)
_set = object.__setattr__


def _constructed(values: dict[str, Any]) -> Resource:
    """`Resource.model_construct(**values)` for a complete set of fields, without its per-field
    loop (a third of the time of a 10,000-row listing). Checked against model_construct by the
    tests; falls back to it whenever a field is missing."""
    if values.keys() != _RESOURCE_FIELDS:
        return Resource.model_construct(**values)
    res = Resource.__new__(Resource)
    _set(res, "__dict__", values)
    _set(res, "__pydantic_fields_set__", set(values))
    _set(res, "__pydantic_extra__", None)
    _set(res, "__pydantic_private__", None)
    return res


def resource_row(row: Row, keys: Sequence[str] | None = None) -> Resource:
    """Rows were validated on the way in, so they are rebuilt without validating again
    (listing thousands of children is dominated by this function). The row becomes a dict
    first: a lookup by name in a database row object scans its columns."""
    row = dict(zip(keys if keys is not None else row.keys(), row, strict=True))
    hashes = None
    if row["kind"] == "OBJECT" and row["revision"]:
        hashes = Hashes.model_construct(
            md5=row["md5"], sha256=row["sha256"], checksums=json.loads(row["checksums"] or "{}")
        )
    return _constructed(
        {
            "id": row["id"],
            "kind": Kind(row["kind"]),
            "name": row["name"],
            "title": row["title"],
            "description": row["description"],
            "key_values": [
                KeyValue.model_construct(
                    key=kv["key"], value=kv.get("value", ""), variant=KeyValueVariant(kv["variant"])
                )
                for kv in _json_list(row["key_values"])
            ],
            "authors": [Author(**a) for a in _json_list(row["authors"])],
            "external_relations": [
                ExternalRelation(**e) for e in _json_list(row["external_relations"])
            ],
            "metadata_license": row["metadata_license"],
            "data_license": row["data_license"],
            "data_class": DataClass(row["data_class"]),
            "status": Status(row["status"]),
            "created_by": row["created_by"],
            "created_at": ts_required(row["created_at"]),
            "updated_at": ts_required(row["updated_at"]),
            "deleted_at": parse_ts(row["deleted_at"]),
            "revision": row["revision"],
            "version_id": row["version_id"],
            "size": row["size"],
            "content_type": row["content_type"],
            "hashes": hashes,
            "etag": row["etag"],
            "stats": None,
            "endpoints": [],
            "redacted": False,
        }
    )


def resource_rows(rows: Sequence[Row]) -> list[Resource]:
    """`resource_row` for many rows of one query (their column names are read once)."""
    if not rows:
        return []
    keys = list(rows[0].keys())
    return [resource_row(row, keys) for row in rows]


def version_row(row: Row) -> ObjectVersion:
    return ObjectVersion(
        id=row["id"],
        object_id=row["object_id"],
        revision=row["revision"],
        size=row["size"],
        content_type=row["content_type"],
        hashes=Hashes(md5=row["md5"], sha256=row["sha256"], checksums=json.loads(row["checksums"])),
        etag=row["etag"],
        status=row["status"],
        metadata=json.loads(row["metadata"]),
        parts=json.loads(row["parts"]),
        created_by=row["created_by"],
        created_at=ts_required(row["created_at"]),
    )


def user_row(row: Row) -> User:
    return User(
        id=row["id"],
        name=row["name"],
        display_name=row["display_name"],
        email=row["email"],
        is_admin=bool(row["is_admin"]),
        is_service_account=bool(row["is_service_account"]),
        project_id=row["project_id"],
        active=bool(row["active"]),
        created_at=ts_required(row["created_at"]),
    )


def token_row(row: Row) -> Token:
    return Token(
        id=row["id"],
        user_id=row["user_id"],
        name=row["name"],
        scope_id=row["scope_id"],
        level=row["level"],
        expires_at=parse_ts(row["expires_at"]),
        created_at=ts_required(row["created_at"]),
        last_used_at=parse_ts(row["last_used_at"]),
    )


def permission_row(row: Row) -> Permission:
    return Permission(
        user_id=row["user_id"],
        resource_id=row["resource_id"],
        level=PermissionLevel(list(PermissionLevel)[row["level"]]),
        granted_by=row["granted_by"],
        granted_at=ts_required(row["granted_at"]),
    )


def credential_row(row: Row) -> S3CredentialRecord:
    return S3CredentialRecord(
        access_key_id=row["access_key_id"],
        secret_sealed=bytes(row["secret_sealed"]),
        user_id=row["user_id"],
        token_id=row["token_id"],
        created_at=ts_required(row["created_at"]),
    )


def upload_row(row: Row) -> UploadRecord:
    return UploadRecord(
        id=row["id"],
        project_id=row["project_id"],
        key=row["key"],
        user_id=row["user_id"],
        token_id=row["token_id"],
        content_type=row["content_type"],
        metadata=json.loads(row["metadata"]),
        checksum_algorithm=row["checksum_algorithm"],
        created_at=ts_required(row["created_at"]),
    )
