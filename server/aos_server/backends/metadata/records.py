"""The plain records a MetadataSession reads and writes besides the API models (aos_fs.models)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aos_fs.models import Resource, Token


@dataclass(frozen=True, slots=True)
class TokenRecord:
    token: Token
    secret_hash: str


@dataclass(frozen=True, slots=True)
class S3CredentialRecord:
    access_key_id: str
    secret_sealed: bytes
    user_id: str
    token_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UploadRecord:
    """A multipart upload in progress."""

    id: str
    project_id: str
    key: str
    user_id: str | None
    token_id: str | None
    content_type: str
    metadata: dict[str, str]
    checksum_algorithm: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PartRecord:
    upload_id: str
    part_number: int
    size: int
    etag: str
    checksums: dict[str, str]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BundleRecord:
    """A capability link to a streamed archive of resources."""

    id: str
    secret_hash: str
    user_id: str | None
    token_id: str | None
    resource_ids: list[str]
    format: str
    once: bool
    expires_at: datetime
    used_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What to find: words (all must match; the last one also as a prefix) and filters."""

    text: str = ""
    kinds: tuple[str, ...] = ()
    data_classes: tuple[str, ...] = ()
    license: str | None = None  # metadata or data license
    key_values: tuple[tuple[str, str | None], ...] = ()  # (key, value or any value)
    created_after: datetime | None = None
    created_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    resource: Resource
    score: float  # higher is better
    # Whether the words match in what a redacted view shows (name, title, description, authors):
    # callers who may only see that view must not find a resource by its hidden key-values.
    public_match: bool


@dataclass(frozen=True, slots=True)
class EventRecord:
    seq: int
    id: str
    type: str
    resource_id: str | None
    actor_id: str | None
    payload: dict[str, Any]
    created_at: datetime
    # The resource and its ancestors when the event happened (subtree filters, permissions).
    scope: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConsumerRecord:
    """A durable event consumer: its filter and how far it has read the log."""

    id: str
    name: str
    user_id: str
    within_id: str | None
    types: list[str]
    ack_wait: float
    delivered_seq: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class HookRecord:
    """A project's hook; `trigger` and `action` are the validated specs as JSON documents."""

    id: str
    project_id: str
    name: str
    trigger: dict[str, Any]
    action: dict[str, Any]
    secret_sealed: bytes | None
    enabled: bool
    timeout: float
    max_attempts: int
    backoff: float
    callback_ttl: int
    created_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One event handed to one hook, with its retry state (PENDING, SUCCEEDED or FAILED)."""

    id: str
    hook_id: str
    event_seq: int
    event_type: str
    resource_id: str | None
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    last_status: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class HookTokenRecord:
    """A short-lived callback token handed to an external hook (only its hash is stored)."""

    secret_hash: str
    delivery_id: str
    hook_id: str
    resource_id: str
    user_id: str
    expires_at: datetime
    created_at: datetime
