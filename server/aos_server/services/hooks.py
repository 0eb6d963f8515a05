"""Hooks per project: a trigger (event kind + regex filters) and an action (internal or webhook).

The specs are validated here; `hook_runner` turns events into deliveries and carries them out.
"""

from __future__ import annotations

import re
from dataclasses import replace as _replace
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from aos_fs.models import KeyValueVariant, Kind, Resource, Status

from ..backends.metadata.base import (
    DeliveryRecord,
    EventRecord,
    HookRecord,
    MetadataSession,
    MetadataStore,
)
from ..domain.ids import new_id, new_secret
from ..domain.permissions import Actor, Level
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from ..keyring import Keyring
from . import permissions as perms
from .common import emit, load, now

SECRET_PURPOSE = "hook-secret"  # noqa: S105 - a key-derivation label, not a secret
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def _regex(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from exc
    return value


Regex = Annotated[str, Field(max_length=256), AfterValidator(_regex)]
TriggerKind = Literal[
    "resource_created",
    "label_added",
    "static_label_added",
    "hook_key_value_added",
    "object_finished",
    "resource_deleted",
]
_KV_TRIGGERS = {
    "label_added": KeyValueVariant.LABEL,
    "static_label_added": KeyValueVariant.STATIC_LABEL,
    "hook_key_value_added": KeyValueVariant.HOOK,
}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Trigger(_Spec):
    """When a hook fires. Every regex given must match (`re.search`); none given: always."""

    on: TriggerKind
    kinds: list[Kind] = Field(default_factory=list, description="Only these resource kinds")
    name: Regex | None = Field(default=None, description="Regex on the resource's name")
    key: Regex | None = Field(default=None, description="Regex on the added key-value's key")
    value: Regex | None = Field(default=None, description="Regex on the added key-value's value")

    @model_validator(mode="after")
    def _key_filters_need_a_key_value_trigger(self) -> Trigger:
        if (self.key is not None or self.value is not None) and self.on not in _KV_TRIGGERS:
            raise ValueError(
                "`key` and `value` filters apply to label_added, static_label_added and "
                "hook_key_value_added triggers only"
            )
        return self


class AddKeyValue(_Spec):
    """Internal action: add a LABEL or HOOK_STATUS key-value to the resource."""

    type: Literal["add_key_value"]
    key: Annotated[str, Field(min_length=1, max_length=256)]
    value: Annotated[str, Field(max_length=4096)] = ""
    variant: Literal["LABEL", "HOOK_STATUS"] = "LABEL"


class AddRelation(_Spec):
    """Internal action: add a relation from the resource to `target_id`."""

    type: Literal["add_relation"]
    target_id: str
    relation: Literal["ORIGIN", "METADATA", "CUSTOM"] = "CUSTOM"
    custom_type: Annotated[str, Field(min_length=1, max_length=128)] | None = None


class Webhook(_Spec):
    """External action: an HTTP call signed with HMAC-SHA256 over the raw body."""

    type: Literal["webhook"]
    url: Annotated[str, Field(pattern=r"^https?://", max_length=2048)]
    method: Literal["POST", "PUT"] = "POST"
    template: Annotated[str, Field(max_length=65_536)] | None = Field(
        default=None,
        description="Body template; {{dotted.path}} is replaced from the default payload",
    )
    content_type: str = "application/json"
    validate_object: bool = Field(
        default=False,
        description="Set the object VALIDATING before the call; the callback token then sets "
        "AVAILABLE or ERROR",
    )


Action = Annotated[AddKeyValue | AddRelation | Webhook, Field(discriminator="type")]


class HookSettings(_Spec):
    enabled: bool = True
    timeout: Annotated[float, Field(ge=0.5, le=300, description="Seconds per attempt")] = 10.0
    max_attempts: Annotated[int, Field(ge=1, le=50)] = 8
    backoff: Annotated[
        float, Field(ge=0.1, le=3600, description="Seconds before the first retry; doubles")
    ] = 5.0
    callback_ttl: Annotated[
        int, Field(ge=30, le=86_400, description="Lifetime of the callback token, seconds")
    ] = 900


class HookCreate(HookSettings):
    name: Annotated[str, Field(min_length=1, max_length=128)]
    trigger: Trigger
    action: Action
    secret: Annotated[str, Field(min_length=16, max_length=256)] | None = Field(
        default=None, description="Webhook signing secret; generated when not given"
    )


class HookUpdate(_Spec):
    name: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    trigger: Trigger | None = None
    action: Action | None = None
    enabled: bool | None = None
    timeout: Annotated[float, Field(ge=0.5, le=300)] | None = None
    max_attempts: Annotated[int, Field(ge=1, le=50)] | None = None
    backoff: Annotated[float, Field(ge=0.1, le=3600)] | None = None
    callback_ttl: Annotated[int, Field(ge=30, le=86_400)] | None = None
    rotate_secret: bool = Field(default=False, description="Issue a new signing secret")


class Hook(BaseModel):
    id: str
    project_id: str
    name: str
    trigger: Trigger
    action: Action
    enabled: bool
    timeout: float
    max_attempts: int
    backoff: float
    callback_ttl: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    secret: str | None = Field(
        default=None, description="The signing secret: in the create/rotate response only"
    )


class Delivery(BaseModel):
    id: str
    hook_id: str
    event_seq: int
    event_type: str
    resource_id: str | None
    status: Literal["PENDING", "SUCCEEDED", "FAILED"]
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    last_status: int | None
    created_at: datetime
    updated_at: datetime


def hook_view(record: HookRecord, secret: str | None = None) -> Hook:
    return Hook(
        id=record.id,
        project_id=record.project_id,
        name=record.name,
        trigger=Trigger.model_validate(record.trigger),
        action=record.action,
        enabled=record.enabled,
        timeout=record.timeout,
        max_attempts=record.max_attempts,
        backoff=record.backoff,
        callback_ttl=record.callback_ttl,
        created_by=record.created_by,
        created_at=record.created_at,
        updated_at=record.updated_at,
        secret=secret,
    )


def delivery_view(d: DeliveryRecord) -> Delivery:
    return Delivery(
        id=d.id,
        hook_id=d.hook_id,
        event_seq=d.event_seq,
        event_type=d.event_type,
        resource_id=d.resource_id,
        status=d.status,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at if d.status == "PENDING" else None,
        last_error=d.last_error,
        last_status=d.last_status,
        created_at=d.created_at,
        updated_at=d.updated_at,
    )


def matches(trigger: Trigger, event: EventRecord) -> bool:
    """Does `event` fire a hook with this trigger? (The project is checked by the caller.)"""
    data = event.payload
    if data.get("via_hook"):
        return False  # SECURITY/robustness: changes made by hooks never fire hooks (no loops)
    expected = {
        "resource_created": {"resource.created"},
        "object_finished": {"object.available"},
        "resource_deleted": {"resource.deleted"},
    }.get(trigger.on, {"resource.created", "resource.key_values_changed"})
    if event.type not in expected:
        return False
    if trigger.kinds and data.get("kind") not in {k.value for k in trigger.kinds}:
        return False
    if trigger.name is not None and not re.search(trigger.name, str(data.get("name", ""))):
        return False
    variant = _KV_TRIGGERS.get(trigger.on)
    if variant is None:
        return True
    added = data.get("added") if event.type == "resource.key_values_changed" else None
    if added is None:
        added = data.get("key_values", [])
    for kv in added if isinstance(added, list) else []:
        if not isinstance(kv, dict) or kv.get("variant", "LABEL") != variant.value:
            continue
        if trigger.key is not None and not re.search(trigger.key, str(kv.get("key", ""))):
            continue
        if trigger.value is not None and not re.search(trigger.value, str(kv.get("value", ""))):
            continue
        return True
    return False


class HookService:
    def __init__(self, meta: MetadataStore, keyring: Keyring, *, public_url: str | None) -> None:
        self.meta = meta
        self.keyring = keyring
        self._public_url = public_url
        self._seen_origin: str | None = None

    def note_origin(self, origin: str) -> None:
        """Remember how clients reach the API, for callbacks when no public URL is configured."""
        if self._seen_origin is None:
            self._seen_origin = origin.rstrip("/")

    def public_url(self, fallback: str) -> str:
        """The base URL put into payloads: the configured public URL, else what clients used."""
        return (self._public_url or self._seen_origin or fallback).rstrip("/")

    async def _project(self, actor: Actor, project_id: str) -> Resource:
        if actor.anonymous:
            raise Unauthenticated("Sign in to manage hooks")
        async with self.meta.read() as s:
            project = await load(s, project_id)
            if project.kind != Kind.PROJECT:
                raise InvalidInput(
                    f"Hooks belong to projects; {project.name!r} is a {project.kind.value.lower()}"
                )
            await perms.require(s, actor, project, Level.ADMIN)
        return project

    async def _hook(self, actor: Actor, hook_id: str) -> HookRecord:
        async with self.meta.read() as s:
            hook = await s.get_hook(hook_id)
        if hook is None:
            raise NotFound(f"No hook with id {hook_id!r}", id=hook_id)
        try:
            await self._project(actor, hook.project_id)
        except PermissionDenied:
            raise NotFound(f"No hook with id {hook_id!r}", id=hook_id) from None
        return hook

    def _seal(self, secret: str | None, action: Action) -> tuple[bytes | None, str | None]:
        if not isinstance(action, Webhook):
            return None, None
        secret = secret or SECRET_PREFIX + new_secret(32)
        return self.keyring.seal(secret.encode(), SECRET_PURPOSE), secret

    def secret_of(self, hook: HookRecord) -> bytes:
        if hook.secret_sealed is None:
            raise Conflict(f"Hook {hook.name!r} has no signing secret; rotate it to get one")
        return self.keyring.unseal(hook.secret_sealed, SECRET_PURPOSE)

    async def create(self, actor: Actor, project_id: str, body: HookCreate) -> Hook:
        await self._project(actor, project_id)
        self._check_action(body.action)
        sealed, secret = self._seal(body.secret, body.action)
        ts = now()
        record = HookRecord(
            id=new_id(),
            project_id=project_id,
            name=body.name,
            trigger=body.trigger.model_dump(mode="json", exclude_none=True),
            action=body.action.model_dump(mode="json", exclude_none=True),
            secret_sealed=sealed,
            enabled=body.enabled,
            timeout=body.timeout,
            max_attempts=body.max_attempts,
            backoff=body.backoff,
            callback_ttl=body.callback_ttl,
            created_by=actor.user_id or "",
            created_at=ts,
            updated_at=ts,
        )
        async with self.meta.write() as s:
            await s.insert_hook(record)
        return hook_view(record, secret)

    @staticmethod
    def _check_action(action: Action) -> None:
        if (
            isinstance(action, AddRelation)
            and action.relation == "CUSTOM"
            and not action.custom_type
        ):
            raise InvalidInput("A CUSTOM relation needs `custom_type`", field="custom_type")
        if (
            isinstance(action, Webhook)
            and action.template is not None
            and "{{" not in action.template
        ):
            raise InvalidInput(
                "The template has no {{placeholder}}; leave it out to send the default "
                "JSON payload",
                field="template",
            )

    async def list_hooks(self, actor: Actor, project_id: str) -> list[Hook]:
        await self._project(actor, project_id)
        async with self.meta.read() as s:
            return [hook_view(h) for h in await s.list_hooks(project_id)]

    async def get(self, actor: Actor, hook_id: str) -> Hook:
        return hook_view(await self._hook(actor, hook_id))

    async def update(self, actor: Actor, hook_id: str, body: HookUpdate) -> Hook:
        hook = await self._hook(actor, hook_id)
        changes: dict[str, Any] = body.model_dump(
            exclude_unset=True, exclude={"rotate_secret", "trigger", "action"}
        )
        if body.trigger is not None:
            changes["trigger"] = body.trigger.model_dump(mode="json", exclude_none=True)
        action: Action | None = body.action
        if action is not None:
            self._check_action(action)
            changes["action"] = action.model_dump(mode="json", exclude_none=True)
        secret = None
        new_action = action or hook_view(hook).action
        if isinstance(new_action, Webhook) and (body.rotate_secret or hook.secret_sealed is None):
            changes["secret_sealed"], secret = self._seal(None, new_action)
        updated = _replace(hook, **changes, updated_at=now())
        async with self.meta.write() as s:
            await s.update_hook(updated)
        return hook_view(updated, secret)

    async def delete(self, actor: Actor, hook_id: str) -> None:
        await self._hook(actor, hook_id)
        async with self.meta.write() as s:
            await s.delete_hook(hook_id)

    async def deliveries(
        self, actor: Actor, hook_id: str, *, before: str | None, limit: int
    ) -> list[Delivery]:
        await self._hook(actor, hook_id)
        async with self.meta.read() as s:
            rows = await s.list_deliveries(hook_id, before=before, limit=limit)
        return [delivery_view(d) for d in rows]

    async def retry(self, actor: Actor, hook_id: str, delivery_id: str) -> Delivery:
        """Queue a delivery again at once (one more attempt when it had failed)."""
        await self._hook(actor, hook_id)
        async with self.meta.write() as s:
            d = await s.get_delivery(delivery_id)
            if d is None or d.hook_id != hook_id:
                raise NotFound(f"Hook {hook_id} has no delivery {delivery_id!r}")
            if d.status == "PENDING":
                raise Conflict("This delivery is still pending; it will be attempted again")
            hook = await s.get_hook(hook_id)
            limit = hook.max_attempts if hook else 1
            d = _replace(
                d,
                status="PENDING",
                attempts=min(d.attempts, limit - 1),
                next_attempt_at=now(),
                updated_at=now(),
            )
            await s.update_delivery(d)
        return delivery_view(d)

    # -- the status a validator sets --------------------------------------------------------
    async def set_status(
        self, actor: Actor, resource_id: str, status: Status, message: str
    ) -> Resource:
        """VALIDATING → AVAILABLE/ERROR by a callback token; any data status by an admin."""
        async with self.meta.write() as s:
            res = await load(s, resource_id)
            if actor.purpose == "hook":
                await perms.require_hook_target(s, actor, res)
                if res.status != Status.VALIDATING or status not in (
                    Status.AVAILABLE,
                    Status.ERROR,
                ):
                    raise PermissionDenied(
                        f"A hook callback token can only move VALIDATING to AVAILABLE or ERROR "
                        f"(the object is {res.status.value})"
                    )
            else:
                await perms.require(s, actor, res, Level.ADMIN)
                allowed = {Status.AVAILABLE, Status.ERROR, Status.UNAVAILABLE, Status.VALIDATING}
                if status not in allowed:
                    raise InvalidInput(
                        f"The status can be set to {', '.join(sorted(allowed))} only",
                        field="status",
                    )
            if res.kind != Kind.OBJECT or not res.revision:
                raise Conflict(f"{res.name!r} is not an object with data; it has no data status")
            return await self._set_status(s, actor, res, status, message)

    @staticmethod
    async def _set_status(
        s: MetadataSession, actor: Actor, res: Resource, status: Status, message: str
    ) -> Resource:
        updated = res.model_copy(update={"status": status, "updated_at": now()})
        await s.update_resource(updated)
        await emit(
            s,
            actor,
            "resource.status_changed",
            updated,
            **{"from": res.status.value, "to": status.value, "message": message},
        )
        return updated

    async def mark_validating(self, actor: Actor, resource_id: str) -> bool:
        """Before a validating webhook: AVAILABLE → VALIDATING (False if it is not AVAILABLE)."""
        async with self.meta.write() as s:
            res = await load(s, resource_id)
            if res.kind != Kind.OBJECT or res.status != Status.AVAILABLE:
                return False
            await self._set_status(s, actor, res, Status.VALIDATING, "validation started")
        return True
