"""Read-only resources: archived projects and snapshots, marked by reserved static labels.

The labels are the single record of the state, so every view (resource JSON, fsspec `info()`,
the widgets' details) states it without extra fields. Users cannot set or remove keys under
the reserved prefix; only the lifecycle service writes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aos_fs.models import KeyValue, KeyValueVariant, Resource

from ..errors import Archived, PermissionDenied

if TYPE_CHECKING:
    from ..backends.metadata.base import MetadataSession

RESERVED_PREFIX = "aos."
ARCHIVED = "aos.archived"  # value: when it was archived (ISO 8601)
SNAPSHOT_OF = "aos.snapshot_of"  # value: id of the resource this one is a snapshot of


def label(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=value, variant=KeyValueVariant.STATIC_LABEL)


def _value(res: Resource, key: str) -> str | None:
    return next((kv.value for kv in res.key_values if kv.key == key), None)


def is_archived(res: Resource) -> bool:
    return _value(res, ARCHIVED) is not None


def snapshot_of(res: Resource) -> str | None:
    return _value(res, SNAPSHOT_OF)


def refuse_if_frozen(res: Resource, what: str = "") -> None:
    """Raise `Archived` when `res` itself is an archived project or part of a snapshot."""
    target = what or f"{res.kind.value.lower()} {res.name!r}"
    when = _value(res, ARCHIVED)
    if when is not None:
        raise Archived(
            f"Project {res.name!r} is archived (since {when}) and read-only: {target} cannot be "
            "changed; read it, or copy (clone) what you need into another project"
        )
    if snapshot_of(res) is not None:
        raise Archived(
            f"{res.kind.value.lower().capitalize()} {res.name!r} is a snapshot and read-only: "
            f"{target} cannot be changed; write to the original, or clone the snapshot"
        )


async def require_writable(s: MetadataSession, res: Resource) -> None:
    """Refuse a change to `res` when it or any resource above it is frozen."""
    refuse_if_frozen(res)
    above = await s.ancestor_ids(res.id)
    for parent in await s.get_resources(sorted(above)) if above else []:
        refuse_if_frozen(parent, f"{res.kind.value.lower()} {res.name!r}")


def check_reserved_keys(kvs: list[KeyValue]) -> None:
    """SECURITY: only the service sets the labels that make a resource read-only."""
    for kv in kvs:
        if kv.key.startswith(RESERVED_PREFIX):
            raise PermissionDenied(
                f"Keys under {RESERVED_PREFIX!r} are reserved for the service ({kv.key!r}); "
                "archive a project or take a snapshot through their own operations"
            )
