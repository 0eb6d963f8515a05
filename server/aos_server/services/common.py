"""Small pieces every service uses: clock, loading with a clear error, hierarchy rules, events."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from aos_fs.models import (
    Kind,
    Resource,
    check_container_name,
    check_object_name,
    check_project_name,
)

from ..backends.metadata.base import MetadataSession
from ..domain.permissions import Actor
from ..errors import InvalidInput, ResourceNotFound

# Which kinds may be direct children of which (Aruna v2: P>C>D>O, P>C>O, P>D>O, P>O).
ALLOWED_CHILDREN: dict[Kind, frozenset[Kind]] = {
    Kind.PROJECT: frozenset({Kind.COLLECTION, Kind.DATASET, Kind.OBJECT}),
    Kind.COLLECTION: frozenset({Kind.DATASET, Kind.OBJECT}),
    Kind.DATASET: frozenset({Kind.OBJECT}),
    Kind.OBJECT: frozenset(),
}


def now() -> datetime:
    return datetime.now(UTC)


async def load(s: MetadataSession, resource_id: str) -> Resource:
    res = await s.get_resource(resource_id)
    if res is None:
        raise ResourceNotFound(
            f"No resource with id {resource_id!r}; check the id, or resolve a path with "
            "GET /api/v2/resolve?path=…",
            id=resource_id,
        )
    return res


def check_parent(parent: Resource, child_kind: Kind) -> None:
    if child_kind not in ALLOWED_CHILDREN[parent.kind]:
        allowed = ", ".join(sorted(k.value.lower() for k in ALLOWED_CHILDREN[parent.kind]))
        raise InvalidInput(
            f"A {child_kind.value.lower()} cannot be placed in a {parent.kind.value.lower()}"
            + (f"; a {parent.kind.value.lower()} holds: {allowed}" if allowed else "")
        )


def check_name(kind: Kind, name: str) -> str:
    check = {
        Kind.PROJECT: check_project_name,
        Kind.COLLECTION: check_container_name,
        Kind.DATASET: check_container_name,
        Kind.OBJECT: check_object_name,
    }[kind]
    try:
        return check(name)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="name") from exc


async def emit(
    s: MetadataSession,
    actor: Actor,
    type: str,
    resource: Resource | None,
    *,
    above: Iterable[str] | None = None,
    **payload: Any,
) -> None:
    """Append an event in the caller's transaction, so it commits with the change.

    The event records the resource's ancestors (`above`, looked up when not given) so consumers
    can filter by subtree and check permissions even after the resource is deleted or moved.
    """
    scope: list[str] = []
    if resource is not None:
        payload.setdefault("kind", resource.kind.value)
        payload.setdefault("name", resource.name)
        payload.setdefault("data_class", resource.data_class.value)
        payload.setdefault("status", resource.status.value)
        ancestors = await s.ancestor_ids(resource.id) if above is None else set(above)
        scope = [resource.id, *sorted(ancestors - {resource.id})]
    if actor.purpose.startswith("hook"):
        payload["via_hook"] = True  # events caused by hooks never trigger hooks (no loops)
    await s.log_event(type, resource.id if resource else None, actor.user_id, payload, scope=scope)


def encode_cursor(sort_value: Any, last_id: str) -> str:
    raw = json.dumps([sort_value, last_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, last_id = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidInput(
            "The cursor is not valid; pass back the `next_cursor` of the previous page unchanged",
            field="cursor",
        ) from exc
    if not isinstance(last_id, str):
        raise InvalidInput("The cursor is not valid", field="cursor")
    return value, last_id
