"""Data endpoints: records (admins), heartbeats (endpoint credentials), project placements and
the replica rows a new revision gets (in the transaction that commits it)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from aos_fs.endpoints import (
    Endpoint,
    EndpointCreate,
    EndpointCreated,
    ProjectEndpoint,
    ProjectEndpointSet,
    Replica,
)
from aos_fs.models import EndpointInfo, Kind, ObjectVersion, Resource

from ..backends.blobs.inline import is_inline
from ..backends.metadata.base import MetadataSession, MetadataStore
from ..backends.metadata.sql_replicas import EndpointRecord, PlacementRecord, replicas
from ..domain.ids import new_id
from ..domain.permissions import Actor, Level
from ..errors import AlreadyExists, InvalidInput, NotFound, Unauthenticated
from . import permissions as perms
from .auth import hash_secret
from .common import load, now

ONLINE_WITHIN = timedelta(seconds=30)
BACKFILL_BATCH = 500
DEFAULT_NAME = "default"


def endpoint_view(e: EndpointRecord, at: datetime | None = None) -> Endpoint:
    at = at or now()
    if e.last_heartbeat is None:
        status = "NEW"
    else:
        status = "ONLINE" if at - e.last_heartbeat <= ONLINE_WITHIN else "OFFLINE"
    return Endpoint(
        id=e.id,
        name=e.name,
        public_url=e.public_url,
        is_default=e.is_default,
        status=status,
        last_heartbeat=e.last_heartbeat,
        created_at=e.created_at,
    )


def covers(p: PlacementRecord, key: str) -> bool:
    """Whether placement `p` keeps the object at `key` (FULL: all; PARTIAL: its subtrees)."""
    if p.mode == "FULL":
        return True
    return any(
        key == pre.rstrip("/") or key.startswith(pre.rstrip("/") + "/") for pre in p.prefixes
    )


class EndpointService:
    def __init__(self, meta: MetadataStore) -> None:
        self.meta = meta

    # -- endpoint records (global admins) -------------------------------------------------------
    async def create(self, actor: Actor, body: EndpointCreate) -> EndpointCreated:
        perms.require_global_admin(actor, "create endpoints")
        credential = "aosep_" + secrets.token_urlsafe(32)
        record = EndpointRecord(
            id=new_id(),
            name=body.name,
            public_url=body.public_url.rstrip("/"),
            credential_hash=hash_secret(credential),
            is_default=False,
            last_heartbeat=None,
            created_at=now(),
        )
        async with self.meta.write() as s:
            await replicas(s).insert_endpoint(record)
        return EndpointCreated(**endpoint_view(record).model_dump(), credential=credential)

    async def list_all(self, actor: Actor) -> list[Endpoint]:
        if actor.anonymous:
            raise Unauthenticated("Sign in to list endpoints")
        async with self.meta.read() as s:
            found = await replicas(s).list_endpoints()
        at = now()
        return [endpoint_view(e, at) for e in found]

    async def get(self, actor: Actor, endpoint_id: str) -> Endpoint:
        if actor.anonymous:
            raise Unauthenticated("Sign in to read endpoints")
        async with self.meta.read() as s:
            return endpoint_view(await self._load(s, endpoint_id))

    async def delete(self, actor: Actor, endpoint_id: str) -> None:
        perms.require_global_admin(actor, "delete endpoints")
        async with self.meta.write() as s:
            e = await self._load(s, endpoint_id)
            if e.is_default:
                raise InvalidInput("The default (embedded) endpoint cannot be deleted")
            await replicas(s).delete_endpoint(endpoint_id)

    @staticmethod
    async def _load(s: MetadataSession, endpoint_id: str) -> EndpointRecord:
        e = await replicas(s).get_endpoint(endpoint_id)
        if e is None:
            raise NotFound(
                f"No endpoint with id {endpoint_id!r}; list them with GET /api/v2/endpoints",
                id=endpoint_id,
            )
        return e

    # -- endpoints themselves -------------------------------------------------------------------
    async def authenticate(self, credential: str | None) -> EndpointRecord:
        """The endpoint holding `credential`; `Unauthenticated` for any other value."""
        if not credential:
            raise Unauthenticated(
                "Send the endpoint credential as `X-AOS-Endpoint-Credential` (an admin creates "
                "it with POST /api/v2/endpoints)"
            )
        async with self.meta.read() as s:
            e = await replicas(s).endpoint_by_credential(hash_secret(credential))
        if e is None:
            raise Unauthenticated("Unknown endpoint credential; create a new endpoint")
        return e

    async def heartbeat(self, credential: str | None, public_url: str) -> Endpoint:
        e = await self.authenticate(credential)
        at = now()
        async with self.meta.write() as s:
            await replicas(s).update_endpoint(
                e.id,
                public_url=public_url.rstrip("/"),
                credential_hash=e.credential_hash,
                heartbeat=at,
            )
            fresh = await self._load(s, e.id)
        return endpoint_view(fresh, at)

    async def ensure_default(self, public_url: str, credential: str) -> EndpointRecord:
        """Register (or refresh) the embedded endpoint of this server."""
        try:
            return await self._ensure_default(public_url, credential)
        except AlreadyExists:  # another server process registered it at the same moment
            return await self._ensure_default(public_url, credential)

    async def _ensure_default(self, public_url: str, credential: str) -> EndpointRecord:
        at = now()
        async with self.meta.write() as s:
            r = replicas(s)
            e = await r.default_endpoint()
            if e is None:
                e = EndpointRecord(
                    id=new_id(),
                    name=DEFAULT_NAME,
                    public_url=public_url,
                    credential_hash=hash_secret(credential),
                    is_default=True,
                    last_heartbeat=at,
                    created_at=at,
                )
                await r.insert_endpoint(e)
                return e
            await r.update_endpoint(
                e.id, public_url=public_url, credential_hash=hash_secret(credential), heartbeat=at
            )
            return await self._load(s, e.id)

    # -- projects -------------------------------------------------------------------------------
    async def _project(
        self, s: MetadataSession, actor: Actor, project_id: str, level: Level
    ) -> Resource:
        project = await load(s, project_id)
        if project.kind != Kind.PROJECT:
            raise InvalidInput(f"{project_id!r} is a {project.kind.value.lower()}, not a project")
        await perms.require(s, actor, project, level)
        return project

    async def project_endpoints(self, actor: Actor, project_id: str) -> list[ProjectEndpoint]:
        async with self.meta.read() as s:
            await self._project(s, actor, project_id, Level.READ)
            found = await replicas(s).placements(project_id)
        return [ProjectEndpoint(**vars(p)) for p in found]

    async def place(
        self, actor: Actor, project_id: str, endpoint_id: str, body: ProjectEndpointSet
    ) -> ProjectEndpoint:
        """Keep the project (FULL) or some of its subtrees (PARTIAL) on an endpoint; new
        revisions replicate there from now on."""
        if body.mode == "PARTIAL" and not body.prefixes:
            raise InvalidInput("PARTIAL sync needs `prefixes` (the subtrees to keep)")
        prefixes = [p.strip("/") for p in body.prefixes] if body.mode == "PARTIAL" else []
        async with self.meta.write() as s:
            project = await self._project(s, actor, project_id, Level.ADMIN)
            e = await self._load(s, endpoint_id)
            await replicas(s).set_placement(project_id, e.id, body.mode, prefixes, now())
        placement = PlacementRecord(project_id, e.id, e.name, body.mode, prefixes)
        await self._backfill(project, placement)
        return ProjectEndpoint(
            project_id=project_id,
            endpoint_id=e.id,
            endpoint_name=e.name,
            mode=body.mode,
            prefixes=prefixes,
        )

    async def _backfill(self, project: Resource, placement: PlacementRecord) -> None:
        """Queue the revisions already in the project (under the placement) for the endpoint."""
        found: list[tuple[ObjectVersion, str]] = []
        async with self.meta.read() as s:
            async for key, obj in _objects(s, project.id, ""):
                if covers(placement, key):
                    for version in await s.list_versions(obj.id):
                        blob_key = await s.blob_key(version.id)
                        if blob_key is not None:
                            found.append((version, blob_key))
        at = now()
        for i in range(0, len(found), BACKFILL_BATCH):
            async with self.meta.write() as s:
                r = replicas(s)
                for v, blob_key in found[i : i + BACKFILL_BATCH]:
                    await r.add_replica(
                        v.id, placement.endpoint_id, v.object_id, blob_key, _status(blob_key), at
                    )

    async def unplace(self, actor: Actor, project_id: str, endpoint_id: str) -> None:
        async with self.meta.write() as s:
            await self._project(s, actor, project_id, Level.ADMIN)
            if not await replicas(s).remove_placement(project_id, endpoint_id):
                raise NotFound(f"Endpoint {endpoint_id!r} is not listed for this project")

    # -- replicas -------------------------------------------------------------------------------
    async def with_endpoints(self, res: Resource) -> Resource:
        """`res` with `endpoints` filled in: where its latest revision is (objects only; the
        caller has checked that `res` may be seen)."""
        if res.kind != Kind.OBJECT or res.version_id is None or res.redacted:
            return res
        async with self.meta.read() as s:
            found = await replicas(s).replicas_of_object(res.id)
        return res.model_copy(
            update={
                "endpoints": [
                    EndpointInfo(
                        id=r.endpoint_id,
                        name=r.endpoint_name,
                        status=r.status,
                        attempts=r.attempts,
                        error=r.error,
                    )
                    for r in found
                    if r.version_id == res.version_id
                ]
            }
        )

    async def replicas_of(self, actor: Actor, object_id: str) -> list[Replica]:
        async with self.meta.read() as s:
            obj = await load(s, object_id)
            await perms.require(s, actor, obj, Level.READ)
            found = await replicas(s).replicas_of_object(object_id)
        return [
            Replica(
                version_id=r.version_id,
                endpoint_id=r.endpoint_id,
                endpoint_name=r.endpoint_name,
                status=r.status,
                attempts=r.attempts,
                error=r.error,
                next_attempt_at=r.next_attempt_at if r.status != "FINISHED" else None,
                updated_at=r.updated_at,
            )
            for r in found
        ]


async def _objects(
    s: MetadataSession, parent_id: str, prefix: str
) -> AsyncIterator[tuple[str, Resource]]:
    """(key, object) of every live object below `parent_id`, depth first, page by page."""
    after: tuple[Any, str] | None = None
    while True:
        page = await s.list_children(parent_id, after=after, limit=BACKFILL_BATCH)
        for child in page:
            if child.kind == Kind.OBJECT:
                yield prefix + child.name, child
            else:
                async for item in _objects(s, child.id, f"{prefix}{child.name}/"):
                    yield item
        if len(page) < BACKFILL_BATCH:
            return
        after = (page[-1].name, page[-1].id)


class Placement:
    """Called by `ObjectService` inside the transaction that commits a revision written here:
    this endpoint holds it (FINISHED) and every other endpoint the project lists for its key
    gets a WAITING row — the durable replication queue."""

    def __init__(self, endpoint_id: str) -> None:
        self.endpoint_id = endpoint_id

    async def placed(
        self, s: MetadataSession, project: Resource, key: str, version: ObjectVersion, blob_key: str
    ) -> None:
        r = replicas(s)
        at = now()
        await r.add_replica(
            version.id, self.endpoint_id, version.object_id, blob_key, "FINISHED", at
        )
        for p in await r.placements(project.id):
            if p.endpoint_id != self.endpoint_id and covers(p, key):
                await r.add_replica(
                    version.id, p.endpoint_id, version.object_id, blob_key, _status(blob_key), at
                )


def _status(blob_key: str) -> str:
    """A new replica row's status: a small object's bytes are in the metadata database, which
    every endpoint shares, so they are at every endpoint already; other bytes wait for a copy."""
    return "FINISHED" if is_inline(blob_key) else "WAITING"
