"""The governance services together: lifecycle (archive, snapshot, clone), rules, quotas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .lifecycle import LifecycleService
from .quotas import QuotaService
from .rules import RuleService

if TYPE_CHECKING:
    from ..backends.metadata.base import MetadataStore
    from .resources import ResourceService


@dataclass(frozen=True)
class Governance:
    lifecycle: LifecycleService
    rules: RuleService
    quotas: QuotaService

    @classmethod
    def build(cls, meta: MetadataStore, resources: ResourceService) -> Governance:
        return cls(LifecycleService(meta, resources), RuleService(meta), QuotaService(meta))
