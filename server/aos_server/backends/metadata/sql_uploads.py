"""Multipart uploads, bundles and bucket configuration in portable SQL."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .base import (
    BundleRecord,
    PartRecord,
    UploadRecord,
)
from .rows import (
    parse_ts,
    ts,
    ts_required,
    upload_row,
)

if TYPE_CHECKING:
    from .sql_conn import SQLConnection


class UploadsSQL:
    c: SQLConnection

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
