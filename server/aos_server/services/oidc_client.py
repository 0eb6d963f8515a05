"""One OpenID Connect provider seen as a relying party: discovery, JWKS and ID token checks.

Signatures and claims are checked by joserfc against the keys the provider publishes
(`jwks_uri`, refetched once when a token names an unknown key); nothing here parses a JWT
by hand.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..errors import Unauthenticated, Unavailable
from ..oidc_settings import OIDCProviderSettings

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
DISCOVERY_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class TokenAnswer:
    """What a token endpoint said: tokens, or an OAuth error code."""

    error: str | None
    id_token: str | None = None
    access_token: str | None = None
    description: str = ""


class ProviderClient:
    def __init__(self, config: OIDCProviderSettings, http: httpx.AsyncClient) -> None:
        self.config = config
        self.http = http
        self._meta: dict[str, Any] | None = None
        self._meta_until = 0.0
        self._keys: KeySet | None = None

    @property
    def name(self) -> str:
        return self.config.name

    async def metadata(self) -> dict[str, Any]:
        """The discovery document (cached for an hour)."""
        if self._meta is not None and time.monotonic() < self._meta_until:
            return self._meta
        url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        doc = await self._get_json(url)
        # SECURITY: the document must be the issuer's own (OpenID Connect Discovery §4.3).
        if doc.get("issuer") != self.config.issuer:
            raise Unavailable(
                f"The OIDC provider {self.name!r} names itself {doc.get('issuer')!r}, "
                f"not {self.config.issuer!r}; check its issuer setting"
            )
        self._meta, self._meta_until = doc, time.monotonic() + DISCOVERY_SECONDS
        return doc

    async def endpoint(self, key: str) -> str:
        url = (await self.metadata()).get(key)
        if not isinstance(url, str):
            raise Unavailable(f"The OIDC provider {self.name!r} offers no {key}")
        return url

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self.http.get(url)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise Unavailable(f"The OIDC provider {self.name!r} is unreachable: {exc}") from exc
        if not isinstance(data, dict):
            raise Unavailable(f"The OIDC provider {self.name!r} sent no JSON object from {url}")
        return data

    def _auth(self, form: dict[str, str]) -> httpx.BasicAuth | None:
        """client_secret_basic for confidential clients; public clients send their id."""
        if self.config.client_secret is None:
            form["client_id"] = self.config.client_id
            return None
        return httpx.BasicAuth(self.config.client_id, self.config.client_secret.get_secret_value())

    async def post_form(self, endpoint_key: str, form: dict[str, str]) -> dict[str, Any]:
        url = await self.endpoint(endpoint_key)
        auth = self._auth(form)
        try:
            response = await self.http.post(url, data=form, auth=auth or httpx.USE_CLIENT_DEFAULT)
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise Unavailable(f"The OIDC provider {self.name!r} is unreachable: {exc}") from exc
        if not isinstance(data, dict):
            raise Unavailable(f"The OIDC provider {self.name!r} answered no JSON object")
        if response.status_code >= 400 and "error" not in data:
            raise Unavailable(f"The OIDC provider {self.name!r} answered {response.status_code}")
        return data

    async def token(self, form: dict[str, str]) -> TokenAnswer:
        data = await self.post_form("token_endpoint", form)
        if "error" in data:
            return TokenAnswer(str(data["error"]), description=str(data.get("error_description")))
        id_token = data.get("id_token")
        if not isinstance(id_token, str):
            raise Unauthenticated(f"The OIDC provider {self.name!r} sent no ID token")
        access = data.get("access_token")
        return TokenAnswer(
            None, id_token=id_token, access_token=access if isinstance(access, str) else None
        )

    async def _key_set(self, refresh: bool) -> KeySet:
        if self._keys is None or refresh:
            jwks = await self._get_json(await self.endpoint("jwks_uri"))
            self._keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        return self._keys

    async def verify_id_token(self, id_token: str, *, nonce: str | None) -> dict[str, Any]:
        """The claims of a valid ID token from this provider for this client, else raise."""
        try:
            token = jwt.decode(id_token, await self._key_set(False), algorithms=ALGORITHMS)
        except (JoseError, ValueError):
            # A key rotation: fetch the keys once more before refusing.
            try:
                token = jwt.decode(id_token, await self._key_set(True), algorithms=ALGORITHMS)
            except (JoseError, ValueError) as exc:
                raise Unauthenticated(
                    f"The ID token from {self.name!r} has no valid signature: {exc}"
                ) from exc
        checks: dict[str, Any] = {
            "iss": {"essential": True, "value": self.config.issuer},
            "aud": {"essential": True, "value": self.config.client_id},
            "sub": {"essential": True},
            "exp": {"essential": True},
        }
        if nonce is not None:
            checks["nonce"] = {"essential": True, "value": nonce}
        try:
            jwt.JWTClaimsRegistry(leeway=60, **checks).validate(token.claims)
        except JoseError as exc:
            raise Unauthenticated(f"The ID token from {self.name!r} is not valid: {exc}") from exc
        return dict(token.claims)

    async def user_claims(self, answer: TokenAnswer, *, nonce: str | None) -> dict[str, Any]:
        """The verified ID token's claims, completed from the userinfo endpoint.

        Many providers put only `sub` into the ID token; the profile (name, email) then comes
        from userinfo, and only when it is about the same subject (OpenID Connect Core §5.3.2).
        """
        claims = await self.verify_id_token(answer.id_token or "", nonce=nonce)
        url = (await self.metadata()).get("userinfo_endpoint")
        if not isinstance(url, str) or answer.access_token is None:
            return claims
        try:
            response = await self.http.get(
                url, headers={"Authorization": f"Bearer {answer.access_token}"}
            )
            info = response.json() if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError):
            return claims  # the profile is a nicety; the signed ID token is what counts
        if isinstance(info, dict) and info.get("sub") == claims["sub"]:
            return {**info, **claims}
        return claims
