"""Users, tokens, service accounts and S3 credentials; turning a bearer token into an Actor."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from aos_fs.models import (
    CreatedToken,
    Permission,
    PermissionLevel,
    S3Credentials,
    S3CredentialsCreate,
    ServiceAccountCreate,
    Token,
    TokenCreate,
    User,
    UserCreate,
)

from ..backends.metadata.base import (
    HookTokenRecord,
    MetadataStore,
    S3CredentialRecord,
    TokenRecord,
)
from ..domain.ids import new_id, new_secret
from ..domain.permissions import Actor, Level
from ..errors import (
    AlreadyExists,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    UserNotFound,
)
from ..keyring import Keyring
from . import permissions as perms
from .common import emit, load, now

TOKEN_PREFIX = "aos_"  # noqa: S105 - a prefix, not a secret
CALLBACK_PREFIX = "aoshook_"
S3_PURPOSE = "s3-secret"


def hash_secret(secret: str) -> str:
    """Tokens are high-entropy random strings, so one SHA-256 is a sound at-rest form."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Bootstrap:
    """What a first start created; printed once by `aos serve`."""

    user: User
    token: str | None
    access_key_id: str | None
    secret_access_key: str | None


class _UserStateChange(TypedDict, total=False):
    """What `set_user_state` changes; each key becomes a field of the user.updated event."""

    active: bool
    is_admin: bool


class AuthService:
    # S3 clients sign every request: the access key's secret and actor are cached briefly, so a
    # revoked key or token stops working within this many seconds on every process.
    CACHE_SECONDS = 2.0

    def __init__(self, meta: MetadataStore, keyring: Keyring) -> None:
        self.meta = meta
        self.keyring = keyring
        self._s3_cache: dict[str, tuple[float, str, S3CredentialRecord, Actor]] = {}

    async def s3_actor(self, access_key_id: str) -> tuple[str, Actor] | None:
        """The secret of an S3 access key and the actor behind it (cached briefly)."""
        hit = self._s3_cache.get(access_key_id)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1], hit[3]
        found = await self.s3_secret(access_key_id)
        if found is None:
            self._s3_cache.pop(access_key_id, None)
            return None
        secret, record = found
        actor = await self.actor_for_token_id(record.token_id, record.user_id)
        if len(self._s3_cache) > 10_000:
            self._s3_cache.clear()
        self._s3_cache[access_key_id] = (
            time.monotonic() + self.CACHE_SECONDS,
            secret,
            record,
            actor,
        )
        return secret, actor

    def forget_cached(self) -> None:
        """Drop cached S3 actors (after a revocation in this process)."""
        self._s3_cache.clear()

    # -- authentication -------------------------------------------------------------------------
    async def authenticate(self, bearer: str) -> Actor:
        if bearer.startswith(CALLBACK_PREFIX):
            return await self._callback_actor(bearer)
        async with self.meta.read() as s:
            record = await s.get_token_by_hash(hash_secret(bearer))
            if record is None:
                raise Unauthenticated(
                    "The token is not valid (unknown or revoked); create a new one with "
                    "`aos token create`"
                )
            user = await s.get_user(record.token.user_id)
        return self._actor(record.token, user)

    async def create_callback_token(
        self, *, delivery_id: str, hook_id: str, resource_id: str, user_id: str, seconds: int
    ) -> tuple[str, datetime]:
        """A short-lived token for one hook delivery: it may add key-values (HOOK_STATUS too) to
        `resource_id` and move it from VALIDATING to AVAILABLE or ERROR, and nothing else."""
        secret = CALLBACK_PREFIX + new_secret(32)
        expires = now() + timedelta(seconds=seconds)
        async with self.meta.write() as s:
            await s.delete_expired_hook_tokens(now())
            await s.insert_hook_token(
                HookTokenRecord(
                    secret_hash=hash_secret(secret),
                    delivery_id=delivery_id,
                    hook_id=hook_id,
                    resource_id=resource_id,
                    user_id=user_id,
                    expires_at=expires,
                    created_at=now(),
                )
            )
        return secret, expires

    async def _callback_actor(self, bearer: str) -> Actor:
        async with self.meta.read() as s:
            record = await s.get_hook_token(hash_secret(bearer))
            user = await s.get_user(record.user_id) if record else None
        if record is None:
            raise Unauthenticated("The callback token is not valid (unknown, or its hook is gone)")
        if record.expires_at <= now():
            raise Unauthenticated(
                f"The callback token expired at {record.expires_at:%Y-%m-%d %H:%M:%S} UTC; raise "
                "the hook's callback_ttl if validation takes longer"
            )
        if user is None or not user.active:
            raise Unauthenticated("The owner of this hook is deactivated; ask an administrator")
        # SECURITY: purpose "hook" + scope = the one resource; see permissions.require_hook_target.
        return Actor(
            user_id=user.id,
            scope_id=record.resource_id,
            ceiling=Level.WRITE,
            expires_at=record.expires_at,
            purpose="hook",
        )

    def _actor(self, token: Token, user: User | None) -> Actor:
        if user is None or not user.active:
            raise Unauthenticated("This account is deactivated; ask an administrator")
        if token.expires_at is not None and token.expires_at <= now():
            raise Unauthenticated(
                f"Token expired on {token.expires_at:%Y-%m-%d %H:%M} UTC; create a new one with "
                "`aos token create`"
            )
        return Actor(
            user_id=user.id,
            is_admin=user.is_admin and not user.is_service_account,
            token_id=token.id,
            # SECURITY: a service account acts inside its project only, whatever its token says.
            scope_id=token.scope_id or (user.project_id if user.is_service_account else None),
            ceiling=Level[token.level.value],
            expires_at=token.expires_at,
            confined=user.is_service_account,
        )

    async def actor_for_token_id(self, token_id: str | None, user_id: str) -> Actor:
        """The actor behind S3 credentials: the user, limited by the token they were scoped by."""
        async with self.meta.read() as s:
            user = await s.get_user(user_id)
            if token_id is None:
                if user is None or not user.active:
                    raise Unauthenticated("This account is deactivated; ask an administrator")
                if user.is_service_account:
                    return Actor(user_id=user.id, scope_id=user.project_id, confined=True)
                return Actor(user_id=user.id, is_admin=user.is_admin)
            record = await s.get_token(token_id)
        if record is None:
            raise Unauthenticated("The token these S3 keys were scoped by has been revoked")
        return self._actor(record.token, user)

    # -- users ----------------------------------------------------------------------------------
    async def whoami(self, actor: Actor) -> tuple[User | None, Token | None]:
        if actor.anonymous:
            return None, None
        async with self.meta.read() as s:
            user = await s.get_user(actor.user_id or "")
            record = await s.get_token(actor.token_id) if actor.token_id else None
        return user, record.token if record else None

    async def create_user(self, actor: Actor, body: UserCreate) -> User:
        perms.require_global_admin(actor, "create users")
        user = User(
            id=new_id(),
            name=body.name,
            display_name=body.display_name,
            email=body.email,
            is_admin=body.is_admin,
            created_at=now(),
        )
        async with self.meta.write() as s:
            await s.insert_user(user)
            await emit(s, actor, "user.created", None, user_id=user.id, name=user.name)
        return user

    async def get_user(self, actor: Actor, user_id: str) -> User:
        if actor.user_id != user_id:
            perms.require_global_admin(actor, "read other users")
        async with self.meta.read() as s:
            user = await s.get_user(user_id)
        if user is None:
            raise UserNotFound(f"No user with id {user_id!r}")
        return user

    async def list_users(self, actor: Actor, *, after: str | None, limit: int) -> list[User]:
        perms.require_global_admin(actor, "list users")
        async with self.meta.read() as s:
            return await s.list_users(after=after, limit=limit)

    async def set_user_state(
        self, actor: Actor, user_id: str, *, active: bool | None, is_admin: bool | None
    ) -> User:
        perms.require_global_admin(actor, "change users")
        async with self.meta.write() as s:
            user = await s.get_user(user_id)
            if user is None:
                raise UserNotFound(f"No user with id {user_id!r}")
            changes: _UserStateChange = {}
            if active is not None:
                changes["active"] = active
            if is_admin is not None:
                changes["is_admin"] = is_admin
            user = user.model_copy(update=changes)
            await s.update_user(user)
            await emit(s, actor, "user.updated", None, user_id=user.id, **changes)
        self.forget_cached()
        return user

    async def create_service_account(self, actor: Actor, body: ServiceAccountCreate) -> User:
        async with self.meta.write() as s:
            project = await load(s, body.project_id)
            acc = await perms.require(s, actor, project, Level.ADMIN)
            level = Level[body.level.value]
            if level > acc.level:
                raise PermissionDenied("A service account cannot get more than you hold")
            user = User(
                id=new_id(),
                name=body.name,
                is_service_account=True,
                project_id=project.id,
                created_at=now(),
            )
            await s.insert_user(user)
            await s.set_permission(
                Permission(
                    user_id=user.id,
                    resource_id=project.id,
                    level=body.level,
                    granted_by=actor.user_id,
                    granted_at=now(),
                )
            )
            await emit(s, actor, "user.created", project, user_id=user.id, service_account=True)
        return user

    # -- tokens ---------------------------------------------------------------------------------
    async def create_token(self, actor: Actor, body: TokenCreate) -> CreatedToken:
        if actor.anonymous:
            raise Unauthenticated("Sign in to create tokens")
        if actor.scope_id is not None:
            raise PermissionDenied("A scoped token cannot create tokens; use a personal token")
        owner_id = body.user_id or actor.user_id or ""
        if body.expires_at is not None and body.expires_at <= now():
            raise InvalidInput("`expires_at` lies in the past", field="expires_at")
        async with self.meta.write() as s:
            owner = await s.get_user(owner_id)
            if owner is None:
                raise UserNotFound(f"No user with id {owner_id!r}")
            if owner.id != actor.user_id:
                await self._require_manager(s, actor, owner)
            if body.scope_id is not None:
                scope = await load(s, body.scope_id)
                acc = await perms.access(s, actor, scope)
                if not acc.visible:
                    raise perms.deny(actor, scope, Level.READ, acc.level)
            secret = TOKEN_PREFIX + new_secret(32)
            token = Token(
                id=new_id(),
                user_id=owner.id,
                name=body.name,
                scope_id=body.scope_id,
                level=body.level,
                expires_at=body.expires_at,
                created_at=now(),
            )
            await s.insert_token(TokenRecord(token, hash_secret(secret)))
            await emit(s, actor, "token.created", None, token_id=token.id, user_id=owner.id)
        return CreatedToken(**token.model_dump(), secret=secret)

    async def list_tokens(self, actor: Actor, user_id: str | None = None) -> list[Token]:
        owner = user_id or actor.user_id
        if actor.anonymous or owner is None:
            raise Unauthenticated("Sign in to list tokens")
        async with self.meta.read() as s:
            if owner != actor.user_id:
                user = await s.get_user(owner)
                if user is None:
                    raise UserNotFound(f"No user with id {owner!r}")
                await self._require_manager(s, actor, user)
            return await s.list_tokens(owner)

    async def delete_token(self, actor: Actor, token_id: str) -> None:
        async with self.meta.write() as s:
            record = await s.get_token(token_id)
            if record is None:
                raise NotFound(f"No token with id {token_id!r}")
            if record.token.user_id != actor.user_id:
                user = await s.get_user(record.token.user_id)
                assert user is not None  # noqa: S101 - tokens belong to users
                await self._require_manager(s, actor, user)
            await s.delete_token(token_id)
            await emit(s, actor, "token.deleted", None, token_id=token_id)
        self.forget_cached()

    async def _require_manager(self, s: object, actor: Actor, owner: User) -> None:
        """Global admins manage everyone; project admins manage their service accounts."""
        if actor.global_admin:
            return
        if owner.is_service_account and owner.project_id:
            from ..backends.metadata.base import MetadataSession

            assert isinstance(s, MetadataSession)  # noqa: S101
            project = await load(s, owner.project_id)
            await perms.require(s, actor, project, Level.ADMIN)
            return
        raise PermissionDenied("Only administrators manage other users' tokens")

    # -- S3 credentials -------------------------------------------------------------------------
    async def create_s3_credentials(
        self,
        actor: Actor,
        body: S3CredentialsCreate,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> S3Credentials:
        if actor.anonymous:
            raise Unauthenticated("Sign in to create S3 credentials")
        token_id = body.token_id or (actor.token_id if actor.scope_id is not None else None)
        async with self.meta.write() as s:
            if token_id is not None:
                record = await s.get_token(token_id)
                if record is None or record.token.user_id != actor.user_id:
                    raise NotFound(f"You have no token with id {token_id!r}")
            access = access_key or "AOS" + secrets.token_hex(8).upper()
            secret = secret_key or new_secret(30)
            record3 = S3CredentialRecord(
                access_key_id=access,
                secret_sealed=self.keyring.seal(secret.encode(), S3_PURPOSE),
                user_id=actor.user_id or "",
                token_id=token_id,
                created_at=now(),
            )
            await s.insert_s3_credential(record3)
        return S3Credentials(
            access_key_id=access,
            secret_access_key=secret,
            user_id=record3.user_id,
            token_id=token_id,
            created_at=record3.created_at,
        )

    async def list_s3_credentials(self, actor: Actor) -> list[S3Credentials]:
        if actor.anonymous:
            raise Unauthenticated("Sign in to list S3 credentials")
        async with self.meta.read() as s:
            rows = await s.list_s3_credentials(actor.user_id or "")
        return [
            S3Credentials(
                access_key_id=r.access_key_id,
                user_id=r.user_id,
                token_id=r.token_id,
                created_at=r.created_at,
            )
            for r in rows
        ]

    async def delete_s3_credentials(self, actor: Actor, access_key_id: str) -> None:
        async with self.meta.write() as s:
            record = await s.get_s3_credential(access_key_id)
            if record is None or (record.user_id != actor.user_id and not actor.global_admin):
                raise NotFound(f"You have no S3 access key {access_key_id!r}")
            await s.delete_s3_credential(access_key_id)
        self.forget_cached()

    async def signing_credentials(self, actor: Actor) -> tuple[str, str]:
        """S3 keys bound to the actor's token, made on first use, to sign presigned URLs.

        Binding them to the token means revoking the token also revokes every URL signed so.
        """
        if actor.anonymous:
            raise Unauthenticated("Sign in to create presigned URLs")
        async with self.meta.read() as s:
            mine = await s.list_s3_credentials(actor.user_id or "")
        for record in mine:
            if record.token_id == actor.token_id:
                secret = self.keyring.unseal(record.secret_sealed, S3_PURPOSE).decode()
                return record.access_key_id, secret
        created = await self.create_s3_credentials(
            actor, S3CredentialsCreate(token_id=actor.token_id)
        )
        return created.access_key_id, created.secret_access_key or ""

    async def s3_secret(self, access_key_id: str) -> tuple[str, S3CredentialRecord] | None:
        """The secret behind an access key (for SigV4), or None when unknown."""
        async with self.meta.read() as s:
            record = await s.get_s3_credential(access_key_id)
        if record is None:
            return None
        return self.keyring.unseal(record.secret_sealed, S3_PURPOSE).decode(), record

    # -- bootstrap ------------------------------------------------------------------------------
    async def bootstrap(
        self, *, token: str | None, access_key: str | None, secret_key: str | None
    ) -> Bootstrap:
        """Create the admin on first start; make the AOS_ADMIN_* values valid on every start.

        Several processes may start at once on one database: the one that loses the race to
        create the admin (or the AOS_ADMIN_* token and keys) tries again and finds them made.
        """
        for attempt in range(5):
            try:
                return await self._bootstrap(
                    token=token, access_key=access_key, secret_key=secret_key
                )
            except AlreadyExists:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.05 * (attempt + 1))
        raise AssertionError("the loop returns or raises")

    async def _bootstrap(
        self, *, token: str | None, access_key: str | None, secret_key: str | None
    ) -> Bootstrap:
        created_token: str | None = None
        created_access: tuple[str, str] | None = None
        async with self.meta.write() as s:
            admin = await s.get_user_by_name("admin")
            first_start = admin is None
            if admin is None:
                admin = User(
                    id=new_id(),
                    name="admin",
                    display_name="Administrator",
                    is_admin=True,
                    created_at=now(),
                )
                await s.insert_user(admin)
            if token is not None:
                if await s.get_token_by_hash(hash_secret(token)) is None:
                    await s.insert_token(self._bootstrap_token(admin, token))
                created_token = token
            elif first_start:
                created_token = TOKEN_PREFIX + new_secret(32)
                await s.insert_token(self._bootstrap_token(admin, created_token))
            if access_key is not None and secret_key is not None:
                existing = await s.get_s3_credential(access_key)
                if existing is not None:
                    await s.delete_s3_credential(access_key)
                created_access = (access_key, secret_key)
            elif first_start:
                created_access = ("AOS" + secrets.token_hex(8).upper(), new_secret(30))
            if created_access is not None:
                await s.insert_s3_credential(
                    S3CredentialRecord(
                        access_key_id=created_access[0],
                        secret_sealed=self.keyring.seal(created_access[1].encode(), S3_PURPOSE),
                        user_id=admin.id,
                        token_id=None,
                        created_at=now(),
                    )
                )
        return Bootstrap(
            user=admin,
            token=created_token,
            access_key_id=created_access[0] if created_access else None,
            secret_access_key=created_access[1] if created_access else None,
        )

    @staticmethod
    def _bootstrap_token(admin: User, secret: str) -> TokenRecord:
        token = Token(
            id=new_id(),
            user_id=admin.id,
            name="bootstrap",
            level=PermissionLevel.ADMIN,
            created_at=now(),
        )
        return TokenRecord(token, hash_secret(secret))
