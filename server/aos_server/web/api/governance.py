"""Routes for archives, snapshots, clones, usage and quotas, and write rules."""

from __future__ import annotations

from aiohttp import web

from aos_fs.governance import CloneCreate, QuotaSet, Rule, RuleCreate, SnapshotCreate, Usage
from aos_fs.models import Resource

from ...backends.metadata.governance import RuleRecord
from ...domain.permissions import Actor
from ...errors import Unauthenticated
from ...keys import GOVERNANCE
from ...services.quotas import Usage as UsageRecord
from .routing import ApiRouter

router = ApiRouter()
TAG = "governance"


def _usage(u: UsageRecord) -> Usage:
    return Usage.model_validate(u, from_attributes=True)


def _rule(r: RuleRecord) -> Rule:
    return Rule.model_validate(r, from_attributes=True)


def _user(actor: Actor, id: str) -> str:
    if id != "me":
        return id
    if actor.user_id is None:
        raise Unauthenticated("Sign in to see your usage")
    return actor.user_id


# -- archive, snapshot, clone ---------------------------------------------------------------------
@router.op(
    "POST",
    "/projects/{id}/archive",
    summary="Archive a project: read-only from now on (project admins)",
    tag=TAG,
    response=Resource,
)
async def archive(request: web.Request, actor: Actor, id: str) -> Resource:
    return await request.config_dict[GOVERNANCE].lifecycle.archive(actor, id)


@router.op(
    "DELETE",
    "/projects/{id}/archive",
    summary="Lift the archive of a project (global admins)",
    tag=TAG,
    response=Resource,
)
async def unarchive(request: web.Request, actor: Actor, id: str) -> Resource:
    return await request.config_dict[GOVERNANCE].lifecycle.unarchive(actor, id)


@router.op(
    "POST",
    "/resources/{id}/snapshots",
    summary="Snapshot a collection or dataset: a read-only copy of its current tree beside it",
    tag=TAG,
    body=SnapshotCreate,
    response=Resource,
    status=201,
)
async def snapshot(request: web.Request, actor: Actor, id: str, body: SnapshotCreate) -> Resource:
    return await request.config_dict[GOVERNANCE].lifecycle.snapshot(actor, id, body.name)


@router.op(
    "POST",
    "/resources/{id}/clone",
    summary="Clone a resource into another parent (objects share their bytes, no copy)",
    tag=TAG,
    body=CloneCreate,
    response=Resource,
    status=201,
)
async def clone(request: web.Request, actor: Actor, id: str, body: CloneCreate) -> Resource:
    return await request.config_dict[GOVERNANCE].lifecycle.clone(
        actor, id, body.parent_id, body.name
    )


# -- usage and quotas -----------------------------------------------------------------------------
@router.op(
    "GET",
    "/projects/{id}/usage",
    summary="Bytes and objects a project holds, with its limits",
    tag=TAG,
    response=Usage,
)
async def project_usage(request: web.Request, actor: Actor, id: str) -> Usage:
    return _usage(await request.config_dict[GOVERNANCE].quotas.project_usage(actor, id))


@router.op(
    "PUT",
    "/projects/{id}/quota",
    summary="Set a project's limits (global admins); nulls remove them",
    tag=TAG,
    body=QuotaSet,
    response=Usage,
)
async def project_quota(request: web.Request, actor: Actor, id: str, body: QuotaSet) -> Usage:
    usage = await request.config_dict[GOVERNANCE].quotas.set_limits(
        actor, "PROJECT", id, max_bytes=body.max_bytes, max_objects=body.max_objects
    )
    return _usage(usage)


@router.op(
    "GET",
    "/users/{id}/usage",
    summary="Bytes and objects a user created, with their limits (`me` for yourself)",
    tag=TAG,
    response=Usage,
)
async def user_usage(request: web.Request, actor: Actor, id: str) -> Usage:
    quotas = request.config_dict[GOVERNANCE].quotas
    return _usage(await quotas.user_usage(actor, _user(actor, id)))


@router.op(
    "PUT",
    "/users/{id}/quota",
    summary="Set a user's limits (global admins); nulls remove them",
    tag=TAG,
    body=QuotaSet,
    response=Usage,
)
async def user_quota(request: web.Request, actor: Actor, id: str, body: QuotaSet) -> Usage:
    usage = await request.config_dict[GOVERNANCE].quotas.set_limits(
        actor, "USER", id, max_bytes=body.max_bytes, max_objects=body.max_objects
    )
    return _usage(usage)


# -- rules ----------------------------------------------------------------------------------------
@router.op(
    "GET",
    "/resources/{id}/rules",
    summary="The write rules that apply at a resource (its project's and the endpoint's)",
    tag=TAG,
    response=list[Rule],
)
async def list_rules(request: web.Request, actor: Actor, id: str) -> list[Rule]:
    return [_rule(r) for r in await request.config_dict[GOVERNANCE].rules.list(actor, id)]


@router.op(
    "POST",
    "/resources/{id}/rules",
    summary="Add a write rule (CEL) for a project, collection or dataset (its admins)",
    tag=TAG,
    body=RuleCreate,
    response=Rule,
    status=201,
)
async def add_rule(request: web.Request, actor: Actor, id: str, body: RuleCreate) -> Rule:
    rule = await request.config_dict[GOVERNANCE].rules.create(
        actor, resource_id=id, name=body.name, expression=body.expression, message=body.message
    )
    return _rule(rule)


@router.op("GET", "/rules", summary="The endpoint-wide write rules", tag=TAG, response=list[Rule])
async def list_endpoint_rules(request: web.Request, actor: Actor) -> list[Rule]:
    return [_rule(r) for r in await request.config_dict[GOVERNANCE].rules.list(actor, None)]


@router.op(
    "POST",
    "/rules",
    summary="Add an endpoint-wide write rule (global admins)",
    tag=TAG,
    body=RuleCreate,
    response=Rule,
    status=201,
)
async def add_endpoint_rule(request: web.Request, actor: Actor, body: RuleCreate) -> Rule:
    rule = await request.config_dict[GOVERNANCE].rules.create(
        actor, resource_id=None, name=body.name, expression=body.expression, message=body.message
    )
    return _rule(rule)


@router.op("DELETE", "/rules/{id}", summary="Remove a write rule (admins of its scope)", tag=TAG)
async def delete_rule(request: web.Request, actor: Actor, id: str) -> None:
    await request.config_dict[GOVERNANCE].rules.delete(actor, id)
