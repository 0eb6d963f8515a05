"""Where a write to `project/key` lands and whether it may: the path plan (DESIGN §3), S3
conditional writes, and the retry of a commit that lost a race for a name on its path."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from aos_fs.models import Kind, Resource

from ..backends.metadata.base import MetadataSession
from ..busy import retry_busy
from ..errors import AlreadyExists, Conflict, PreconditionFailed, ProjectNotFound

# Attempts of a revision commit that lost a race for a name or a revision number on its path;
# each lost race means another write committed, so with N writers at once N attempts suffice.
# (A deadlock victim, `Busy`, is retried apart, with pauses: `busy.retry_busy`.)
_RACE_RETRIES = 16
P = ParamSpec("P")
T = TypeVar("T")


def retry_name_races(func: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Two writes under one path race to create its containers or the object, or to take the
    next revision number: on PostgreSQL (READ COMMITTED) the later one hits a unique constraint
    and fails, though S3 promises that both writes succeed. Run the transaction again: it plans
    anew and sees what the winner committed. A deadlock victim (`Busy`) is run again after a
    short pause, a few times, and then reaches the caller marked as retried."""

    @functools.wraps(func)
    async def retried(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(_RACE_RETRIES):
            try:
                return await retry_busy(lambda: func(*args, **kwargs))
            except AlreadyExists:
                if attempt == _RACE_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    return retried


@dataclass
class WritePlan:
    """Where a write to `project/key` lands (DESIGN §3): existing parts and parts to create."""

    project: Resource
    parent: Resource  # deepest existing container
    create: list[tuple[Kind, str]] = field(default_factory=list)
    object_name: str = ""
    existing: Resource | None = None


async def plan_write(s: MetadataSession, project_name: str, key: str) -> WritePlan:
    project = await s.get_project_by_name(project_name)
    if project is None:
        raise ProjectNotFound(f"No project (bucket) named {project_name!r}", name=project_name)
    rest = key.split("/")
    plan = WritePlan(project=project, parent=project)
    here: Resource | None = project  # None once we are inside containers still to be created
    here_kind = Kind.PROJECT
    while True:
        # One lookup asks for both readings of the rest of the key: a whole object name
        # (names may hold "/") and the next container.
        found = (
            await s.get_children_named(here.id, ["/".join(rest), rest[0]])
            if here is not None
            else {}
        )
        if here is not None:
            whole = found.get("/".join(rest))
            if whole is not None:
                if whole.kind != Kind.OBJECT:
                    raise Conflict(
                        f"{key!r} is a {whole.kind.value.lower()}, not an object; choose another "
                        "key"
                    )
                plan.existing = whole
                plan.object_name = whole.name
                return plan
        if len(rest) == 1 or here_kind == Kind.DATASET:
            plan.object_name = "/".join(rest)
            return plan
        child = found.get(rest[0])
        if child is not None and child.kind in (Kind.COLLECTION, Kind.DATASET):
            if here_kind == Kind.COLLECTION and child.kind == Kind.COLLECTION:
                raise Conflict("A collection cannot hold a collection")
            here, here_kind = child, child.kind
            plan.parent = child
        else:
            new_kind = Kind.COLLECTION if here_kind == Kind.PROJECT else Kind.DATASET
            plan.create.append((new_kind, rest[0]))
            here, here_kind = None, new_kind
        rest = rest[1:]


@dataclass(frozen=True)
class WriteCondition:
    """S3 conditional writes: `If-None-Match: *` (create only) and `If-Match: <etag>`."""

    if_match: str | None = None
    if_none_match: bool = False

    def check(self, plan: WritePlan) -> None:
        existing = plan.existing
        if self.if_none_match and existing is not None and existing.revision:
            raise PreconditionFailed(
                "At least one of the preconditions failed: If-None-Match (the key exists)",
                condition="If-None-Match",
            )
        if self.if_match is not None:
            current = existing.etag if existing is not None and existing.revision else None
            if current is None or self.if_match.strip('"') not in (current, "*"):
                raise PreconditionFailed(
                    "At least one of the preconditions failed: If-Match (the key is "
                    + ("missing)" if current is None else "at another version)"),
                    condition="If-Match",
                )
