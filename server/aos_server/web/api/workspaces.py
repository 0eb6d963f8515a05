"""Routes for workspace templates (admins) and workspaces (anyone the template allows)."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from aos_fs.account_models import (
    Workspace,
    WorkspaceCreate,
    WorkspaceTemplate,
    WorkspaceTemplateCreate,
)
from aos_fs.models import Resource

from ...domain.permissions import Actor
from ...keys import WORKSPACES
from .routing import ApiRouter

router = ApiRouter()
TAG = "workspaces"


class ClaimBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    workspace_token: str | None = Field(
        default=None, description="The workspace's token (for one made anonymously)"
    )


@router.op(
    "GET",
    "/workspace-templates",
    summary="Workspace templates (anonymous callers see those open to them)",
    tag=TAG,
    response=list[WorkspaceTemplate],
)
async def list_templates(request: web.Request, actor: Actor) -> list[WorkspaceTemplate]:
    return await request.config_dict[WORKSPACES].list_templates(actor)


@router.op(
    "POST",
    "/workspace-templates",
    summary="Define a workspace template (admins)",
    tag=TAG,
    body=WorkspaceTemplateCreate,
    response=WorkspaceTemplate,
    status=201,
)
async def create_template(
    request: web.Request, actor: Actor, body: WorkspaceTemplateCreate
) -> WorkspaceTemplate:
    return await request.config_dict[WORKSPACES].create_template(actor, body)


@router.op(
    "DELETE", "/workspace-templates/{id}", summary="Remove a workspace template (admins)", tag=TAG
)
async def delete_template(request: web.Request, actor: Actor, id: str) -> None:
    await request.config_dict[WORKSPACES].delete_template(actor, id)


@router.op(
    "POST",
    "/workspaces",
    summary="Create a workspace; its token and S3 secret are in this response only",
    tag=TAG,
    body=WorkspaceCreate,
    response=Workspace,
    status=201,
)
async def create_workspace(request: web.Request, actor: Actor, body: WorkspaceCreate) -> Workspace:
    return await request.config_dict[WORKSPACES].create(
        actor, body, origin=str(request.url.origin())
    )


@router.op("GET", "/workspaces/{id}", summary="A workspace (READ)", tag=TAG, response=Workspace)
async def get_workspace(request: web.Request, actor: Actor, id: str) -> Workspace:
    return await request.config_dict[WORKSPACES].get(actor, id, origin=str(request.url.origin()))


@router.op(
    "POST",
    "/workspaces/{id}/claim",
    summary="Turn a workspace into a normal PRIVATE project that you administer",
    tag=TAG,
    body=ClaimBody,
    response=Resource,
)
async def claim_workspace(request: web.Request, actor: Actor, id: str, body: ClaimBody) -> Resource:
    return await request.config_dict[WORKSPACES].claim(actor, id, body.workspace_token)
