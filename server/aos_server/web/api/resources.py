"""Routes for projects, collections, datasets, objects and the graph between them."""

from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from aos_fs.models import (
    CollectionCreate,
    DatasetCreate,
    ExternalRelationChange,
    KeyValueChange,
    Kind,
    ObjectCreate,
    ObjectVersion,
    Page,
    Permission,
    PermissionGrant,
    ProjectCreate,
    Relation,
    RelationCreate,
    Resource,
    ResourceUpdate,
)

from ...domain.numbers import parse_uint
from ...domain.permissions import Actor
from ...keys import GRAPH, OBJECTS, RESOURCES
from ...replication.keys import ENDPOINTS
from .routing import ApiRouter

router = ApiRouter()
TAG = "resources"


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PageQuery(_Query):
    cursor: str | None = Field(default=None, description="`next_cursor` of the previous page")
    limit: Annotated[int, Field(ge=1, le=10_000)] = 100


class ProjectsQuery(PageQuery):
    prefix: str | None = Field(default=None, description="Only names starting with this")


class ChildrenQuery(PageQuery):
    sort: Literal["name", "created_at", "updated_at", "size"] = "name"
    order: Literal["asc", "desc"] = "asc"
    prefix: str | None = Field(default=None, description="Only names starting with this")


class GetQuery(_Query):
    stats: bool = Field(default=False, description="Include container statistics")


class ResolveQuery(_Query):
    path: Annotated[str, Field(min_length=1, max_length=4096)]


# -- creation -----------------------------------------------------------------------------------
@router.op(
    "POST",
    "/projects",
    summary="Create a project",
    tag=TAG,
    body=ProjectCreate,
    response=Resource,
    status=201,
)
async def create_project(request: web.Request, actor: Actor, body: ProjectCreate) -> Resource:
    return await request.config_dict[RESOURCES].create(actor, Kind.PROJECT, body)


@router.op(
    "POST",
    "/collections",
    summary="Create a collection",
    tag=TAG,
    body=CollectionCreate,
    response=Resource,
    status=201,
)
async def create_collection(request: web.Request, actor: Actor, body: CollectionCreate) -> Resource:
    return await request.config_dict[RESOURCES].create(actor, Kind.COLLECTION, body)


@router.op(
    "POST",
    "/datasets",
    summary="Create a dataset",
    tag=TAG,
    body=DatasetCreate,
    response=Resource,
    status=201,
)
async def create_dataset(request: web.Request, actor: Actor, body: DatasetCreate) -> Resource:
    return await request.config_dict[RESOURCES].create(actor, Kind.DATASET, body)


@router.op(
    "POST",
    "/objects",
    summary="Create an object's metadata (data goes through S3)",
    tag=TAG,
    body=ObjectCreate,
    response=Resource,
    status=201,
)
async def create_object(request: web.Request, actor: Actor, body: ObjectCreate) -> Resource:
    return await request.config_dict[RESOURCES].create(actor, Kind.OBJECT, body)


# -- reading ------------------------------------------------------------------------------------
@router.op(
    "GET",
    "/projects",
    summary="List the projects you can see",
    tag=TAG,
    query=ProjectsQuery,
    response=Page[Resource],
)
async def list_projects(request: web.Request, actor: Actor, query: ProjectsQuery) -> Page[Resource]:
    return await request.config_dict[RESOURCES].list_projects(
        actor, cursor=query.cursor, limit=query.limit, prefix=query.prefix
    )


@router.op(
    "GET", "/resources/{id}", summary="Get a resource", tag=TAG, query=GetQuery, response=Resource
)
async def get_resource(request: web.Request, actor: Actor, id: str, query: GetQuery) -> Resource:
    found = await request.config_dict[RESOURCES].get(actor, id, with_stats=query.stats)
    return await request.config_dict[ENDPOINTS].with_endpoints(found)  # replicas of objects


@router.op(
    "GET",
    "/resources/{id}/children",
    summary="List children, page by page",
    tag=TAG,
    query=ChildrenQuery,
    response=Page[Resource],
)
async def children(
    request: web.Request, actor: Actor, id: str, query: ChildrenQuery
) -> Page[Resource]:
    return await request.config_dict[RESOURCES].children(
        actor,
        id,
        cursor=query.cursor,
        limit=query.limit,
        sort=query.sort,
        descending=query.order == "desc",
        prefix=query.prefix,
    )


@router.op(
    "GET",
    "/resolve",
    summary="Resolve project/collection/dataset/object to resources",
    tag=TAG,
    query=ResolveQuery,
    response=list[Resource],
)
async def resolve(request: web.Request, actor: Actor, query: ResolveQuery) -> list[Resource]:
    return await request.config_dict[RESOURCES].resolve(actor, query.path)


# -- updating -----------------------------------------------------------------------------------
@router.op(
    "PATCH",
    "/resources/{id}",
    summary="Update name, title, description, authors, licenses or data class",
    tag=TAG,
    body=ResourceUpdate,
    response=Resource,
)
async def update_resource(
    request: web.Request, actor: Actor, id: str, body: ResourceUpdate
) -> Resource:
    return await request.config_dict[RESOURCES].update(actor, id, body)


@router.op(
    "PATCH",
    "/resources/{id}/key-values",
    summary="Add and remove key-values",
    tag=TAG,
    body=KeyValueChange,
    response=Resource,
)
async def change_key_values(
    request: web.Request, actor: Actor, id: str, body: KeyValueChange
) -> Resource:
    return await request.config_dict[RESOURCES].change_key_values(actor, id, body)


@router.op(
    "PATCH",
    "/resources/{id}/external-relations",
    summary="Add and remove external relations (URLs, identifiers such as DOIs)",
    tag=TAG,
    body=ExternalRelationChange,
    response=Resource,
)
async def change_external(
    request: web.Request, actor: Actor, id: str, body: ExternalRelationChange
) -> Resource:
    return await request.config_dict[RESOURCES].change_external_relations(actor, id, body)


@router.op(
    "DELETE",
    "/resources/{id}",
    summary="Soft-delete a resource and its sole children",
    tag=TAG,
    response=Resource,
)
async def delete_resource(request: web.Request, actor: Actor, id: str) -> Resource:
    return await request.config_dict[GRAPH].delete(actor, id)


@router.op(
    "POST",
    "/resources/{id}/restore",
    summary="Restore a deleted resource (admins)",
    tag=TAG,
    response=Resource,
)
async def restore_resource(request: web.Request, actor: Actor, id: str) -> Resource:
    return await request.config_dict[GRAPH].restore(actor, id)


# -- relations ----------------------------------------------------------------------------------
@router.op(
    "GET",
    "/resources/{id}/relations",
    summary="Relations from and to a resource",
    tag=TAG,
    response=list[Relation],
)
async def relations(request: web.Request, actor: Actor, id: str) -> list[Relation]:
    return await request.config_dict[GRAPH].relations(actor, id)


@router.op(
    "POST",
    "/resources/{id}/relations",
    summary="Add a relation from this resource (BELONGS_TO adds a child)",
    tag=TAG,
    body=RelationCreate,
    response=Relation,
    status=201,
)
async def add_relation(
    request: web.Request, actor: Actor, id: str, body: RelationCreate
) -> Relation:
    return await request.config_dict[GRAPH].add_relation(actor, id, body)


@router.op(
    "POST",
    "/resources/{id}/relations/remove",
    summary="Remove a relation",
    tag=TAG,
    body=RelationCreate,
)
async def remove_relation(
    request: web.Request, actor: Actor, id: str, body: RelationCreate
) -> None:
    await request.config_dict[GRAPH].remove_relation(actor, id, body)


# -- versions -----------------------------------------------------------------------------------
@router.op(
    "GET",
    "/resources/{id}/versions",
    summary="All revisions of an object",
    tag=TAG,
    response=list[ObjectVersion],
)
async def versions(request: web.Request, actor: Actor, id: str) -> list[ObjectVersion]:
    return await request.config_dict[OBJECTS].versions(actor, id)


@router.op(
    "GET",
    "/resources/{id}/versions/{revision}",
    summary="One revision of an object",
    tag=TAG,
    response=ObjectVersion,
)
async def version(request: web.Request, actor: Actor, id: str, revision: str) -> ObjectVersion:
    from ...errors import InvalidInput

    number = parse_uint(revision)
    if number is None:
        raise InvalidInput(f"Revision must be a positive number, not {revision!r}")
    # Revisions are 32-bit in every store (PostgreSQL INTEGER): anything larger does not exist.
    return await request.config_dict[OBJECTS].version(actor, id, min(number, 2**31 - 1))


@router.op(
    "GET",
    "/versions/{version_id}",
    summary="An object revision by its version id",
    tag=TAG,
    response=ObjectVersion,
)
async def version_by_id(request: web.Request, actor: Actor, version_id: str) -> ObjectVersion:
    return await request.config_dict[OBJECTS].version_by_id(actor, version_id)


# -- permissions --------------------------------------------------------------------------------
@router.op(
    "GET",
    "/resources/{id}/permissions",
    summary="Grants on a resource (admins)",
    tag="permissions",
    response=list[Permission],
)
async def permissions(request: web.Request, actor: Actor, id: str) -> list[Permission]:
    return await request.config_dict[GRAPH].permissions(actor, id)


@router.op(
    "PUT",
    "/resources/{id}/permissions",
    summary="Grant a level to a user (NONE revokes)",
    tag="permissions",
    body=PermissionGrant,
    response=Permission,
)
async def grant(request: web.Request, actor: Actor, id: str, body: PermissionGrant) -> Permission:
    return await request.config_dict[GRAPH].grant(actor, id, body)
