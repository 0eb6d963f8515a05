"""Workspaces: short-lived scratch projects made from admin-defined templates.

A workspace is a project plus an account of its own (a service account bound to it, ADMIN)
whose token and S3 keys expire with the workspace. Anyone signed in — and anonymous callers,
where the template allows it — may create one; claiming turns it into a normal project of the
claimer; `sweep()` removes the expired ones (soft delete, credentials revoked, account off).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from datetime import timedelta

from pydantic import ValidationError

from aos_fs.account_models import (
    Workspace,
    WorkspaceCreate,
    WorkspaceTemplate,
    WorkspaceTemplateCreate,
)
from aos_fs.models import (
    DataClass,
    Kind,
    Permission,
    PermissionLevel,
    ProjectCreate,
    Resource,
    Token,
    User,
)

from ..backends.metadata.accounts import WorkspaceRecord
from ..backends.metadata.base import MetadataSession, MetadataStore, S3CredentialRecord, TokenRecord
from ..domain.ids import new_id, new_secret
from ..domain.permissions import Actor, Level
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from ..keyring import Keyring
from . import permissions as perms
from .auth import S3_PURPOSE, TOKEN_PREFIX, hash_secret
from .common import emit, load, now
from .dag import GraphService
from .hooks import HookCreate, HookService
from .inbox import notify
from .permissions import require_global_admin
from .resources import ResourceService, public_view

log = logging.getLogger("aos.workspaces")


class WorkspaceService:
    def __init__(
        self,
        meta: MetadataStore,
        keyring: Keyring,
        resources: ResourceService,
        graph: GraphService,
        hooks: HookService,
        *,
        s3_endpoint: str | None,
    ) -> None:
        self.meta = meta
        self.keyring = keyring
        self.resources = resources
        self.graph = graph
        self.hooks = hooks
        self.s3_endpoint = s3_endpoint

    # -- templates ------------------------------------------------------------------------------
    async def create_template(
        self, actor: Actor, body: WorkspaceTemplateCreate
    ) -> WorkspaceTemplate:
        require_global_admin(actor, "define workspace templates")
        for i, spec in enumerate(body.hooks):
            try:
                HookCreate.model_validate(spec)
            except ValidationError as exc:
                raise InvalidInput(
                    f"hooks[{i}] is not a valid hook: {exc.errors()[0]['msg']}", field="hooks"
                ) from exc
        template = WorkspaceTemplate(
            id=new_id(), **body.model_dump(), created_by=actor.user_id, created_at=now()
        )
        async with self.meta.write() as s:
            await s.insert_workspace_template(template)
        return template

    async def list_templates(self, actor: Actor) -> list[WorkspaceTemplate]:
        async with self.meta.read() as s:
            found = await s.list_workspace_templates()
        # Anonymous callers see the templates they may use; the hooks are for admins.
        if actor.anonymous:
            found = [t for t in found if t.allow_anonymous]
        if not actor.global_admin:
            found = [t.model_copy(update={"hooks": []}) for t in found]
        return found

    async def delete_template(self, actor: Actor, template_id: str) -> None:
        require_global_admin(actor, "delete workspace templates")
        async with self.meta.write() as s:
            if not await s.delete_workspace_template(template_id):
                raise NotFound(f"No workspace template {template_id!r}")

    # -- workspaces -----------------------------------------------------------------------------
    async def create(self, actor: Actor, body: WorkspaceCreate, *, origin: str = "") -> Workspace:
        if actor.confined or actor.scope_id is not None or actor.purpose != "user":
            raise PermissionDenied("Create workspaces with a personal token (or anonymously)")
        async with self.meta.read() as s:
            template = await s.get_workspace_template(body.template)
        if template is None:
            raise NotFound(f"No workspace template {body.template!r}")
        if actor.anonymous and not template.allow_anonymous:
            raise Unauthenticated(
                f"The workspace template {template.name!r} needs a signed-in user"
            )
        ts = now()
        expires = ts + timedelta(seconds=template.lifetime)
        suffix = new_id()[-10:].lower()
        account = User(
            id=new_id(),
            name=f"workspace-{suffix}",
            display_name=f"Workspace {template.name}",
            is_service_account=True,
            created_at=ts,
        )
        secret = TOKEN_PREFIX + new_secret(32)
        access, s3_secret = "AOS" + secrets.token_hex(8).upper(), new_secret(30)
        async with self.meta.write() as s:
            project = await self.resources._insert(
                s,
                Actor(user_id=account.id),
                Kind.PROJECT,
                ProjectCreate(
                    name=f"{template.name}-{suffix}"[-63:].lstrip("-"),
                    title=f"Workspace from {template.name}",
                    description=template.description,
                    key_values=template.key_values,
                    data_class=template.data_class,
                ),
                None,
            )
            await s.insert_user(account.model_copy(update={"project_id": project.id}))
            if not actor.anonymous:
                await self._grant(s, actor.user_id or "", project, account.id)
            token = Token(
                id=new_id(),
                user_id=account.id,
                name="workspace",
                scope_id=project.id,
                level=PermissionLevel.ADMIN,
                expires_at=expires,
                created_at=ts,
            )
            await s.insert_token(TokenRecord(token, hash_secret(secret)))
            await s.insert_s3_credential(
                S3CredentialRecord(
                    access_key_id=access,
                    secret_sealed=self.keyring.seal(s3_secret.encode(), S3_PURPOSE),
                    user_id=account.id,
                    token_id=token.id,  # the keys expire (and go) with the token
                    created_at=ts,
                )
            )
            record = WorkspaceRecord(
                project_id=project.id,
                template_id=template.id,
                user_id=account.id,
                anonymous=actor.anonymous,
                expires_at=expires,
                created_at=ts,
            )
            await s.insert_workspace(record)
        ws_actor = Actor(user_id=account.id, scope_id=project.id, confined=True)
        for spec in template.hooks:
            await self.hooks.create(ws_actor, project.id, HookCreate.model_validate(spec))
        return self._view(record, template, public_view(project), origin).model_copy(
            update={"token": secret, "access_key_id": access, "secret_access_key": s3_secret}
        )

    @staticmethod
    async def _grant(s: MetadataSession, user_id: str, project: Resource, by: str) -> None:
        await s.set_permission(
            Permission(
                user_id=user_id,
                resource_id=project.id,
                level=PermissionLevel.ADMIN,
                granted_by=by,
                granted_at=now(),
            )
        )

    def _view(
        self,
        record: WorkspaceRecord,
        template: WorkspaceTemplate | None,
        project: Resource,
        origin: str,
    ) -> Workspace:
        return Workspace(
            project=project,
            template_id=record.template_id,
            user_id=record.user_id,
            anonymous=record.anonymous,
            expires_at=record.expires_at,
            s3_endpoint=(template.endpoint if template else None) or self.s3_endpoint or origin,
        )

    async def get(self, actor: Actor, project_id: str, *, origin: str = "") -> Workspace:
        async with self.meta.read() as s:
            project = await load(s, project_id)
            await perms.require(s, actor, project, Level.READ)
            record = await s.get_workspace(project.id)
            if record is None:
                raise NotFound(f"{project.name!r} is not a workspace (or was claimed)")
            template = await s.get_workspace_template(record.template_id)
        return self._view(record, template, public_view(project), origin)

    async def claim(self, actor: Actor, project_id: str, workspace_token: str | None) -> Resource:
        """Make the workspace a normal (PRIVATE) project administered by the caller.

        The caller proves the workspace is theirs by holding ADMIN on it (they created it while
        signed in) or by presenting its token (an anonymous workspace).
        """
        if actor.anonymous:
            raise Unauthenticated("Sign in to claim a workspace")
        if actor.confined or actor.scope_id is not None or actor.purpose != "user":
            raise PermissionDenied("Claim workspaces with a personal token")
        async with self.meta.write() as s:
            project = await load(s, project_id)
            record = await s.get_workspace(project.id)
            if record is None:
                raise NotFound(f"{project.name!r} is not a workspace (or was claimed)")
            if record.expires_at <= now():
                raise Conflict(f"The workspace {project.name!r} has expired")
            held = await perms.access(s, actor, project)
            if held.level < Level.ADMIN:
                found = (
                    await s.get_token_by_hash(hash_secret(workspace_token))
                    if workspace_token
                    else None
                )
                # SECURITY: only the workspace's own token proves an anonymous workspace's owner.
                if found is None or found.token.user_id != record.user_id:
                    raise PermissionDenied(
                        "To claim a workspace you did not create while signed in, send its "
                        "token as `workspace_token`"
                    )
            await self._grant(s, actor.user_id or "", project, actor.user_id or "")
            # The workspace's own credentials end here; its account stays (it owns its hooks).
            await s.delete_user_credentials(record.user_id)
            await s.delete_workspace(project.id)
            if project.data_class == DataClass.WORKSPACE:
                project = project.model_copy(
                    update={"data_class": DataClass.PRIVATE, "updated_at": now()}
                )
                await s.update_resource(project)
                await emit(s, actor, "resource.updated", project, data_class="PRIVATE")
        return public_view(project)

    # -- expiry ---------------------------------------------------------------------------------
    async def sweep(self) -> int:
        """Remove the workspaces that expired; returns how many."""
        async with self.meta.read() as s:
            expired = await s.expired_workspaces(now(), 100)
        for record in expired:
            owner = Actor(user_id=record.user_id, scope_id=record.project_id, confined=True)
            with contextlib.suppress(NotFound, Conflict):  # gone or deleted already
                await self.graph.delete(owner, record.project_id)
            async with self.meta.write() as s:
                await s.delete_user_credentials(record.user_id)
                account = await s.get_user(record.user_id)
                if account is not None:
                    await s.update_user(account.model_copy(update={"active": False}))
                if await s.delete_workspace(record.project_id):
                    # Whoever held it (its signed-in creator) learns why it is gone.
                    project = await s.get_resource(record.project_id)
                    holders = [
                        p.user_id
                        for p in await s.permissions_on(record.project_id)
                        if p.user_id != record.user_id
                    ]
                    name = project.name if project else record.project_id
                    await notify(
                        s,
                        holders,
                        kind="workspace_expired",
                        title=f"Your workspace {name!r} expired and was removed",
                        body="Claim a workspace before it expires to keep it as a project",
                        resource_id=record.project_id,
                    )
            log.info("workspace %s expired and was removed", record.project_id)
        return len(expired)

    async def forever(self, interval: float) -> None:
        while True:
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("workspace sweep failed; trying again")
            await asyncio.sleep(interval)
