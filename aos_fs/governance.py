"""Governance on the client: archives, snapshots, clones, usage and quotas, write rules.

`client.governance` of `AOSClient` (and of `AsyncAOSClient`, with the same methods awaited)::

    snap = client.governance.snapshot(dataset.id)        # read-only copy of its current tree
    client.governance.archive(project.id)                # the project becomes read-only
    client.governance.clone(obj.id, other_dataset.id)    # shares the blob, no bytes copied
    client.governance.project_usage(project.id)          # bytes and objects, with the limits
    client.governance.add_rule(dataset.id, "csv-only",
        'kind != "OBJECT" || name.endsWith(".csv")', "only CSV files in this dataset")
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._requests import Call, T, call, seg
from .models import Resource

if TYPE_CHECKING:
    from .client import AOSClient, AsyncAOSClient


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SnapshotCreate(_Body):
    name: Annotated[str, Field(min_length=1, max_length=255)] | None = Field(
        default=None, description="Name of the snapshot; default `<name>.snapshot-<UTC time>`"
    )


class CloneCreate(_Body):
    parent_id: str = Field(description="Where the clone goes (project, collection or dataset)")
    name: Annotated[str, Field(min_length=1, max_length=1024)] | None = Field(
        default=None, description="Name of the clone; default the original's"
    )


class QuotaSet(_Body):
    max_bytes: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="Most bytes (all revisions of live objects); null: no limit"
    )
    max_objects: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="Most live objects; null: no limit"
    )


class Usage(BaseModel):
    """What a project or user holds now, and its limits (null: none)."""

    model_config = ConfigDict(frozen=True)
    scope: Literal["PROJECT", "USER"]
    subject_id: str
    bytes: int = Field(description="Bytes of every revision of live objects (logical)")
    objects: int = Field(description="Live objects")
    max_bytes: int | None = None
    max_objects: int | None = None


class RuleCreate(_Body):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    expression: Annotated[str, Field(min_length=1, max_length=2000)] = Field(
        description="CEL expression that must be true for a write to pass, e.g. "
        '`kind != "OBJECT" || name.endsWith(".csv")`'
    )
    message: Annotated[str, Field(min_length=1, max_length=1000)] = Field(
        description="What a refused user reads, e.g. 'only CSV files in this dataset'"
    )


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    project_id: str | None = Field(description="null: an endpoint-wide rule")
    resource_id: str | None = Field(description="Where it applies (and below); null: everywhere")
    name: str
    expression: str
    message: str
    created_by: str | None = None
    created_at: datetime


# -- the calls, described once ------------------------------------------------------------------
def _archive(project_id: str, on: bool) -> Call[Resource]:
    return call("POST" if on else "DELETE", f"/projects/{seg(project_id)}/archive", Resource)


def _snapshot(resource_id: str, name: str | None) -> Call[Resource]:
    body = SnapshotCreate(name=name)
    return call("POST", f"/resources/{seg(resource_id)}/snapshots", Resource, body=body)


def _clone(resource_id: str, parent_id: str, name: str | None) -> Call[Resource]:
    body = CloneCreate(parent_id=parent_id, name=name)
    return call("POST", f"/resources/{seg(resource_id)}/clone", Resource, body=body)


def _usage(kind: str, subject_id: str) -> Call[Usage]:
    return call("GET", f"/{kind}/{seg(subject_id)}/usage", Usage)


def _quota(
    kind: str, subject_id: str, max_bytes: int | None, max_objects: int | None
) -> Call[Usage]:
    body = {"max_bytes": max_bytes, "max_objects": max_objects}
    return call("PUT", f"/{kind}/{seg(subject_id)}/quota", Usage, body=body)


def _rules(resource_id: str | None) -> Call[list[Rule]]:
    path = "/rules" if resource_id is None else f"/resources/{seg(resource_id)}/rules"
    return call("GET", path, list[Rule])


def _add_rule(resource_id: str | None, name: str, expression: str, message: str) -> Call[Rule]:
    path = "/rules" if resource_id is None else f"/resources/{seg(resource_id)}/rules"
    body = RuleCreate(name=name, expression=expression, message=message)
    return call("POST", path, Rule, body=body)


def _delete_rule(rule_id: str) -> Call[Any]:
    return call("DELETE", f"/rules/{seg(rule_id)}")


class Governance:
    """`client.governance` of the synchronous client."""

    def __init__(self, client: AOSClient) -> None:
        self._client = client

    def _send(self, c: Call[T]) -> T:
        return self._client._send(c)

    def archive(self, project_id: str) -> Resource:
        """Make a project read-only for good (project admins); `unarchive` is for global admins."""
        return self._send(_archive(project_id, True))

    def unarchive(self, project_id: str) -> Resource:
        return self._send(_archive(project_id, False))

    def snapshot(self, resource_id: str, name: str | None = None) -> Resource:
        """A read-only copy of a collection's or dataset's current tree, beside it."""
        return self._send(_snapshot(resource_id, name))

    def clone(self, resource_id: str, parent_id: str, name: str | None = None) -> Resource:
        """Copy a resource into `parent_id`; objects share their blobs with the original."""
        return self._send(_clone(resource_id, parent_id, name))

    def project_usage(self, project_id: str) -> Usage:
        return self._send(_usage("projects", project_id))

    def user_usage(self, user_id: str = "me") -> Usage:
        return self._send(_usage("users", user_id))

    def set_project_quota(
        self, project_id: str, *, max_bytes: int | None = None, max_objects: int | None = None
    ) -> Usage:
        """Set (or with both `None`, remove) a project's limits (global admins)."""
        return self._send(_quota("projects", project_id, max_bytes, max_objects))

    def set_user_quota(
        self, user_id: str, *, max_bytes: int | None = None, max_objects: int | None = None
    ) -> Usage:
        return self._send(_quota("users", user_id, max_bytes, max_objects))

    def rules(self, resource_id: str | None = None) -> list[Rule]:
        """Rules that apply at a resource, or the endpoint-wide ones."""
        return self._send(_rules(resource_id))

    def add_rule(self, resource_id: str | None, name: str, expression: str, message: str) -> Rule:
        """A rule for writes at and below `resource_id` (`None`: endpoint-wide)."""
        return self._send(_add_rule(resource_id, name, expression, message))

    def delete_rule(self, rule_id: str) -> None:
        self._send(_delete_rule(rule_id))


class AsyncGovernance:
    """`client.governance` of the asynchronous client."""

    def __init__(self, client: AsyncAOSClient) -> None:
        self._client = client

    async def archive(self, project_id: str) -> Resource:
        return await self._client._send(_archive(project_id, True))

    async def unarchive(self, project_id: str) -> Resource:
        return await self._client._send(_archive(project_id, False))

    async def snapshot(self, resource_id: str, name: str | None = None) -> Resource:
        return await self._client._send(_snapshot(resource_id, name))

    async def clone(self, resource_id: str, parent_id: str, name: str | None = None) -> Resource:
        return await self._client._send(_clone(resource_id, parent_id, name))

    async def project_usage(self, project_id: str) -> Usage:
        return await self._client._send(_usage("projects", project_id))

    async def user_usage(self, user_id: str = "me") -> Usage:
        return await self._client._send(_usage("users", user_id))

    async def rules(self, resource_id: str | None = None) -> list[Rule]:
        return await self._client._send(_rules(resource_id))

    async def set_project_quota(
        self, project_id: str, *, max_bytes: int | None = None, max_objects: int | None = None
    ) -> Usage:
        call_ = _quota("projects", project_id, max_bytes, max_objects)
        return await self._client._send(call_)

    async def add_rule(
        self, resource_id: str | None, name: str, expression: str, message: str
    ) -> Rule:
        call_ = _add_rule(resource_id, name, expression, message)
        return await self._client._send(call_)

    async def delete_rule(self, rule_id: str) -> None:
        await self._client._send(_delete_rule(rule_id))
