"""Typed clients for the AOS JSON API: `AOSClient` (sync) and `AsyncAOSClient` (async).

Both have the same methods; the async one's are coroutines. Configuration comes from arguments,
then `AOS_URL`/`AOS_TOKEN`, then the profile file (see `aos_fs.config`).
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import httpx

from . import _requests as R
from ._endpoints_client import AsyncEndpointMethods, EndpointMethods
from ._requests import Call, KeyValueLike
from .config import Profile, load_profile
from .errors import translate
from .events import AsyncEvents, Events
from .governance import AsyncGovernance, Governance
from .models import (
    CreatedToken,
    License,
    ObjectVersion,
    Page,
    Permission,
    PermissionLevel,
    Relation,
    RelationType,
    Resource,
    S3Credentials,
    SearchResults,
    Token,
    User,
    WhoAmI,
)

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

    def _result(self, c: Call[Any], response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise translate(response)
        if c.result is None or response.status_code == 204:
            return None
        return c.parse(response.content)


class AOSClient(EndpointMethods, _Base):
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

    def _send(self, c: Call[Any]) -> Any:
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

    def iter_projects(self, *, page_size: int = 1000) -> Iterator[Resource]:
        """Every project you can see, following the pages."""
        cursor = None
        while True:
            page = self.list_projects(cursor=cursor, limit=page_size)
            yield from page.items
            if not (cursor := page.next_cursor):
                return

    def iter_children(
        self,
        resource_id: str,
        *,
        page_size: int = 1000,
        sort: str = "name",
        order: str = "asc",
        prefix: str | None = None,
    ) -> Iterator[Resource]:
        """Every child of a resource, following the pages."""
        cursor = None
        while True:
            page = self.children(
                resource_id, cursor=cursor, limit=page_size, sort=sort, order=order, prefix=prefix
            )
            yield from page.items
            if not (cursor := page.next_cursor):
                return

    def resolve_one(self, path: str) -> Resource:
        """The resource at the end of `path`."""
        return self.resolve(path)[-1]

    def health(self) -> bool:
        try:
            return self._http.get(f"{self.url}/health").status_code == 200
        except httpx.HTTPError:
            return False

    def whoami(self) -> WhoAmI:
        """The caller and the token in use."""
        return self._send(R.whoami())  # type: ignore[no-any-return]

    def info(self) -> dict[str, Any]:
        """Service name and version."""
        return self._send(R.info())  # type: ignore[no-any-return]

    def openapi(self) -> dict[str, Any]:
        """The server's OpenAPI document."""
        return self._send(R.openapi())  # type: ignore[no-any-return]

    def list_projects(
        self, *, cursor: str | None = None, limit: int = 100, prefix: str | None = None
    ) -> Page[Resource]:
        """One page of the projects you can see."""
        return self._send(R.list_projects(cursor, limit, prefix))  # type: ignore[no-any-return]

    def create_project(self, name: str, **fields: Any) -> Resource:
        """Create a project (you become its admin)."""
        return self._send(R.create("projects", name, None, fields))  # type: ignore[no-any-return]

    def create_collection(self, parent_id: str, name: str, **fields: Any) -> Resource:
        """Create a collection in a project."""
        return self._send(R.create("collections", name, parent_id, fields))  # type: ignore[no-any-return]

    def create_dataset(self, parent_id: str, name: str, **fields: Any) -> Resource:
        """Create a dataset in a project or collection."""
        return self._send(R.create("datasets", name, parent_id, fields))  # type: ignore[no-any-return]

    def create_object(self, parent_id: str, name: str, **fields: Any) -> Resource:
        """Create an object's metadata (its bytes go through S3)."""
        return self._send(R.create("objects", name, parent_id, fields))  # type: ignore[no-any-return]

    def get(self, resource_id: str, *, stats: bool = False) -> Resource:
        """One resource, with container statistics when `stats`."""
        return self._send(R.get(resource_id, stats))  # type: ignore[no-any-return]

    def resolve(self, path: str) -> list[Resource]:
        """The resources along `project/collection/dataset/object`."""
        return self._send(R.resolve(path))  # type: ignore[no-any-return]

    def children(
        self,
        resource_id: str,
        *,
        cursor: str | None = None,
        limit: int = 100,
        sort: str = "name",
        order: str = "asc",
        prefix: str | None = None,
    ) -> Page[Resource]:
        """One page of a resource's children."""
        return self._send(R.children(resource_id, cursor, limit, sort, order, prefix))  # type: ignore[no-any-return]

    def update(self, resource_id: str, **changes: Any) -> Resource:
        """Change name, title, description, authors, licenses or data class."""
        return self._send(R.update(resource_id, changes))  # type: ignore[no-any-return]

    def add_key_values(self, resource_id: str, key_values: Iterable[KeyValueLike]) -> Resource:
        """Add key-values."""
        return self._send(R.key_values(resource_id, key_values, []))  # type: ignore[no-any-return]

    def remove_key_values(self, resource_id: str, key_values: Iterable[KeyValueLike]) -> Resource:
        """Remove key-values."""
        return self._send(R.key_values(resource_id, [], key_values))  # type: ignore[no-any-return]

    def change_external_relations(
        self, resource_id: str, *, add: Iterable[Any] = (), remove: Iterable[Any] = ()
    ) -> Resource:
        """Add and remove external relations (URLs, DOIs)."""
        return self._send(R.external_relations(resource_id, add, remove))  # type: ignore[no-any-return]

    def delete(self, resource_id: str) -> Resource:
        """Soft-delete a resource (and children with no other parent)."""
        return self._send(R.delete(resource_id))  # type: ignore[no-any-return]

    def restore(self, resource_id: str) -> Resource:
        """Restore a deleted resource (admins)."""
        return self._send(R.restore(resource_id))  # type: ignore[no-any-return]

    def relations(self, resource_id: str) -> list[Relation]:
        """Relations from and to a resource."""
        return self._send(R.relations(resource_id))  # type: ignore[no-any-return]

    def add_relation(
        self,
        origin_id: str,
        target_id: str,
        type: str | RelationType,
        *,
        custom_type: str | None = None,
    ) -> Relation:
        """Add a relation (BELONGS_TO adds a parent)."""
        return self._send(R.add_relation(origin_id, target_id, type, custom_type))  # type: ignore[no-any-return]

    def remove_relation(
        self,
        origin_id: str,
        target_id: str,
        type: str | RelationType,
        *,
        custom_type: str | None = None,
    ) -> None:
        """Remove a relation."""
        return self._send(R.remove_relation(origin_id, target_id, type, custom_type))  # type: ignore[no-any-return]

    def versions(self, object_id: str) -> list[ObjectVersion]:
        """All revisions of an object, oldest first."""
        return self._send(R.versions(object_id))  # type: ignore[no-any-return]

    def version(self, object_id: str, revision: int) -> ObjectVersion:
        """One revision of an object."""
        return self._send(R.version(object_id, revision))  # type: ignore[no-any-return]

    def version_by_id(self, version_id: str) -> ObjectVersion:
        """A revision by its version id (the S3 versionId)."""
        return self._send(R.version_by_id(version_id))  # type: ignore[no-any-return]

    def permissions(self, resource_id: str) -> list[Permission]:
        """Grants on a resource (admins)."""
        return self._send(R.permissions(resource_id))  # type: ignore[no-any-return]

    def grant(self, resource_id: str, user_id: str, level: str | PermissionLevel) -> Permission:
        """Grant a level to a user; NONE revokes."""
        return self._send(R.grant(resource_id, user_id, level))  # type: ignore[no-any-return]

    def list_users(self, *, after: str | None = None, limit: int = 100) -> list[User]:
        """Users, by name (admins)."""
        return self._send(R.list_users(after, limit))  # type: ignore[no-any-return]

    def create_user(
        self, name: str, *, display_name: str = "", email: str | None = None, is_admin: bool = False
    ) -> User:
        """Create a user (admins)."""
        return self._send(R.create_user(name, display_name, email, is_admin))  # type: ignore[no-any-return]

    def get_user(self, user_id: str) -> User:
        """A user (yourself, or anyone for admins)."""
        return self._send(R.get_user(user_id))  # type: ignore[no-any-return]

    def set_user_state(
        self, user_id: str, *, active: bool | None = None, is_admin: bool | None = None
    ) -> User:
        """Activate, deactivate or promote a user (admins)."""
        return self._send(R.set_user_state(user_id, active, is_admin))  # type: ignore[no-any-return]

    def create_service_account(
        self, name: str, project_id: str, level: str | PermissionLevel = "READ"
    ) -> User:
        """A service account with a level on a project."""
        return self._send(R.create_service_account(name, project_id, level))  # type: ignore[no-any-return]

    def list_tokens(self, *, user_id: str | None = None) -> list[Token]:
        """Your tokens (or another user's, for admins)."""
        return self._send(R.list_tokens(user_id))  # type: ignore[no-any-return]

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
        return self._send(R.create_token(name, scope_id, level, expires_at, user_id))  # type: ignore[no-any-return]

    def delete_token(self, token_id: str) -> None:
        """Revoke a token."""
        return self._send(R.delete_token(token_id))  # type: ignore[no-any-return]

    def list_s3_credentials(self) -> list[S3Credentials]:
        """Your S3 access keys (without secrets)."""
        return self._send(R.list_s3_credentials())  # type: ignore[no-any-return]

    def create_s3_credentials(self, *, token_id: str | None = None) -> S3Credentials:
        """New S3 keys; the secret is in the result only."""
        return self._send(R.create_s3_credentials(token_id))  # type: ignore[no-any-return]

    def delete_s3_credentials(self, access_key_id: str) -> None:
        """Revoke S3 keys."""
        return self._send(R.delete_s3_credentials(access_key_id))  # type: ignore[no-any-return]

    def list_licenses(self) -> list[License]:
        """Known licenses."""
        return self._send(R.list_licenses())  # type: ignore[no-any-return]

    def add_license(self, tag: str, name: str, url: str = "") -> License:
        """Add a license (admins)."""
        return self._send(R.add_license(tag, name, url))  # type: ignore[no-any-return]

    def search(
        self,
        q: str = "",
        *,
        kind: str | Iterable[str] | None = None,
        data_class: str | Iterable[str] | None = None,
        license: str | None = None,
        kv: Mapping[str, str | None] | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        within: str | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> SearchResults:
        """Resources matching words and filters, best first (see docs/search.md)."""
        return self._send(  # type: ignore[no-any-return]
            R.search(
                q,
                kind=kind,
                data_class=data_class,
                license=license,
                kv=kv,
                created_after=created_after,
                created_before=created_before,
                within=within,
                limit=limit,
                cursor=cursor,
            )
        )

    def presign(
        self,
        path: str,
        *,
        method: str = "GET",
        expires_in: int = 3600,
        version_id: str | None = None,
    ) -> dict[str, Any]:
        """A presigned S3 URL for `project/key` (a GET may name a version)."""
        return self._send(R.presign(path, method, expires_in, version_id))  # type: ignore[no-any-return]

    def create_bundle(
        self,
        resource_ids: list[str],
        *,
        format: str = "tar.gz",
        expires_in: int = 3600,
        once: bool = False,
    ) -> dict[str, Any]:
        """A link streaming the resources as one `.tar.gz` or `.zip` (`url`, `expires_at`)."""
        return self._send(R.create_bundle(resource_ids, format, expires_in, once))  # type: ignore[no-any-return]


def _anonymous(client: AOSClient) -> AOSClient:
    anon = AOSClient(
        client.url, "-", timeout=client.timeout, retries=client.retries, transport=client._transport
    )
    anon._token = None
    return anon


class AsyncAOSClient(AsyncEndpointMethods, _Base):
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

    async def _send(self, c: Call[Any]) -> Any:
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

    async def iter_projects(self, *, page_size: int = 1000) -> AsyncIterator[Resource]:
        """Every project you can see, following the pages."""
        cursor = None
        while True:
            page = await self.list_projects(cursor=cursor, limit=page_size)
            for item in page.items:
                yield item
            if not (cursor := page.next_cursor):
                return

    async def iter_children(
        self,
        resource_id: str,
        *,
        page_size: int = 1000,
        sort: str = "name",
        order: str = "asc",
        prefix: str | None = None,
    ) -> AsyncIterator[Resource]:
        """Every child of a resource, following the pages."""
        cursor = None
        while True:
            page = await self.children(
                resource_id, cursor=cursor, limit=page_size, sort=sort, order=order, prefix=prefix
            )
            for item in page.items:
                yield item
            if not (cursor := page.next_cursor):
                return

    async def resolve_one(self, path: str) -> Resource:
        """The resource at the end of `path`."""
        return (await self.resolve(path))[-1]

    async def health(self) -> bool:
        try:
            return (await self._http.get(f"{self.url}/health")).status_code == 200
        except httpx.HTTPError:
            return False

    async def whoami(self) -> WhoAmI:
        """The caller and the token in use."""
        return await self._send(R.whoami())  # type: ignore[no-any-return]

    async def info(self) -> dict[str, Any]:
        """Service name and version."""
        return await self._send(R.info())  # type: ignore[no-any-return]

    async def openapi(self) -> dict[str, Any]:
        """The server's OpenAPI document."""
        return await self._send(R.openapi())  # type: ignore[no-any-return]

    async def list_projects(
        self, *, cursor: str | None = None, limit: int = 100, prefix: str | None = None
    ) -> Page[Resource]:
        """One page of the projects you can see (with `prefix`: names starting with it)."""
        return await self._send(R.list_projects(cursor, limit, prefix))  # type: ignore[no-any-return]

    async def create_project(self, name: str, **fields: Any) -> Resource:
        """Create a project (you become its admin)."""
        return await self._send(R.create("projects", name, None, fields))  # type: ignore[no-any-return]

    async def create_collection(self, parent_id: str, name: str, **fields: Any) -> Resource:
        """Create a collection in a project."""
        return await self._send(R.create("collections", name, parent_id, fields))  # type: ignore[no-any-return]

    async def create_dataset(self, parent_id: str, name: str, **fields: Any) -> Resource:
        """Create a dataset in a project or collection."""
        return await self._send(R.create("datasets", name, parent_id, fields))  # type: ignore[no-any-return]

    async def create_object(self, parent_id: str, name: str, **fields: Any) -> Resource:
        """Create an object's metadata (its bytes go through S3)."""
        return await self._send(R.create("objects", name, parent_id, fields))  # type: ignore[no-any-return]

    async def get(self, resource_id: str, *, stats: bool = False) -> Resource:
        """One resource, with container statistics when `stats`."""
        return await self._send(R.get(resource_id, stats))  # type: ignore[no-any-return]

    async def resolve(self, path: str) -> list[Resource]:
        """The resources along `project/collection/dataset/object`."""
        return await self._send(R.resolve(path))  # type: ignore[no-any-return]

    async def children(
        self,
        resource_id: str,
        *,
        cursor: str | None = None,
        limit: int = 100,
        sort: str = "name",
        order: str = "asc",
        prefix: str | None = None,
    ) -> Page[Resource]:
        """One page of a resource's children."""
        return await self._send(R.children(resource_id, cursor, limit, sort, order, prefix))  # type: ignore[no-any-return]

    async def update(self, resource_id: str, **changes: Any) -> Resource:
        """Change name, title, description, authors, licenses or data class."""
        return await self._send(R.update(resource_id, changes))  # type: ignore[no-any-return]

    async def add_key_values(
        self, resource_id: str, key_values: Iterable[KeyValueLike]
    ) -> Resource:
        """Add key-values."""
        return await self._send(R.key_values(resource_id, key_values, []))  # type: ignore[no-any-return]

    async def remove_key_values(
        self, resource_id: str, key_values: Iterable[KeyValueLike]
    ) -> Resource:
        """Remove key-values."""
        return await self._send(R.key_values(resource_id, [], key_values))  # type: ignore[no-any-return]

    async def change_external_relations(
        self, resource_id: str, *, add: Iterable[Any] = (), remove: Iterable[Any] = ()
    ) -> Resource:
        """Add and remove external relations (URLs, DOIs)."""
        return await self._send(R.external_relations(resource_id, add, remove))  # type: ignore[no-any-return]

    async def delete(self, resource_id: str) -> Resource:
        """Soft-delete a resource (and children with no other parent)."""
        return await self._send(R.delete(resource_id))  # type: ignore[no-any-return]

    async def restore(self, resource_id: str) -> Resource:
        """Restore a deleted resource (admins)."""
        return await self._send(R.restore(resource_id))  # type: ignore[no-any-return]

    async def relations(self, resource_id: str) -> list[Relation]:
        """Relations from and to a resource."""
        return await self._send(R.relations(resource_id))  # type: ignore[no-any-return]

    async def add_relation(
        self,
        origin_id: str,
        target_id: str,
        type: str | RelationType,
        *,
        custom_type: str | None = None,
    ) -> Relation:
        """Add a relation (BELONGS_TO adds a parent)."""
        return await self._send(R.add_relation(origin_id, target_id, type, custom_type))  # type: ignore[no-any-return]

    async def remove_relation(
        self,
        origin_id: str,
        target_id: str,
        type: str | RelationType,
        *,
        custom_type: str | None = None,
    ) -> None:
        """Remove a relation."""
        return await self._send(R.remove_relation(origin_id, target_id, type, custom_type))  # type: ignore[no-any-return]

    async def versions(self, object_id: str) -> list[ObjectVersion]:
        """All revisions of an object, oldest first."""
        return await self._send(R.versions(object_id))  # type: ignore[no-any-return]

    async def version(self, object_id: str, revision: int) -> ObjectVersion:
        """One revision of an object."""
        return await self._send(R.version(object_id, revision))  # type: ignore[no-any-return]

    async def version_by_id(self, version_id: str) -> ObjectVersion:
        """A revision by its version id (the S3 versionId)."""
        return await self._send(R.version_by_id(version_id))  # type: ignore[no-any-return]

    async def permissions(self, resource_id: str) -> list[Permission]:
        """Grants on a resource (admins)."""
        return await self._send(R.permissions(resource_id))  # type: ignore[no-any-return]

    async def grant(
        self, resource_id: str, user_id: str, level: str | PermissionLevel
    ) -> Permission:
        """Grant a level to a user; NONE revokes."""
        return await self._send(R.grant(resource_id, user_id, level))  # type: ignore[no-any-return]

    async def list_users(self, *, after: str | None = None, limit: int = 100) -> list[User]:
        """Users, by name (admins)."""
        return await self._send(R.list_users(after, limit))  # type: ignore[no-any-return]

    async def create_user(
        self, name: str, *, display_name: str = "", email: str | None = None, is_admin: bool = False
    ) -> User:
        """Create a user (admins)."""
        return await self._send(R.create_user(name, display_name, email, is_admin))  # type: ignore[no-any-return]

    async def get_user(self, user_id: str) -> User:
        """A user (yourself, or anyone for admins)."""
        return await self._send(R.get_user(user_id))  # type: ignore[no-any-return]

    async def set_user_state(
        self, user_id: str, *, active: bool | None = None, is_admin: bool | None = None
    ) -> User:
        """Activate, deactivate or promote a user (admins)."""
        return await self._send(R.set_user_state(user_id, active, is_admin))  # type: ignore[no-any-return]

    async def create_service_account(
        self, name: str, project_id: str, level: str | PermissionLevel = "READ"
    ) -> User:
        """A service account with a level on a project."""
        return await self._send(R.create_service_account(name, project_id, level))  # type: ignore[no-any-return]

    async def list_tokens(self, *, user_id: str | None = None) -> list[Token]:
        """Your tokens (or another user's, for admins)."""
        return await self._send(R.list_tokens(user_id))  # type: ignore[no-any-return]

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
        return await self._send(R.create_token(name, scope_id, level, expires_at, user_id))  # type: ignore[no-any-return]

    async def delete_token(self, token_id: str) -> None:
        """Revoke a token."""
        return await self._send(R.delete_token(token_id))  # type: ignore[no-any-return]

    async def list_s3_credentials(self) -> list[S3Credentials]:
        """Your S3 access keys (without secrets)."""
        return await self._send(R.list_s3_credentials())  # type: ignore[no-any-return]

    async def create_s3_credentials(self, *, token_id: str | None = None) -> S3Credentials:
        """New S3 keys; the secret is in the result only."""
        return await self._send(R.create_s3_credentials(token_id))  # type: ignore[no-any-return]

    async def delete_s3_credentials(self, access_key_id: str) -> None:
        """Revoke S3 keys."""
        return await self._send(R.delete_s3_credentials(access_key_id))  # type: ignore[no-any-return]

    async def list_licenses(self) -> list[License]:
        """Known licenses."""
        return await self._send(R.list_licenses())  # type: ignore[no-any-return]

    async def add_license(self, tag: str, name: str, url: str = "") -> License:
        """Add a license (admins)."""
        return await self._send(R.add_license(tag, name, url))  # type: ignore[no-any-return]

    async def search(
        self,
        q: str = "",
        *,
        kind: str | Iterable[str] | None = None,
        data_class: str | Iterable[str] | None = None,
        license: str | None = None,
        kv: Mapping[str, str | None] | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        within: str | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> SearchResults:
        """Resources matching words and filters, best first (see docs/search.md)."""
        return await self._send(  # type: ignore[no-any-return]
            R.search(
                q,
                kind=kind,
                data_class=data_class,
                license=license,
                kv=kv,
                created_after=created_after,
                created_before=created_before,
                within=within,
                limit=limit,
                cursor=cursor,
            )
        )

    async def presign(
        self,
        path: str,
        *,
        method: str = "GET",
        expires_in: int = 3600,
        version_id: str | None = None,
    ) -> dict[str, Any]:
        """A presigned S3 URL for `project/key` (a GET may name a version)."""
        return await self._send(R.presign(path, method, expires_in, version_id))  # type: ignore[no-any-return]

    async def create_bundle(
        self,
        resource_ids: list[str],
        *,
        format: str = "tar.gz",
        expires_in: int = 3600,
        once: bool = False,
    ) -> dict[str, Any]:
        """A link streaming the resources as one `.tar.gz` or `.zip` (`url`, `expires_at`)."""
        return await self._send(R.create_bundle(resource_ids, format, expires_in, once))  # type: ignore[no-any-return]
