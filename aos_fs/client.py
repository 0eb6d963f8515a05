"""Typed clients for the AOS JSON API: `AOSClient` (sync) and `AsyncAOSClient` (async).

Both have the same methods; the async one's are coroutines. Configuration comes from arguments,
then `AOS_URL`/`AOS_TOKEN`, then the profile file (see `aos_fs.config`). This module holds the
transport (sending, retries); each family of methods is a mixin in its own private module
(`_resources_client`, `_relations_client`, `_access_client`, `_search_client`, `_links_client`,
`_endpoints_client`).
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from datetime import UTC, datetime
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, cast

import httpx

from . import _requests as R
from ._access_client import AccessMethods, AsyncAccessMethods
from ._endpoints_client import AsyncEndpointMethods, EndpointMethods
from ._links_client import AsyncLinkMethods, LinkMethods
from ._relations_client import AsyncRelationMethods, RelationMethods
from ._requests import Call, T
from ._resources_client import AsyncResourceMethods, ResourceMethods
from ._search_client import AsyncSearchMethods, SearchMethods
from .config import Profile, load_profile
from .errors import translate
from .events import AsyncEvents, Events
from .governance import AsyncGovernance, Governance
from .models import WhoAmI

if TYPE_CHECKING:
    from .accounts import Accounts, AsyncAccounts

__version__ = "0.1.0"
RETRY_STATUS = frozenset({429, 502, 503, 504})


def _delay(attempt: int, response: httpx.Response | None) -> float:
    """Exponential backoff with jitter, or what Retry-After asks for (capped at 30 s)."""
    if response is not None and (after := response.headers.get("Retry-After")):
        if after.isdigit():
            return min(float(after), 30.0)
        when = email.utils.parsedate_to_datetime(after)
        if when is not None:
            return max(0.0, min((when - datetime.now(UTC)).total_seconds(), 30.0))
    return min(0.25 * 2.0**attempt, 8.0) * (0.5 + random.random() / 2)  # noqa: S311 - jitter


class _Base:
    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        profile: str | None = None,
        config_path: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
    ) -> None:
        self.profile: Profile = load_profile(profile, url=url, token=token, path=config_path)
        self.url = self.profile.url
        self.timeout = timeout
        self.retries = retries
        self._token = self.profile.token

    def __repr__(self) -> str:  # never show the token
        return f"{type(self).__name__}(url={self.url!r}, authenticated={self._token is not None})"

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": f"aos-py/{__version__}", "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _request(self, c: Call[Any]) -> httpx.Request:
        return httpx.Request(
            c.method,
            f"{self.url}/api/v2{c.path}",
            params=c.params or None,
            json=c.body,
            headers=self._headers(),
        )

    def _result(self, c: Call[T], response: httpx.Response) -> T:
        if response.status_code >= 400:
            raise translate(response)
        if c.result is None or response.status_code == 204:
            return cast("T", None)  # a call without a result type (or a 204) answers None
        return c.parse(response.content)


class AOSClient(
    ResourceMethods,
    RelationMethods,
    AccessMethods,
    SearchMethods,
    LinkMethods,
    EndpointMethods,
    _Base,
):
    """Synchronous client; use as a context manager or call `close()`."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        profile: str | None = None,
        config_path: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            url, token, profile=profile, config_path=config_path, timeout=timeout, retries=retries
        )
        self._transport = transport
        self._http = httpx.Client(timeout=timeout, transport=transport)
        self.events = Events(self)
        """Event consumers and subscriptions (`aos_fs.events`)."""
        self.governance = Governance(self)
        """Archives, snapshots, clones, usage, quotas and rules (`aos_fs.governance`)."""

    @cached_property
    def accounts(self) -> Accounts:
        """Notifications, access requests, workspaces, sign-in … (`aos_fs.accounts`)."""
        from .accounts import Accounts

        return Accounts(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def with_token(self, token: str | None) -> AOSClient:
        """A client for the same server acting with another token."""
        return (
            AOSClient(
                self.url,
                token,
                timeout=self.timeout,
                retries=self.retries,
                transport=self._transport,
            )
            if token
            else _anonymous(self)
        )

    def _send(self, c: Call[T]) -> T:
        attempt = 0
        while True:
            response: httpx.Response | None = None
            try:
                response = self._http.send(self._request(c))
                if (
                    response.status_code not in RETRY_STATUS
                    or not c.idempotent
                    or attempt >= self.retries
                ):
                    return self._result(c, response)
            except httpx.TransportError:
                if not c.idempotent or attempt >= self.retries:
                    raise
            time.sleep(_delay(attempt, response))
            attempt += 1

    def health(self) -> bool:
        try:
            return self._http.get(f"{self.url}/health").status_code == 200
        except httpx.HTTPError:
            return False

    def whoami(self) -> WhoAmI:
        """The caller and the token in use."""
        return self._send(R.whoami())

    def info(self) -> dict[str, Any]:
        """Service name and version."""
        return self._send(R.info())

    def openapi(self) -> dict[str, Any]:
        """The server's OpenAPI document."""
        return self._send(R.openapi())


def _anonymous(client: AOSClient) -> AOSClient:
    anon = AOSClient(
        client.url, "-", timeout=client.timeout, retries=client.retries, transport=client._transport
    )
    anon._token = None
    return anon


class AsyncAOSClient(
    AsyncResourceMethods,
    AsyncRelationMethods,
    AsyncAccessMethods,
    AsyncSearchMethods,
    AsyncLinkMethods,
    AsyncEndpointMethods,
    _Base,
):
    """Asynchronous client; use `async with` or `await aclose()`."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        profile: str | None = None,
        config_path: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            url, token, profile=profile, config_path=config_path, timeout=timeout, retries=retries
        )
        self._transport = transport
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)
        self.events = AsyncEvents(self)
        """Event consumers and `subscribe()` (`aos_fs.events`)."""
        self.governance = AsyncGovernance(self)
        """Archives, snapshots, clones, usage, quotas and rules (`aos_fs.governance`)."""

    @cached_property
    def accounts(self) -> AsyncAccounts:
        """Notifications, access requests, workspaces, sign-in … (`aos_fs.accounts`)."""
        from .accounts import AsyncAccounts

        return AsyncAccounts(self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def with_token(self, token: str | None) -> AsyncAOSClient:
        """A client for the same server acting with another token."""
        other = AsyncAOSClient(
            self.url,
            token or "-",
            timeout=self.timeout,
            retries=self.retries,
            transport=self._transport,
        )
        if token is None:
            other._token = None
        return other

    async def _send(self, c: Call[T]) -> T:
        attempt = 0
        while True:
            response: httpx.Response | None = None
            try:
                response = await self._http.send(self._request(c))
                if (
                    response.status_code not in RETRY_STATUS
                    or not c.idempotent
                    or attempt >= self.retries
                ):
                    return self._result(c, response)
            except httpx.TransportError:
                if not c.idempotent or attempt >= self.retries:
                    raise
            await asyncio.sleep(_delay(attempt, response))
            attempt += 1

    async def health(self) -> bool:
        try:
            return (await self._http.get(f"{self.url}/health")).status_code == 200
        except httpx.HTTPError:
            return False

    async def whoami(self) -> WhoAmI:
        """The caller and the token in use."""
        return await self._send(R.whoami())

    async def info(self) -> dict[str, Any]:
        """Service name and version."""
        return await self._send(R.info())

    async def openapi(self) -> dict[str, Any]:
        """The server's OpenAPI document."""
        return await self._send(R.openapi())
