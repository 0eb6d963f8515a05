"""Users, tokens, permissions, S3 credentials and licenses in portable SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from aos_fs.models import (
    License,
    Permission,
    PermissionLevel,
    Token,
    User,
)

from ...errors import AlreadyExists
from .base import (
    S3CredentialRecord,
    TokenRecord,
)
from .rows import (
    credential_row,
    permission_row,
    token_row,
    ts,
    user_row,
)
from .sql_conn import UniqueViolation

if TYPE_CHECKING:
    from .sql_conn import SQLConnection


class UsersSQL:
    c: SQLConnection

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
