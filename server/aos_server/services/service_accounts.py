"""Service accounts beyond their creation (services.auth): listing them and issuing their keys.

A service account is a user bound to one project (`project_id`) with one grant on it; every
actor made from its tokens or S3 keys is scoped to that project and confined (see
`services.auth.AuthService._actor`), so nothing outside it is visible, PUBLIC data included.
"""

from __future__ import annotations

import secrets

from aos_fs.models import S3Credentials, User

from ..backends.metadata.base import MetadataStore, S3CredentialRecord
from ..domain.ids import new_secret
from ..domain.permissions import Actor, Level
from ..errors import NotFound
from ..keyring import Keyring
from . import permissions as perms
from .auth import S3_PURPOSE
from .common import load, now


class ServiceAccountService:
    def __init__(self, meta: MetadataStore, keyring: Keyring) -> None:
        self.meta = meta
        self.keyring = keyring

    async def list(self, actor: Actor, project_id: str) -> list[User]:
        async with self.meta.read() as s:
            project = await load(s, project_id)
            await perms.require(s, actor, project, Level.ADMIN)
            return await s.list_service_accounts(project.id)

    async def _account(self, actor: Actor, user_id: str) -> User:
        async with self.meta.read() as s:
            user = await s.get_user(user_id)
            if user is None or not user.is_service_account or user.project_id is None:
                raise NotFound(f"No service account with id {user_id!r}")
            project = await load(s, user.project_id)
            await perms.require(s, actor, project, Level.ADMIN)
        return user

    async def create_s3_credentials(self, actor: Actor, user_id: str) -> S3Credentials:
        """S3 keys for a service account (its project's admins); the secret is shown once."""
        user = await self._account(actor, user_id)
        access = "AOS" + secrets.token_hex(8).upper()
        secret = new_secret(30)
        record = S3CredentialRecord(
            access_key_id=access,
            secret_sealed=self.keyring.seal(secret.encode(), S3_PURPOSE),
            user_id=user.id,
            token_id=None,
            created_at=now(),
        )
        async with self.meta.write() as s:
            await s.insert_s3_credential(record)
        return S3Credentials(
            access_key_id=access,
            secret_access_key=secret,
            user_id=user.id,
            created_at=record.created_at,
        )
