"""Governance statements (blob registry, usage, quotas, rules) in portable SQL."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .governance import GovernanceSession, Limit, QuotaRecord, RuleRecord, Scope
from .rows import Row, ts, ts_required

if TYPE_CHECKING:
    from .sql import SQLConnection

_RULE_COLS = "id, project_id, resource_id, name, expression, message, created_by, created_at"


def _rule(r: Row) -> RuleRecord:
    return RuleRecord(
        id=r["id"],
        project_id=r["project_id"],
        resource_id=r["resource_id"],
        name=r["name"],
        expression=r["expression"],
        message=r["message"],
        created_by=r["created_by"],
        created_at=ts_required(r["created_at"]),
    )


class GovernanceSQL(GovernanceSession):
    c: SQLConnection

    # -- blob registry --------------------------------------------------------------------------
    async def find_blob(
        self, sha256: str, size: int, *, sealed: bool, project_id: str | None
    ) -> str | None:
        sql = "SELECT blob_key FROM blobs WHERE sha256 = ? AND size = ? AND sealed = ?"
        params: list[object] = [sha256, size, int(sealed)]
        if project_id is not None:
            sql += " AND project_id = ?"
            params.append(project_id)
        row = await self.c.fetchone(sql + " ORDER BY blob_key LIMIT 1", params)
        return row["blob_key"] if row else None

    async def register_blob(
        self, key: str, sha256: str, size: int, *, sealed: bool, project_id: str, when: datetime
    ) -> None:
        await self.c.execute(
            "INSERT INTO blobs (blob_key, sha256, size, sealed, project_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (blob_key) DO NOTHING",
            [key, sha256, size, int(sealed), project_id, ts(when)],
        )

    async def stored_blobs(self) -> tuple[int, int]:
        row = await self.c.fetchone("SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS b FROM blobs")
        return (int(row["n"]), int(row["b"])) if row else (0, 0)

    # -- usage ----------------------------------------------------------------------------------
    async def _add_totals(self, project_id: str, user_id: str, size: int, objects: int) -> None:
        await self.c.write(
            "INSERT INTO usage_totals (scope, subject_id, bytes, objects)"
            " VALUES ('PROJECT', ?, ?, ?), ('USER', ?, ?, ?)"
            " ON CONFLICT (scope, subject_id) DO UPDATE SET"
            " bytes = usage_totals.bytes + excluded.bytes,"
            " objects = usage_totals.objects + excluded.objects",
            [project_id, size, objects, user_id, size, objects],
        )

    async def charge_object(
        self, object_id: str, project_id: str, user_id: str, size: int, *, new: bool
    ) -> None:
        row = None
        if not new:
            row = await self.c.fetchone(
                "UPDATE object_usage SET bytes = bytes + ? WHERE object_id = ?"
                " RETURNING project_id, user_id, live",
                [size, object_id],
            )
        if row is None:  # a new object, or one written before usage was kept
            await self.c.write(
                "INSERT INTO object_usage (object_id, project_id, user_id, bytes, live)"
                " VALUES (?, ?, ?, ?, 1)",
                [object_id, project_id, user_id, size],
            )
            await self._add_totals(project_id, user_id, size, 1)
        elif row["live"]:
            await self._add_totals(row["project_id"], row["user_id"], size, 0)

    async def limits(self, project_id: str, user_id: str | None) -> list[Limit]:
        rows = await self.c.fetchall(
            "SELECT q.scope, q.subject_id, q.max_bytes, q.max_objects,"
            " COALESCE(u.bytes, 0) AS bytes, COALESCE(u.objects, 0) AS objects"
            " FROM quotas q LEFT JOIN usage_totals u"
            " ON u.scope = q.scope AND u.subject_id = q.subject_id"
            " WHERE (q.scope = 'PROJECT' AND q.subject_id = ?)"
            " OR (q.scope = 'USER' AND q.subject_id = ?) ORDER BY q.scope",
            [project_id, user_id or ""],
        )
        return [
            Limit(
                r["scope"],
                r["subject_id"],
                r["max_bytes"],
                r["max_objects"],
                int(r["bytes"]),
                int(r["objects"]),
            )
            for r in rows
        ]

    async def set_object_live(self, object_id: str, live: bool) -> None:
        row = await self.c.fetchone(
            "SELECT project_id, user_id, bytes, live FROM object_usage WHERE object_id = ?",
            [object_id],
        )
        if row is None or bool(row["live"]) == live:
            return
        await self.c.execute(
            "UPDATE object_usage SET live = ? WHERE object_id = ?", [int(live), object_id]
        )
        sign = 1 if live else -1
        await self._add_totals(row["project_id"], row["user_id"], sign * row["bytes"], sign)

    async def usage(self, scope: Scope, subject_id: str) -> tuple[int, int]:
        row = await self.c.fetchone(
            "SELECT bytes, objects FROM usage_totals WHERE scope = ? AND subject_id = ?",
            [scope, subject_id],
        )
        return (int(row["bytes"]), int(row["objects"])) if row else (0, 0)

    # -- quotas ---------------------------------------------------------------------------------
    async def get_quota(self, scope: Scope, subject_id: str) -> QuotaRecord | None:
        row = await self.c.fetchone(
            "SELECT scope, subject_id, max_bytes, max_objects, set_by, set_at FROM quotas"
            " WHERE scope = ? AND subject_id = ?",
            [scope, subject_id],
        )
        if row is None:
            return None
        return QuotaRecord(
            scope=row["scope"],
            subject_id=row["subject_id"],
            max_bytes=row["max_bytes"],
            max_objects=row["max_objects"],
            set_by=row["set_by"],
            set_at=ts_required(row["set_at"]),
        )

    async def set_quota(self, quota: QuotaRecord) -> None:
        await self.c.execute(
            "INSERT INTO quotas (scope, subject_id, max_bytes, max_objects, set_by, set_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, subject_id) DO UPDATE SET"
            " max_bytes = excluded.max_bytes, max_objects = excluded.max_objects,"
            " set_by = excluded.set_by, set_at = excluded.set_at",
            [
                quota.scope,
                quota.subject_id,
                quota.max_bytes,
                quota.max_objects,
                quota.set_by,
                ts(quota.set_at),
            ],
        )

    async def delete_quota(self, scope: Scope, subject_id: str) -> bool:
        n = await self.c.execute(
            "DELETE FROM quotas WHERE scope = ? AND subject_id = ?", [scope, subject_id]
        )
        return n > 0

    # -- rules ----------------------------------------------------------------------------------
    async def insert_rule(self, rule: RuleRecord) -> None:
        await self.c.execute(
            f"INSERT INTO rules ({_RULE_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                rule.id,
                rule.project_id,
                rule.resource_id,
                rule.name,
                rule.expression,
                rule.message,
                rule.created_by,
                ts(rule.created_at),
            ],
        )

    async def get_rule(self, rule_id: str) -> RuleRecord | None:
        row = await self.c.fetchone(f"SELECT {_RULE_COLS} FROM rules WHERE id = ?", [rule_id])
        return _rule(row) if row else None

    async def list_rules(self, project_id: str | None) -> list[RuleRecord]:
        if project_id is None:
            rows = await self.c.fetchall(
                f"SELECT {_RULE_COLS} FROM rules WHERE project_id IS NULL ORDER BY id"
            )
        else:
            rows = await self.c.fetchall(
                f"SELECT {_RULE_COLS} FROM rules WHERE project_id = ? ORDER BY id", [project_id]
            )
        return [_rule(r) for r in rows]

    async def rules_for_write(self, project_id: str) -> list[RuleRecord]:
        rows = await self.c.fetchall(
            f"SELECT {_RULE_COLS} FROM rules WHERE project_id IS NULL OR project_id = ?"
            " ORDER BY id",
            [project_id],
        )
        return [_rule(r) for r in rows]

    async def delete_rule(self, rule_id: str) -> bool:
        return await self.c.execute("DELETE FROM rules WHERE id = ?", [rule_id]) > 0
