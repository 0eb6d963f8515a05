"""Routes for data endpoints (admins), a project's endpoints and an object's replicas."""

from __future__ import annotations

from aiohttp import web

from aos_fs.endpoints import (
    Endpoint,
    EndpointCreate,
    EndpointCreated,
    Heartbeat,
    ProjectEndpoint,
    ProjectEndpointSet,
    Replica,
)

from ...domain.permissions import Actor
from ...replication.keys import ENDPOINTS
from ...replication.peers import CREDENTIAL_HEADER
from .routing import ApiRouter

router = ApiRouter()
TAG = "endpoints"


@router.op(
    "POST",
    "/endpoints",
    summary="Create a data endpoint (admins); its credential is in this response only",
    tag=TAG,
    body=EndpointCreate,
    response=EndpointCreated,
    status=201,
)
async def create_endpoint(
    request: web.Request, actor: Actor, body: EndpointCreate
) -> EndpointCreated:
    return await request.config_dict[ENDPOINTS].create(actor, body)


@router.op("GET", "/endpoints", summary="List data endpoints", tag=TAG, response=list[Endpoint])
async def list_endpoints(request: web.Request, actor: Actor) -> list[Endpoint]:
    return await request.config_dict[ENDPOINTS].list_all(actor)


@router.op("GET", "/endpoints/{id}", summary="Get a data endpoint", tag=TAG, response=Endpoint)
async def get_endpoint(request: web.Request, actor: Actor, id: str) -> Endpoint:
    return await request.config_dict[ENDPOINTS].get(actor, id)


@router.op("DELETE", "/endpoints/{id}", summary="Delete a data endpoint (admins)", tag=TAG)
async def delete_endpoint(request: web.Request, actor: Actor, id: str) -> None:
    await request.config_dict[ENDPOINTS].delete(actor, id)


@router.op(
    "POST",
    "/endpoint/heartbeat",
    summary="An endpoint reports that it is up, and where (endpoint credential in "
    "`X-AOS-Endpoint-Credential`)",
    tag=TAG,
    body=Heartbeat,
    response=Endpoint,
)
async def heartbeat(request: web.Request, actor: Actor, body: Heartbeat) -> Endpoint:
    return await request.config_dict[ENDPOINTS].heartbeat(
        request.headers.get(CREDENTIAL_HEADER), body.public_url
    )


@router.op(
    "GET",
    "/projects/{id}/endpoints",
    summary="The endpoints a project is kept on (FULL, or PARTIAL: chosen subtrees)",
    tag=TAG,
    response=list[ProjectEndpoint],
)
async def project_endpoints(request: web.Request, actor: Actor, id: str) -> list[ProjectEndpoint]:
    return await request.config_dict[ENDPOINTS].project_endpoints(actor, id)


@router.op(
    "PUT",
    "/projects/{id}/endpoints/{endpoint_id}",
    summary="Keep a project (or chosen subtrees) on an endpoint (project admins)",
    tag=TAG,
    body=ProjectEndpointSet,
    response=ProjectEndpoint,
)
async def place_project(
    request: web.Request, actor: Actor, id: str, endpoint_id: str, body: ProjectEndpointSet
) -> ProjectEndpoint:
    return await request.config_dict[ENDPOINTS].place(actor, id, endpoint_id, body)


@router.op(
    "DELETE",
    "/projects/{id}/endpoints/{endpoint_id}",
    summary="Stop replicating a project's new revisions to an endpoint (project admins)",
    tag=TAG,
)
async def unplace_project(request: web.Request, actor: Actor, id: str, endpoint_id: str) -> None:
    await request.config_dict[ENDPOINTS].unplace(actor, id, endpoint_id)


@router.op(
    "GET",
    "/resources/{id}/replicas",
    summary="Per revision and endpoint: replica status WAITING, RUNNING, FINISHED or ERROR",
    tag=TAG,
    response=list[Replica],
)
async def object_replicas(request: web.Request, actor: Actor, id: str) -> list[Replica]:
    return await request.config_dict[ENDPOINTS].replicas_of(actor, id)
