"""Routes for hooks (per project, project admins) and the status call a validator makes."""

from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from aos_fs.models import Resource, Status

from ...domain.permissions import Actor
from ...keys import HOOKS
from ...services.hooks import Delivery, Hook, HookCreate, HookUpdate
from ...services.resources import public_view
from .routing import ApiRouter

router = ApiRouter()
TAG = "hooks"


class DeliveryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    before: str | None = Field(default=None, description="The last id of the previous page")
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["AVAILABLE", "ERROR", "UNAVAILABLE", "VALIDATING"]
    message: Annotated[str, Field(max_length=2000)] = ""


@router.op(
    "POST",
    "/projects/{id}/hooks",
    summary="Create a hook (project admins); a webhook's signing secret is in this response only",
    tag=TAG,
    body=HookCreate,
    response=Hook,
    status=201,
)
async def create_hook(request: web.Request, actor: Actor, id: str, body: HookCreate) -> Hook:
    service = request.config_dict[HOOKS]
    service.note_origin(str(request.url.origin()))
    return await service.create(actor, id, body)


@router.op("GET", "/projects/{id}/hooks", summary="A project's hooks", tag=TAG, response=list[Hook])
async def list_hooks(request: web.Request, actor: Actor, id: str) -> list[Hook]:
    return await request.config_dict[HOOKS].list_hooks(actor, id)


@router.op("GET", "/hooks/{id}", summary="Get a hook", tag=TAG, response=Hook)
async def get_hook(request: web.Request, actor: Actor, id: str) -> Hook:
    return await request.config_dict[HOOKS].get(actor, id)


@router.op(
    "PATCH",
    "/hooks/{id}",
    summary="Change a hook: enable/disable, trigger, action, timeout, retries; rotate its secret",
    tag=TAG,
    body=HookUpdate,
    response=Hook,
)
async def update_hook(request: web.Request, actor: Actor, id: str, body: HookUpdate) -> Hook:
    return await request.config_dict[HOOKS].update(actor, id, body)


@router.op("DELETE", "/hooks/{id}", summary="Delete a hook and its delivery log", tag=TAG)
async def delete_hook(request: web.Request, actor: Actor, id: str) -> None:
    await request.config_dict[HOOKS].delete(actor, id)


@router.op(
    "GET",
    "/hooks/{id}/deliveries",
    summary="A hook's delivery log, newest first: status, attempts, last error",
    tag=TAG,
    query=DeliveryQuery,
    response=list[Delivery],
)
async def list_deliveries(
    request: web.Request, actor: Actor, id: str, query: DeliveryQuery
) -> list[Delivery]:
    return await request.config_dict[HOOKS].deliveries(
        actor, id, before=query.before, limit=query.limit
    )


@router.op(
    "POST",
    "/hooks/{id}/deliveries/{delivery_id}/retry",
    summary="Attempt a finished delivery again now",
    tag=TAG,
    response=Delivery,
)
async def retry_delivery(request: web.Request, actor: Actor, id: str, delivery_id: str) -> Delivery:
    return await request.config_dict[HOOKS].retry(actor, id, delivery_id)


@router.op(
    "POST",
    "/resources/{id}/status",
    summary="Set an object's status (a hook's callback token: VALIDATING → AVAILABLE or ERROR)",
    tag=TAG,
    body=StatusChange,
    response=Resource,
)
async def set_status(request: web.Request, actor: Actor, id: str, body: StatusChange) -> Resource:
    updated = await request.config_dict[HOOKS].set_status(
        actor, id, Status(body.status), body.message
    )
    return public_view(updated)
