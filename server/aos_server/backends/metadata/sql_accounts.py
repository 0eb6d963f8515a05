"""`AccountsSession` in portable SQL (SQLite and PostgreSQL); `SQLSession` inherits it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aos_fs.account_models import (
    AccessRequest,
    Announcement,
    Notification,
    ResourceStatistics,
    UserStatistics,
    WorkspaceTemplate,
)
from aos_fs.models import PermissionLevel, User

from ...errors import AlreadyExists
from .accounts import FlowRecord, WorkspaceRecord
from .rows import Row, parse_ts, ts, ts_required, user_row

if TYPE_CHECKING:
    from .sql import SQLConnection

_NOTE_COLS = "id, kind, title, body, resource_id, ref_id, created_at, read_at"
_REQ_COLS = (
    "id, user_id, resource_id, level, message, status, decided_by, decided_at, reason, created_at"
)
_ANN_COLS = "id, title, body, severity, expires_at, created_by, created_at"
_WS_COLS = "project_id, template_id, user_id, anonymous, expires_at, created_at"


def _note(r: Row) -> Notification:
    return Notification(
        id=r["id"],
        kind=r["kind"],
        title=r["title"],
        body=r["body"],
        resource_id=r["resource_id"],
        ref_id=r["ref_id"],
        created_at=ts_required(r["created_at"]),
        read_at=parse_ts(r["read_at"]),
    )


def _request(r: Row) -> AccessRequest:
    return AccessRequest(
        id=r["id"],
        user_id=r["user_id"],
        resource_id=r["resource_id"],
        level=PermissionLevel(r["level"]),
        message=r["message"],
        status=r["status"],
        decided_by=r["decided_by"],
        decided_at=parse_ts(r["decided_at"]),
        reason=r["reason"],
        created_at=ts_required(r["created_at"]),
    )


def _announcement(r: Row) -> Announcement:
    return Announcement(
        id=r["id"],
        title=r["title"],
        body=r["body"],
        severity=r["severity"],
        expires_at=parse_ts(r["expires_at"]),
        created_by=r["created_by"],
        created_at=ts_required(r["created_at"]),
    )


def _workspace(r: Row) -> WorkspaceRecord:
    return WorkspaceRecord(
        project_id=r["project_id"],
        template_id=r["template_id"],
        user_id=r["user_id"],
        anonymous=bool(r["anonymous"]),
        expires_at=ts_required(r["expires_at"]),
        created_at=ts_required(r["created_at"]),
    )


def _template(r: Row) -> WorkspaceTemplate:
    spec: dict[str, Any] = json.loads(r["spec"])
    return WorkspaceTemplate(
        id=r["id"],
        name=r["name"],
        created_by=r["created_by"],
        created_at=ts_required(r["created_at"]),
        **spec,
    )


# The objects below a resource (or the resource itself when it is an object).
_BELOW = (
    "WITH RECURSIVE down(id) AS (SELECT id FROM resources WHERE id = ?"
    " UNION SELECT rel.target_id FROM relations rel JOIN down ON rel.origin_id = down.id"
    " WHERE rel.type = 'BELONGS_TO')"
)


class AccountsSQL:
    c: SQLConnection

    # -- inbox ----------------------------------------------------------------------------------
    async def insert_notification(self, user_id: str, item: Notification) -> None:
        await self.c.execute(
            f"INSERT INTO inbox (user_id, {_NOTE_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                user_id,
                item.id,
                item.kind,
                item.title,
                item.body,
                item.resource_id,
                item.ref_id,
                ts(item.created_at),
                ts(item.read_at),
            ],
        )

    async def list_notifications(
        self, user_id: str, *, unread_only: bool, limit: int
    ) -> list[Notification]:
        unread = " AND read_at IS NULL" if unread_only else ""
        rows = await self.c.fetchall(
            f"SELECT {_NOTE_COLS} FROM inbox WHERE user_id = ?{unread} ORDER BY id DESC LIMIT ?",
            [user_id, limit],
        )
        return [_note(r) for r in rows]

    async def mark_read(self, user_id: str, ids: Sequence[str] | None, when: datetime) -> int:
        sql = "UPDATE inbox SET read_at = ? WHERE user_id = ? AND read_at IS NULL"
        params: list[Any] = [ts(when), user_id]
        if ids is not None:
            if not ids:
                return 0
            sql += f" AND id IN ({', '.join('?' * len(ids))})"
            params += list(ids)
        return await self.c.execute(sql, params)

    # -- access requests ------------------------------------------------------------------------
    @staticmethod
    def _request_params(req: AccessRequest) -> list[Any]:
        return [
            req.id,
            req.user_id,
            req.resource_id,
            req.level.value,
            req.message,
            req.status,
            req.decided_by,
            ts(req.decided_at),
            req.reason,
            ts(req.created_at),
        ]

    async def insert_access_request(self, req: AccessRequest) -> None:
        marks = ", ".join("?" * 10)
        await self.c.execute(
            f"INSERT INTO access_requests ({_REQ_COLS}) VALUES ({marks})",
            self._request_params(req),
        )

    async def update_access_request(self, req: AccessRequest) -> None:
        await self.c.execute(
            "UPDATE access_requests SET level = ?, status = ?, decided_by = ?, decided_at = ?,"
            " reason = ? WHERE id = ?",
            [req.level.value, req.status, req.decided_by, ts(req.decided_at), req.reason, req.id],
        )

    async def get_access_request(self, request_id: str) -> AccessRequest | None:
        row = await self.c.fetchone(
            f"SELECT {_REQ_COLS} FROM access_requests WHERE id = ?", [request_id]
        )
        return _request(row) if row else None

    async def list_access_requests(
        self,
        *,
        user_id: str | None = None,
        resource_ids: Sequence[str] | None = None,
        status: str | None = None,
    ) -> list[AccessRequest]:
        where, params = ["1 = 1"], []  # type: list[str], list[Any]
        if user_id is not None:
            where.append("user_id = ?")
            params.append(user_id)
        if resource_ids is not None:
            if not resource_ids:
                return []
            where.append(f"resource_id IN ({', '.join('?' * len(resource_ids))})")
            params += list(resource_ids)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        rows = await self.c.fetchall(
            f"SELECT {_REQ_COLS} FROM access_requests WHERE {' AND '.join(where)}"
            " ORDER BY id DESC LIMIT 1000",
            params,
        )
        return [_request(r) for r in rows]

    # -- announcements --------------------------------------------------------------------------
    async def insert_announcement(self, item: Announcement) -> None:
        await self.c.execute(
            f"INSERT INTO announcements ({_ANN_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                item.id,
                item.title,
                item.body,
                item.severity,
                ts(item.expires_at),
                item.created_by,
                ts(item.created_at),
            ],
        )

    async def list_announcements(self, *, now: datetime | None) -> list[Announcement]:
        if now is None:
            rows = await self.c.fetchall(
                f"SELECT {_ANN_COLS} FROM announcements ORDER BY id DESC LIMIT 1000"
            )
        else:
            rows = await self.c.fetchall(
                f"SELECT {_ANN_COLS} FROM announcements WHERE expires_at IS NULL OR expires_at > ?"
                " ORDER BY id DESC LIMIT 1000",
                [ts(now)],
            )
        return [_announcement(r) for r in rows]

    async def delete_announcement(self, announcement_id: str) -> bool:
        return await self.c.execute("DELETE FROM announcements WHERE id = ?", [announcement_id]) > 0

    # -- statistics -----------------------------------------------------------------------------
    async def resource_statistics(self, resource_id: str) -> ResourceStatistics:
        row = await self.c.fetchone(
            f"{_BELOW} SELECT COUNT(DISTINCT r.id) AS n, COALESCE(SUM(v.size), 0) AS vbytes,"
            " COUNT(v.id) AS nv, MAX(r.updated_at) AS last"
            " FROM down JOIN resources r ON r.id = down.id"
            " LEFT JOIN object_versions v ON v.object_id = r.id"
            " WHERE r.kind = 'OBJECT' AND r.deleted_at IS NULL",
            [resource_id],
        )
        latest = await self.c.fetchone(
            f"{_BELOW} SELECT COALESCE(SUM(r.size), 0) AS total, MAX(r.updated_at) AS last"
            " FROM down JOIN resources r ON r.id = down.id WHERE r.deleted_at IS NULL",
            [resource_id],
        )
        assert row is not None  # noqa: S101 - aggregates return a row
        assert latest is not None  # noqa: S101
        return ResourceStatistics(
            resource_id=resource_id,
            objects=int(row["n"]),
            bytes=int(latest["total"]),
            versions=int(row["nv"]),
            version_bytes=int(row["vbytes"]),
            last_change=parse_ts(latest["last"]),
        )

    async def user_statistics(self, user_id: str) -> UserStatistics:
        res = await self.c.fetchone(
            "SELECT COALESCE(SUM(CASE WHEN kind = 'PROJECT' THEN 1 ELSE 0 END), 0) AS p,"
            " COALESCE(SUM(CASE WHEN kind = 'OBJECT' THEN 1 ELSE 0 END), 0) AS o"
            " FROM resources WHERE created_by = ? AND deleted_at IS NULL",
            [user_id],
        )
        ver = await self.c.fetchone(
            "SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS total, MAX(created_at) AS last"
            " FROM object_versions WHERE created_by = ?",
            [user_id],
        )
        assert res is not None  # noqa: S101 - aggregates return a row
        assert ver is not None  # noqa: S101
        return UserStatistics(
            user_id=user_id,
            projects=int(res["p"]),
            objects=int(res["o"]),
            versions=int(ver["n"]),
            bytes=int(ver["total"]),
            last_upload=parse_ts(ver["last"]),
        )

    # -- workspaces -----------------------------------------------------------------------------
    async def insert_workspace_template(self, template: WorkspaceTemplate) -> None:
        from .sql import UniqueViolation

        spec = template.model_dump(mode="json", exclude={"id", "name", "created_by", "created_at"})
        try:
            await self.c.execute(
                "INSERT INTO workspace_templates (id, name, spec, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    template.id,
                    template.name,
                    json.dumps(spec),
                    template.created_by,
                    ts(template.created_at),
                ],
            )
        except UniqueViolation as exc:
            raise AlreadyExists(f"A workspace template {template.name!r} exists already") from exc

    async def get_workspace_template(self, id_or_name: str) -> WorkspaceTemplate | None:
        row = await self.c.fetchone(
            "SELECT id, name, spec, created_by, created_at FROM workspace_templates"
            " WHERE id = ? OR name = ?",
            [id_or_name, id_or_name],
        )
        return _template(row) if row else None

    async def list_workspace_templates(self) -> list[WorkspaceTemplate]:
        rows = await self.c.fetchall(
            "SELECT id, name, spec, created_by, created_at FROM workspace_templates ORDER BY name"
        )
        return [_template(r) for r in rows]

    async def delete_workspace_template(self, template_id: str) -> bool:
        return (
            await self.c.execute("DELETE FROM workspace_templates WHERE id = ?", [template_id]) > 0
        )

    async def insert_workspace(self, record: WorkspaceRecord) -> None:
        await self.c.execute(
            f"INSERT INTO workspaces ({_WS_COLS}) VALUES (?, ?, ?, ?, ?, ?)",
            [
                record.project_id,
                record.template_id,
                record.user_id,
                int(record.anonymous),
                ts(record.expires_at),
                ts(record.created_at),
            ],
        )

    async def get_workspace(self, project_id: str) -> WorkspaceRecord | None:
        row = await self.c.fetchone(
            f"SELECT {_WS_COLS} FROM workspaces WHERE project_id = ?", [project_id]
        )
        return _workspace(row) if row else None

    async def delete_workspace(self, project_id: str) -> bool:
        return await self.c.execute("DELETE FROM workspaces WHERE project_id = ?", [project_id]) > 0

    async def expired_workspaces(self, now: datetime, limit: int) -> list[WorkspaceRecord]:
        rows = await self.c.fetchall(
            f"SELECT {_WS_COLS} FROM workspaces WHERE expires_at <= ? ORDER BY expires_at LIMIT ?",
            [ts(now), limit],
        )
        return [_workspace(r) for r in rows]

    async def delete_user_credentials(self, user_id: str) -> None:
        await self.c.execute("DELETE FROM tokens WHERE user_id = ?", [user_id])
        await self.c.execute("DELETE FROM s3_credentials WHERE user_id = ?", [user_id])

    async def list_service_accounts(self, project_id: str) -> list[User]:
        rows = await self.c.fetchall(
            "SELECT id, name, display_name, email, is_admin, is_service_account, project_id,"
            " active, created_at FROM users WHERE project_id = ? AND is_service_account = ?"
            " ORDER BY name",
            [project_id, True],
        )
        return [user_row(r) for r in rows]

    async def list_admin_ids(self) -> list[str]:
        rows = await self.c.fetchall(
            "SELECT id FROM users WHERE is_admin = ? AND active = ? ORDER BY id", [True, True]
        )
        return [str(r["id"]) for r in rows]

    # -- OIDC -----------------------------------------------------------------------------------
    async def get_identity(self, provider: str, subject: str) -> str | None:
        row = await self.c.fetchone(
            "SELECT user_id FROM oidc_identities WHERE provider = ? AND subject = ?",
            [provider, subject],
        )
        return str(row["user_id"]) if row else None

    async def insert_identity(
        self, provider: str, subject: str, user_id: str, when: datetime
    ) -> None:
        await self.c.execute(
            "INSERT INTO oidc_identities (provider, subject, user_id, created_at)"
            " VALUES (?, ?, ?, ?)",
            [provider, subject, user_id, ts(when)],
        )

    async def insert_flow(self, flow: FlowRecord) -> None:
        await self.c.execute(
            "INSERT INTO oidc_flows (id, provider, kind, sealed, expires_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                flow.id,
                flow.provider,
                flow.kind,
                flow.sealed,
                ts(flow.expires_at),
                ts(flow.created_at),
            ],
        )

    async def get_flow(self, flow_id: str) -> FlowRecord | None:
        row = await self.c.fetchone(
            "SELECT id, provider, kind, sealed, expires_at, created_at FROM oidc_flows"
            " WHERE id = ?",
            [flow_id],
        )
        if row is None:
            return None
        return FlowRecord(
            id=row["id"],
            provider=row["provider"],
            kind=row["kind"],
            sealed=bytes(row["sealed"]),
            expires_at=ts_required(row["expires_at"]),
            created_at=ts_required(row["created_at"]),
        )

    async def delete_flow(self, flow_id: str) -> bool:
        return await self.c.execute("DELETE FROM oidc_flows WHERE id = ?", [flow_id]) > 0

    async def delete_expired_flows(self, now: datetime) -> int:
        return await self.c.execute("DELETE FROM oidc_flows WHERE expires_at <= ?", [ts(now)])
