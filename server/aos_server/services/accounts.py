"""The account services, held together under one application key (`keys.ACCOUNTS`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..backends.metadata.base import MetadataStore
from ..keyring import Keyring
from .access_requests import AccessRequestService
from .announcements import AnnouncementService, StatisticsService
from .inbox import InboxService
from .service_accounts import ServiceAccountService


@dataclass(frozen=True, slots=True)
class Accounts:
    inbox: InboxService
    requests: AccessRequestService
    announcements: AnnouncementService
    statistics: StatisticsService
    service_accounts: ServiceAccountService

    @classmethod
    def create(cls, meta: MetadataStore, keyring: Keyring) -> Accounts:
        return cls(
            inbox=InboxService(meta),
            requests=AccessRequestService(meta),
            announcements=AnnouncementService(meta),
            statistics=StatisticsService(meta),
            service_accounts=ServiceAccountService(meta, keyring),
        )
