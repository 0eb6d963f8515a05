"""Typed client methods for resources and object versions (mixed into both clients)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from . import _requests as R
from .models import ObjectVersion, Page, Resource


class ResourceMethods:
    """`AOSClient` methods for projects, resources and object versions."""

    if TYPE_CHECKING:

        def _send(self, c: R.Call[R.T]) -> R.T: ...  # the client's own

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

    def list_projects(
        self, *, cursor: str | None = None, limit: int = 100, prefix: str | None = None
    ) -> Page[Resource]:
        """One page of the projects you can see."""
        return self._send(R.list_projects(cursor, limit, prefix))

    def create_project(self, name: str, **fields: Any) -> Resource:
        """Create a project (you become its admin)."""
        return self._send(R.create("projects", name, None, fields))

    def create_collection(self, parent_id: str, name: str, **fields: Any) -> Resource:
        """Create a collection in a project."""
        return self._send(R.create("collections", name, parent_id, fields))

    def create_dataset(self, parent_id: str, name: str, **fields: Any) -> Resource:
        """Create a dataset in a project or collection."""
        return self._send(R.create("datasets", name, parent_id, fields))

    def create_object(self, parent_id: str, name: str, **fields: Any) -> Resource:
        """Create an object's metadata (its bytes go through S3)."""
        return self._send(R.create("objects", name, parent_id, fields))

    def get(self, resource_id: str, *, stats: bool = False) -> Resource:
        """One resource, with container statistics when `stats`."""
        return self._send(R.get(resource_id, stats))

    def resolve(self, path: str) -> list[Resource]:
        """The resources along `project/collection/dataset/object`."""
        return self._send(R.resolve(path))

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
        return self._send(R.children(resource_id, cursor, limit, sort, order, prefix))

    def update(self, resource_id: str, **changes: Any) -> Resource:
        """Change name, title, description, authors, licenses or data class."""
        return self._send(R.update(resource_id, changes))

    def delete(self, resource_id: str) -> Resource:
        """Soft-delete a resource (and children with no other parent)."""
        return self._send(R.delete(resource_id))

    def restore(self, resource_id: str) -> Resource:
        """Restore a deleted resource (admins)."""
        return self._send(R.restore(resource_id))

    def versions(self, object_id: str) -> list[ObjectVersion]:
        """All revisions of an object, oldest first."""
        return self._send(R.versions(object_id))

    def version(self, object_id: str, revision: int) -> ObjectVersion:
        """One revision of an object."""
        return self._send(R.version(object_id, revision))

    def version_by_id(self, version_id: str) -> ObjectVersion:
        """A revision by its version id (the S3 versionId)."""
        return self._send(R.version_by_id(version_id))


class AsyncResourceMethods:
    """The same for `AsyncAOSClient` (see `ResourceMethods`)."""

    if TYPE_CHECKING:

        async def _send(self, c: R.Call[R.T]) -> R.T: ...  # the client's own

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

    async def list_projects(
        self, *, cursor: str | None = None, limit: int = 100, prefix: str | None = None
    ) -> Page[Resource]:
        """One page of the projects you can see (with `prefix`: names starting with it)."""
        return await self._send(R.list_projects(cursor, limit, prefix))

    async def create_project(self, name: str, **fields: Any) -> Resource:
        """Create a project (you become its admin)."""
        return await self._send(R.create("projects", name, None, fields))

    async def create_collection(self, parent_id: str, name: str, **fields: Any) -> Resource:
        """Create a collection in a project."""
        return await self._send(R.create("collections", name, parent_id, fields))

    async def create_dataset(self, parent_id: str, name: str, **fields: Any) -> Resource:
        """Create a dataset in a project or collection."""
        return await self._send(R.create("datasets", name, parent_id, fields))

    async def create_object(self, parent_id: str, name: str, **fields: Any) -> Resource:
        """Create an object's metadata (its bytes go through S3)."""
        return await self._send(R.create("objects", name, parent_id, fields))

    async def get(self, resource_id: str, *, stats: bool = False) -> Resource:
        """One resource, with container statistics when `stats`."""
        return await self._send(R.get(resource_id, stats))

    async def resolve(self, path: str) -> list[Resource]:
        """The resources along `project/collection/dataset/object`."""
        return await self._send(R.resolve(path))

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
        return await self._send(R.children(resource_id, cursor, limit, sort, order, prefix))

    async def update(self, resource_id: str, **changes: Any) -> Resource:
        """Change name, title, description, authors, licenses or data class."""
        return await self._send(R.update(resource_id, changes))

    async def delete(self, resource_id: str) -> Resource:
        """Soft-delete a resource (and children with no other parent)."""
        return await self._send(R.delete(resource_id))

    async def restore(self, resource_id: str) -> Resource:
        """Restore a deleted resource (admins)."""
        return await self._send(R.restore(resource_id))

    async def versions(self, object_id: str) -> list[ObjectVersion]:
        """All revisions of an object, oldest first."""
        return await self._send(R.versions(object_id))

    async def version(self, object_id: str, revision: int) -> ObjectVersion:
        """One revision of an object."""
        return await self._send(R.version(object_id, revision))

    async def version_by_id(self, version_id: str) -> ObjectVersion:
        """A revision by its version id (the S3 versionId)."""
        return await self._send(R.version_by_id(version_id))
