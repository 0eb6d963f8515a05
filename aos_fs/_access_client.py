"""Typed client methods for users, tokens, S3 keys and grants (mixed into both clients)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from . import _requests as R
from .models import CreatedToken, Permission, PermissionLevel, S3Credentials, Token, User


class AccessMethods:
    """`AOSClient` methods for users, tokens, S3 keys and grants."""

    if TYPE_CHECKING:

        def _send(self, c: R.Call[R.T]) -> R.T: ...  # the client's own

    def permissions(self, resource_id: str) -> list[Permission]:
        """Grants on a resource (admins)."""
        return self._send(R.permissions(resource_id))

    def grant(self, resource_id: str, user_id: str, level: str | PermissionLevel) -> Permission:
        """Grant a level to a user; NONE revokes."""
        return self._send(R.grant(resource_id, user_id, level))

    def list_users(self, *, after: str | None = None, limit: int = 100) -> list[User]:
        """Users, by name (admins)."""
        return self._send(R.list_users(after, limit))

    def create_user(
        self, name: str, *, display_name: str = "", email: str | None = None, is_admin: bool = False
    ) -> User:
        """Create a user (admins)."""
        return self._send(R.create_user(name, display_name, email, is_admin))

    def get_user(self, user_id: str) -> User:
        """A user (yourself, or anyone for admins)."""
        return self._send(R.get_user(user_id))

    def set_user_state(
        self, user_id: str, *, active: bool | None = None, is_admin: bool | None = None
    ) -> User:
        """Activate, deactivate or promote a user (admins)."""
        return self._send(R.set_user_state(user_id, active, is_admin))

    def create_service_account(
        self, name: str, project_id: str, level: str | PermissionLevel = "READ"
    ) -> User:
        """A service account with a level on a project."""
        return self._send(R.create_service_account(name, project_id, level))

    def list_tokens(self, *, user_id: str | None = None) -> list[Token]:
        """Your tokens (or another user's, for admins)."""
        return self._send(R.list_tokens(user_id))

    def create_token(
        self,
        name: str,
        *,
        scope_id: str | None = None,
        level: str | PermissionLevel = "ADMIN",
        expires_at: datetime | None = None,
        user_id: str | None = None,
    ) -> CreatedToken:
        """Create a token; its secret is in the result only."""
        return self._send(R.create_token(name, scope_id, level, expires_at, user_id))

    def delete_token(self, token_id: str) -> None:
        """Revoke a token."""
        return self._send(R.delete_token(token_id))

    def list_s3_credentials(self) -> list[S3Credentials]:
        """Your S3 access keys (without secrets)."""
        return self._send(R.list_s3_credentials())

    def create_s3_credentials(self, *, token_id: str | None = None) -> S3Credentials:
        """New S3 keys; the secret is in the result only."""
        return self._send(R.create_s3_credentials(token_id))

    def delete_s3_credentials(self, access_key_id: str) -> None:
        """Revoke S3 keys."""
        return self._send(R.delete_s3_credentials(access_key_id))


class AsyncAccessMethods:
    """The same for `AsyncAOSClient` (see `AccessMethods`)."""

    if TYPE_CHECKING:

        async def _send(self, c: R.Call[R.T]) -> R.T: ...  # the client's own

    async def permissions(self, resource_id: str) -> list[Permission]:
        """Grants on a resource (admins)."""
        return await self._send(R.permissions(resource_id))

    async def grant(
        self, resource_id: str, user_id: str, level: str | PermissionLevel
    ) -> Permission:
        """Grant a level to a user; NONE revokes."""
        return await self._send(R.grant(resource_id, user_id, level))

    async def list_users(self, *, after: str | None = None, limit: int = 100) -> list[User]:
        """Users, by name (admins)."""
        return await self._send(R.list_users(after, limit))

    async def create_user(
        self, name: str, *, display_name: str = "", email: str | None = None, is_admin: bool = False
    ) -> User:
        """Create a user (admins)."""
        return await self._send(R.create_user(name, display_name, email, is_admin))

    async def get_user(self, user_id: str) -> User:
        """A user (yourself, or anyone for admins)."""
        return await self._send(R.get_user(user_id))

    async def set_user_state(
        self, user_id: str, *, active: bool | None = None, is_admin: bool | None = None
    ) -> User:
        """Activate, deactivate or promote a user (admins)."""
        return await self._send(R.set_user_state(user_id, active, is_admin))

    async def create_service_account(
        self, name: str, project_id: str, level: str | PermissionLevel = "READ"
    ) -> User:
        """A service account with a level on a project."""
        return await self._send(R.create_service_account(name, project_id, level))

    async def list_tokens(self, *, user_id: str | None = None) -> list[Token]:
        """Your tokens (or another user's, for admins)."""
        return await self._send(R.list_tokens(user_id))

    async def create_token(
        self,
        name: str,
        *,
        scope_id: str | None = None,
        level: str | PermissionLevel = "ADMIN",
        expires_at: datetime | None = None,
        user_id: str | None = None,
    ) -> CreatedToken:
        """Create a token; its secret is in the result only."""
        return await self._send(R.create_token(name, scope_id, level, expires_at, user_id))

    async def delete_token(self, token_id: str) -> None:
        """Revoke a token."""
        return await self._send(R.delete_token(token_id))

    async def list_s3_credentials(self) -> list[S3Credentials]:
        """Your S3 access keys (without secrets)."""
        return await self._send(R.list_s3_credentials())

    async def create_s3_credentials(self, *, token_id: str | None = None) -> S3Credentials:
        """New S3 keys; the secret is in the result only."""
        return await self._send(R.create_s3_credentials(token_id))

    async def delete_s3_credentials(self, access_key_id: str) -> None:
        """Revoke S3 keys."""
        return await self._send(R.delete_s3_credentials(access_key_id))
