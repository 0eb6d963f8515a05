"""Typed client methods for key-values and relations (mixed into both clients)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import _requests as R
from ._requests import KeyValueLike
from .models import Relation, RelationType, Resource


class RelationMethods:
    """`AOSClient` methods for key-values, external relations and relations."""

    if TYPE_CHECKING:

        def _send(self, c: R.Call[R.T]) -> R.T: ...  # the client's own

    def add_key_values(self, resource_id: str, key_values: Iterable[KeyValueLike]) -> Resource:
        """Add key-values."""
        return self._send(R.key_values(resource_id, key_values, []))

    def remove_key_values(self, resource_id: str, key_values: Iterable[KeyValueLike]) -> Resource:
        """Remove key-values."""
        return self._send(R.key_values(resource_id, [], key_values))

    def change_external_relations(
        self, resource_id: str, *, add: Iterable[Any] = (), remove: Iterable[Any] = ()
    ) -> Resource:
        """Add and remove external relations (URLs, DOIs)."""
        return self._send(R.external_relations(resource_id, add, remove))

    def relations(self, resource_id: str) -> list[Relation]:
        """Relations from and to a resource."""
        return self._send(R.relations(resource_id))

    def add_relation(
        self,
        origin_id: str,
        target_id: str,
        type: str | RelationType,
        *,
        custom_type: str | None = None,
    ) -> Relation:
        """Add a relation (BELONGS_TO adds a parent)."""
        return self._send(R.add_relation(origin_id, target_id, type, custom_type))

    def remove_relation(
        self,
        origin_id: str,
        target_id: str,
        type: str | RelationType,
        *,
        custom_type: str | None = None,
    ) -> None:
        """Remove a relation."""
        return self._send(R.remove_relation(origin_id, target_id, type, custom_type))


class AsyncRelationMethods:
    """The same for `AsyncAOSClient` (see `RelationMethods`)."""

    if TYPE_CHECKING:

        async def _send(self, c: R.Call[R.T]) -> R.T: ...  # the client's own

    async def add_key_values(
        self, resource_id: str, key_values: Iterable[KeyValueLike]
    ) -> Resource:
        """Add key-values."""
        return await self._send(R.key_values(resource_id, key_values, []))

    async def remove_key_values(
        self, resource_id: str, key_values: Iterable[KeyValueLike]
    ) -> Resource:
        """Remove key-values."""
        return await self._send(R.key_values(resource_id, [], key_values))

    async def change_external_relations(
        self, resource_id: str, *, add: Iterable[Any] = (), remove: Iterable[Any] = ()
    ) -> Resource:
        """Add and remove external relations (URLs, DOIs)."""
        return await self._send(R.external_relations(resource_id, add, remove))

    async def relations(self, resource_id: str) -> list[Relation]:
        """Relations from and to a resource."""
        return await self._send(R.relations(resource_id))

    async def add_relation(
        self,
        origin_id: str,
        target_id: str,
        type: str | RelationType,
        *,
        custom_type: str | None = None,
    ) -> Relation:
        """Add a relation (BELONGS_TO adds a parent)."""
        return await self._send(R.add_relation(origin_id, target_id, type, custom_type))

    async def remove_relation(
        self,
        origin_id: str,
        target_id: str,
        type: str | RelationType,
        *,
        custom_type: str | None = None,
    ) -> None:
        """Remove a relation."""
        return await self._send(R.remove_relation(origin_id, target_id, type, custom_type))
