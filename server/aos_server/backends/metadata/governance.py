"""The governance part of the metadata contract: blob registry, usage, quotas and write rules."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Scope = Literal["PROJECT", "USER"]


@dataclass(frozen=True, slots=True)
class QuotaRecord:
    scope: Scope
    subject_id: str
    max_bytes: int | None
    max_objects: int | None
    set_by: str | None
    set_at: datetime


@dataclass(frozen=True, slots=True)
class RuleRecord:
    """A CEL expression that must hold for a write below `resource_id` (all writes if `None`)."""

    id: str
    project_id: str | None
    resource_id: str | None
    name: str
    expression: str
    message: str
    created_by: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Limit:
    scope: Scope
    subject_id: str
    max_bytes: int | None
    max_objects: int | None
    bytes: int
    objects: int


class GovernanceSession(ABC):
    """Operations a `MetadataSession` offers for deduplication, usage, quotas and rules."""

    # -- blob registry (deduplication) ----------------------------------------------------------
    @abstractmethod
    async def find_blob(
        self, sha256: str, size: int, *, sealed: bool, project_id: str | None
    ) -> str | None:
        """A committed blob with this content and storage form; `None` when there is none.

        `project_id` limits the search to blobs first written in that project (`None`: any).
        Only blobs that a revision references are registered, and revisions are never removed,
        so a key returned here is never swept while the caller's transaction commits its use.
        """

    @abstractmethod
    async def register_blob(
        self, key: str, sha256: str, size: int, *, sealed: bool, project_id: str, when: datetime
    ) -> None:
        """Record a newly committed blob by content (no error when it is known already);
        `sealed`: stored encrypted at rest."""

    @abstractmethod
    async def stored_blobs(self) -> tuple[int, int]:
        """(count, bytes) of the distinct registered blobs: the physical side of deduplication."""

    # -- usage ----------------------------------------------------------------------------------
    @abstractmethod
    async def charge_object(
        self, object_id: str, project_id: str, user_id: str, size: int, *, new: bool
    ) -> None:
        """Add a revision of `size` bytes to `object_id`'s usage and to its project's and
        user's totals; `new`: its first revision (it then counts as one more object)."""

    @abstractmethod
    async def limits(self, project_id: str, user_id: str | None) -> list[Limit]:
        """The quotas of the project and of the user, each with the usage it limits
        (one query: this runs on every write)."""

    @abstractmethod
    async def set_object_live(self, object_id: str, live: bool) -> None:
        """Take a deleted object out of the totals, or put a restored one back (idempotent)."""

    @abstractmethod
    async def usage(self, scope: Scope, subject_id: str) -> tuple[int, int]:
        """(bytes, objects) currently charged to a project or a user."""

    # -- quotas ---------------------------------------------------------------------------------
    @abstractmethod
    async def get_quota(self, scope: Scope, subject_id: str) -> QuotaRecord | None: ...

    @abstractmethod
    async def set_quota(self, quota: QuotaRecord) -> None:
        """Create or replace the limits of a project or user."""

    @abstractmethod
    async def delete_quota(self, scope: Scope, subject_id: str) -> bool: ...

    # -- rules ----------------------------------------------------------------------------------
    @abstractmethod
    async def insert_rule(self, rule: RuleRecord) -> None: ...

    @abstractmethod
    async def get_rule(self, rule_id: str) -> RuleRecord | None: ...

    @abstractmethod
    async def list_rules(self, project_id: str | None) -> list[RuleRecord]:
        """The rules of one project, or the endpoint-wide ones when `project_id` is `None`."""

    @abstractmethod
    async def rules_for_write(self, project_id: str) -> list[RuleRecord]:
        """Every rule that may apply to a write in `project_id`: its own and the endpoint's."""

    @abstractmethod
    async def delete_rule(self, rule_id: str) -> bool: ...
