"""Access requests: a user asks for a level on a resource they can find; its admins decide."""

from __future__ import annotations

from aos_fs.account_models import AccessDecision, AccessRequest, AccessRequestCreate
from aos_fs.models import Permission, PermissionLevel, Resource

from ..backends.metadata.base import MetadataSession, MetadataStore
from ..domain.ids import new_id
from ..domain.permissions import Actor, Level
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from . import permissions as perms
from .common import emit, load, now
from .inbox import notify


def _requester(actor: Actor) -> str:
    if actor.anonymous:
        raise Unauthenticated("Sign in to ask for access")
    if actor.confined or actor.scope_id is not None or actor.purpose != "user":
        raise PermissionDenied(
            "Ask for access with a personal token; service accounts and scoped tokens cannot"
        )
    return actor.user_id or ""


async def admins_of(s: MetadataSession, res: Resource) -> list[str]:
    """Who decides on `res`: the admins on it or above it, else the global admins."""
    ids = [res.id, *sorted(await s.ancestor_ids(res.id))]
    found: list[str] = []
    for rid in ids:
        for p in await s.permissions_on(rid):
            if p.level == PermissionLevel.ADMIN:
                found.append(p.user_id)
    users = [u for u in [await s.get_user(i) for i in dict.fromkeys(found)] if u is not None]
    people = [u.id for u in users if u.active and not u.is_service_account]
    if people:
        return people
    return await s.list_admin_ids()


class AccessRequestService:
    def __init__(self, meta: MetadataStore) -> None:
        self.meta = meta

    async def create(self, actor: Actor, body: AccessRequestCreate) -> AccessRequest:
        user_id = _requester(actor)
        async with self.meta.write() as s:
            res = await load(s, body.resource_id)
            acc = await perms.access(s, actor, res)
            if not acc.visible:
                raise perms.deny(actor, res, Level.READ, acc.level)
            wanted = Level[body.level.value]
            if wanted == Level.NONE:
                raise Conflict("Ask for READ, APPEND, WRITE or ADMIN")
            if acc.level >= wanted:
                raise Conflict(f"You already hold {acc.level.name} on {res.name!r}")
            for old in await s.list_access_requests(
                user_id=user_id, resource_ids=[res.id], status="PENDING"
            ):
                raise Conflict(
                    f"You asked for {old.level.value} on {res.name!r} already (request {old.id});"
                    " wait for its admins, or withdraw it",
                    request_id=old.id,
                )
            req = AccessRequest(
                id=new_id(),
                user_id=user_id,
                resource_id=res.id,
                level=body.level,
                message=body.message,
                status="PENDING",
                created_at=now(),
            )
            await s.insert_access_request(req)
            who = await s.get_user(user_id)
            name = who.name if who else user_id
            await notify(
                s,
                await admins_of(s, res),
                kind="access_request",
                title=f"{name} asks for {body.level.value} on {res.kind.value.lower()} "
                f"{res.name!r}",
                body=body.message,
                resource_id=res.id,
                ref_id=req.id,
            )
        return req

    async def list(
        self, actor: Actor, *, incoming: bool, status: str | None = None
    ) -> list[AccessRequest]:
        """Your requests, or (incoming) those on resources you administer."""
        user_id = _requester(actor)
        async with self.meta.read() as s:
            if not incoming:
                return await s.list_access_requests(user_id=user_id, status=status)
            out = []
            for req in await s.list_access_requests(status=status):
                res = await s.get_resource(req.resource_id)
                if res is not None and (await perms.access(s, actor, res)).level >= Level.ADMIN:
                    out.append(req)
            return out

    async def get(self, actor: Actor, request_id: str) -> AccessRequest:
        _requester(actor)
        async with self.meta.read() as s:
            req = await self._load(s, request_id)
            if req.user_id != actor.user_id:
                res = await load(s, req.resource_id)
                if (await perms.access(s, actor, res)).level < Level.ADMIN:
                    raise NotFound(f"No access request {request_id!r}")
        return req

    async def decide(self, actor: Actor, request_id: str, body: AccessDecision) -> AccessRequest:
        _requester(actor)
        async with self.meta.write() as s:
            req = await self._load(s, request_id)
            res = await load(s, req.resource_id)
            await perms.require(s, actor, res, Level.ADMIN)
            if req.status != "PENDING":
                raise Conflict(f"This request was {req.status.lower()} already")
            level = body.level or req.level
            if body.grant and level == PermissionLevel.NONE:
                raise InvalidInput("Grant READ, APPEND, WRITE or ADMIN, or refuse", field="level")
            req = req.model_copy(
                update={
                    "status": "GRANTED" if body.grant else "REFUSED",
                    "level": level,
                    "decided_by": actor.user_id,
                    "decided_at": now(),
                    "reason": body.reason,
                }
            )
            await s.update_access_request(req)
            what = f"{res.kind.value.lower()} {res.name!r}"
            if body.grant:
                held = await s.grants(req.user_id, [res.id])
                if held.get(res.id, 0) < Level[level.value]:
                    await s.set_permission(
                        Permission(
                            user_id=req.user_id,
                            resource_id=res.id,
                            level=level,
                            granted_by=actor.user_id,
                            granted_at=now(),
                        )
                    )
                    await emit(
                        s, actor, "permission.changed", res, user_id=req.user_id, level=level.value
                    )
                title = f"You were granted {level.value} on {what}"
            else:
                title = f"Your request for {req.level.value} on {what} was refused"
            await notify(
                s,
                [req.user_id],
                kind="access_granted" if body.grant else "access_refused",
                title=title,
                body=body.reason,
                resource_id=res.id,
                ref_id=req.id,
            )
        return req

    async def withdraw(self, actor: Actor, request_id: str) -> AccessRequest:
        _requester(actor)
        async with self.meta.write() as s:
            req = await self._load(s, request_id)
            if req.user_id != actor.user_id:
                raise NotFound(f"You have no access request {request_id!r}")
            if req.status != "PENDING":
                raise Conflict(f"This request was {req.status.lower()} already")
            req = req.model_copy(update={"status": "WITHDRAWN", "decided_at": now()})
            await s.update_access_request(req)
        return req

    @staticmethod
    async def _load(s: MetadataSession, request_id: str) -> AccessRequest:
        req = await s.get_access_request(request_id)
        if req is None:
            raise NotFound(f"No access request {request_id!r}")
        return req
