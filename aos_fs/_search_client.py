"""Typed client methods for search and licenses (mixed into both clients)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from . import _requests as R
from .models import License, SearchResults


class SearchMethods:
    """`AOSClient` methods for search and licenses."""

    if TYPE_CHECKING:

        def _send(self, c: R.Call[R.T]) -> R.T: ...  # the client's own

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
        return self._send(
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

    def list_licenses(self) -> list[License]:
        """Known licenses."""
        return self._send(R.list_licenses())

    def add_license(self, tag: str, name: str, url: str = "") -> License:
        """Add a license (admins)."""
        return self._send(R.add_license(tag, name, url))


class AsyncSearchMethods:
    """The same for `AsyncAOSClient` (see `SearchMethods`)."""

    if TYPE_CHECKING:

        async def _send(self, c: R.Call[R.T]) -> R.T: ...  # the client's own

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
        return await self._send(
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

    async def list_licenses(self) -> list[License]:
        """Known licenses."""
        return await self._send(R.list_licenses())

    async def add_license(self, tag: str, name: str, url: str = "") -> License:
        """Add a license (admins)."""
        return await self._send(R.add_license(tag, name, url))
