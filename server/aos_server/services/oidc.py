"""Sign-in with OpenID Connect: device code (notebooks, the CLI) and authorization code with
PKCE (browsers), against any number of configured providers; the result is an AOS token.

A first sign-in creates a user linked to (provider, subject); unless the service is configured
otherwise, that user stays inactive until an administrator activates them (the global admins
get a notification). Flows under way are kept in the metadata store with their secrets sealed,
so any API process may continue a flow another one started.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from aos_fs.account_models import BrowserSignIn, DeviceSignIn, OIDCProvider, SignInResult
from aos_fs.models import CreatedToken, PermissionLevel, Token, User

from ..backends.metadata.accounts import FlowRecord
from ..backends.metadata.base import MetadataSession, MetadataStore, TokenRecord
from ..domain.ids import new_id
from ..domain.permissions import Actor
from ..errors import Gone, NotFound, PermissionDenied, Unauthenticated
from ..keyring import Keyring
from ..oidc_settings import OIDCProviderSettings
from .auth import TOKEN_PREFIX, hash_secret
from .common import emit, now
from .inbox import notify
from .oidc_client import ProviderClient

_PURPOSE = "oidc-flow"
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.@-]+")
BROWSER_FLOW_SECONDS = 600
DEVICE = "device"
BROWSER = "browser"


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class OIDCService:
    def __init__(
        self,
        meta: MetadataStore,
        keyring: Keyring,
        providers: list[OIDCProviderSettings],
        *,
        new_users_active: bool,
        token_days: int,
    ) -> None:
        self.meta = meta
        self.keyring = keyring
        self.http = httpx.AsyncClient(timeout=10.0)
        self.providers = {p.name: ProviderClient(p, self.http) for p in providers}
        self.new_users_active = new_users_active
        self.token_days = token_days

    async def close(self) -> None:
        await self.http.aclose()

    def list(self) -> list[OIDCProvider]:
        return [
            OIDCProvider(name=p.name, issuer=p.config.issuer, display_name=p.config.display_name)
            for p in self.providers.values()
        ]

    def _provider(self, name: str) -> ProviderClient:
        found = self.providers.get(name)
        if found is None:
            known = ", ".join(self.providers) or "none are configured"
            raise NotFound(f"No OIDC provider {name!r} (known: {known})")
        return found

    # -- flows in the store ---------------------------------------------------------------------
    async def _save(
        self, flow_id: str, provider: str, kind: str, secret: dict[str, str], seconds: int
    ) -> None:
        sealed = self.keyring.seal(json.dumps(secret).encode(), _PURPOSE)
        ts = now()
        async with self.meta.write() as s:
            await s.delete_expired_flows(ts)
            await s.insert_flow(
                FlowRecord(flow_id, provider, kind, sealed, ts + timedelta(seconds=seconds), ts)
            )

    async def _load(self, flow_id: str, provider: str, kind: str) -> dict[str, str]:
        async with self.meta.read() as s:
            flow = await s.get_flow(flow_id)
        if flow is None or flow.provider != provider or flow.kind != kind:
            raise NotFound("No such sign-in under way (finished, expired or never started)")
        if flow.expires_at <= now():
            raise Gone("This sign-in expired; start a new one")
        secret: dict[str, str] = json.loads(self.keyring.unseal(flow.sealed, _PURPOSE))
        return secret

    async def _finish(self, flow_id: str) -> None:
        async with self.meta.write() as s:
            if not await s.delete_flow(flow_id):
                raise NotFound("This sign-in was finished already")

    # -- device code ----------------------------------------------------------------------------
    async def device_start(self, name: str) -> DeviceSignIn:
        provider = self._provider(name)
        data = await provider.post_form(
            "device_authorization_endpoint", {"scope": " ".join(provider.config.scopes)}
        )
        if "device_code" not in data:
            raise Unauthenticated(
                f"The OIDC provider {name!r} refused a device sign-in: "
                f"{data.get('error_description') or data.get('error')}"
            )
        flow_id = new_id()
        expires_in = int(data.get("expires_in", 600))
        await self._save(flow_id, name, DEVICE, {"device_code": data["device_code"]}, expires_in)
        return DeviceSignIn(
            flow_id=flow_id,
            user_code=data["user_code"],
            verification_uri=data["verification_uri"],
            verification_uri_complete=data.get("verification_uri_complete"),
            expires_in=expires_in,
            interval=int(data.get("interval", 5)),
        )

    async def device_poll(self, name: str, flow_id: str) -> SignInResult:
        provider = self._provider(name)
        secret = await self._load(flow_id, name, DEVICE)
        answer = await provider.token(
            {
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                "device_code": secret["device_code"],
            }
        )
        if answer.error in ("authorization_pending", "slow_down"):
            status = "pending" if answer.error == "authorization_pending" else "slow_down"
            return SignInResult(status=status, detail="Waiting for you to sign in")
        await self._finish(flow_id)
        if answer.error == "expired_token":
            raise Gone("The device code expired before the sign-in finished; start again")
        if answer.error is not None:
            raise PermissionDenied(
                f"The OIDC provider {name!r} refused the sign-in ({answer.error}): "
                f"{answer.description}"
            )
        claims = await provider.user_claims(answer, nonce=None)
        return await self.sign_in(name, claims)

    # -- authorization code with PKCE -----------------------------------------------------------
    async def authorize(
        self, name: str, redirect_uri: str, *, binding: str | None = None
    ) -> BrowserSignIn:
        """Start a browser sign-in. With `binding` (a secret also set as a cookie in the
        browser), only that browser can finish it: no one can slip their own sign-in into
        someone else's browser (login CSRF)."""
        provider = self._provider(name)
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        secret = {"nonce": nonce, "verifier": verifier, "redirect_uri": redirect_uri}
        if binding is not None:
            secret["binding"] = hash_secret(binding)
        await self._save(state, name, BROWSER, secret, BROWSER_FLOW_SECONDS)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": provider.config.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(provider.config.scopes),
                "state": state,
                "nonce": nonce,
                "code_challenge": _challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        url = await provider.endpoint("authorization_endpoint")
        return BrowserSignIn(authorization_url=f"{url}?{query}", flow_id=state)

    async def callback(
        self, name: str, state: str, code: str, *, binding: str | None = None
    ) -> SignInResult:
        provider = self._provider(name)
        secret = await self._load(state, name, BROWSER)
        bound = secret.get("binding")
        # SECURITY: a flow started by /login finishes only in the browser that started it.
        if bound is not None and (
            binding is None or not secrets.compare_digest(bound, hash_secret(binding))
        ):
            raise PermissionDenied(
                "This sign-in was started in another browser; start it again here"
            )
        await self._finish(state)  # SECURITY: a state (and its code verifier) is used once
        answer = await provider.token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": secret["redirect_uri"],
                "code_verifier": secret["verifier"],
            }
        )
        if answer.error is not None:
            raise PermissionDenied(
                f"The OIDC provider {name!r} refused the code ({answer.error}): "
                f"{answer.description}"
            )
        claims = await provider.user_claims(answer, nonce=secret["nonce"])
        return await self.sign_in(name, claims)

    # -- the user and the token -----------------------------------------------------------------
    async def sign_in(self, provider: str, claims: dict[str, Any]) -> SignInResult:
        subject = str(claims["sub"])
        async with self.meta.write() as s:
            user_id = await s.get_identity(provider, subject)
            user = await s.get_user(user_id) if user_id else None
            if user is None:
                user = await self._new_user(s, provider, subject, claims)
            if not user.active:
                return SignInResult(
                    status="done",
                    user=user,
                    detail=f"Your account {user.name!r} waits for an administrator to activate "
                    "it; sign in again once they have",
                )
            secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
            token = Token(
                id=new_id(),
                user_id=user.id,
                name=f"oidc:{provider}",
                level=PermissionLevel.ADMIN,
                expires_at=now() + timedelta(days=self.token_days),
                created_at=now(),
            )
            await s.insert_token(TokenRecord(token, hash_secret(secret)))
            actor = Actor(user_id=user.id)
            await emit(s, actor, "token.created", None, token_id=token.id, user_id=user.id)
        return SignInResult(
            status="done", user=user, token=CreatedToken(**token.model_dump(), secret=secret)
        )

    async def _new_user(
        self, s: MetadataSession, provider: str, subject: str, claims: dict[str, Any]
    ) -> User:
        wanted = str(claims.get("preferred_username") or str(claims.get("email", "")).split("@")[0])
        base = _NAME_CHARS.sub("-", wanted).strip("-")[:48] or f"{provider}-user"
        name = base
        for _ in range(20):
            if await s.get_user_by_name(name) is None:
                break
            name = f"{base}-{secrets.token_hex(3)}"
        user = User(
            id=new_id(),
            name=name,
            display_name=str(claims.get("name") or ""),
            email=str(claims["email"]) if claims.get("email") else None,
            active=self.new_users_active,
            created_at=now(),
        )
        await s.insert_user(user)  # a concurrent sign-in taking the name fails this one
        await s.insert_identity(provider, subject, user.id, now())
        await emit(s, Actor(user_id=user.id), "user.created", None, user_id=user.id, oidc=provider)
        if not user.active:
            await notify(
                s,
                await s.list_admin_ids(),
                kind="user_signup",
                title=f"{user.name} signed up through {provider} and waits for activation",
                body=f"Activate with `PATCH /api/v2/users/{user.id}` (active: true)",
                ref_id=user.id,
            )
        return user
