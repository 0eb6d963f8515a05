"""Wire models of the JSON API, shared by the server and the client.

Dependency-light on purpose (pydantic only): the server imports these to render responses and the
client parses responses into them, so both sides agree by construction.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

# --- value types -----------------------------------------------------------------------------

RESERVED_PROJECT_NAMES = frozenset({"api", "r", "health", "static", "ui"})
PROJECT_NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def check_project_name(name: str) -> str:
    # fullmatch: with match(), `$` also matched before a trailing newline ("abc\n").
    if not PROJECT_NAME_RE.fullmatch(name) or "--" in name[:4]:
        raise ValueError(
            f"{name!r} is not a valid project name: use 3-63 characters of lowercase letters, "
            "digits and '-', starting and ending with a letter or digit "
            "(it is also the S3 bucket name)"
        )
    if name in RESERVED_PROJECT_NAMES:
        raise ValueError(
            f"{name!r} is reserved; choose another project name "
            f"(reserved: {', '.join(sorted(RESERVED_PROJECT_NAMES))})"
        )
    return name


def check_container_name(name: str) -> str:
    """Collections and datasets: one path segment."""
    if not name or len(name.encode()) > 255:
        raise ValueError("a name must have 1-255 bytes")
    if "/" in name or name in (".", "..") or _CONTROL_RE.search(name):
        raise ValueError(
            f"{name!r} is not a valid collection or dataset name: no '/', no control characters, "
            "and not '.' or '..'"
        )
    return name


def check_object_name(name: str) -> str:
    """Objects: may contain '/', which clients show as pseudo-directories."""
    if not name or len(name.encode()) > 1024:
        raise ValueError("an object name must have 1-1024 bytes")
    if _CONTROL_RE.search(name) or name.startswith("/") or name.endswith("/") or "//" in name:
        raise ValueError(
            f"{name!r} is not a valid object name: no control characters, no leading or trailing "
            "'/', and no empty segments ('//')"
        )
    if any(seg in (".", "..") for seg in name.split("/")):
        raise ValueError(f"{name!r} is not a valid object name: '.' and '..' segments are refused")
    return name


ProjectName = Annotated[str, AfterValidator(check_project_name)]
ContainerName = Annotated[str, AfterValidator(check_container_name)]
ObjectName = Annotated[str, AfterValidator(check_object_name)]
Title = Annotated[str, StringConstraints(max_length=1024)]
Description = Annotated[str, StringConstraints(max_length=65536)]
LicenseTag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.+-]{1,64}$")]
Orcid = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")]


class Kind(StrEnum):
    PROJECT = "PROJECT"
    COLLECTION = "COLLECTION"
    DATASET = "DATASET"
    OBJECT = "OBJECT"


class DataClass(StrEnum):
    """Who may find and read a resource; listed from the most open to the most closed."""

    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"
    WORKSPACE = "WORKSPACE"
    CONFIDENTIAL = "CONFIDENTIAL"

    @property
    def rank(self) -> int:
        return list(DataClass).index(self)


class Status(StrEnum):
    INITIALIZING = "INITIALIZING"
    VALIDATING = "VALIDATING"
    AVAILABLE = "AVAILABLE"
    UNAVAILABLE = "UNAVAILABLE"
    ERROR = "ERROR"
    DELETED = "DELETED"


class KeyValueVariant(StrEnum):
    LABEL = "LABEL"
    STATIC_LABEL = "STATIC_LABEL"
    HOOK = "HOOK"
    HOOK_STATUS = "HOOK_STATUS"


class RelationType(StrEnum):
    BELONGS_TO = "BELONGS_TO"
    VERSION = "VERSION"
    ORIGIN = "ORIGIN"
    METADATA = "METADATA"
    DELETED = "DELETED"
    CUSTOM = "CUSTOM"


class ExternalRelationType(StrEnum):
    URL = "URL"
    IDENTIFIER = "IDENTIFIER"
    CUSTOM = "CUSTOM"


class PermissionLevel(StrEnum):
    NONE = "NONE"
    READ = "READ"
    APPEND = "APPEND"
    WRITE = "WRITE"
    ADMIN = "ADMIN"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KeyValue(_Value):
    key: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    value: Annotated[str, StringConstraints(max_length=4096)] = ""
    variant: KeyValueVariant = KeyValueVariant.LABEL


class Author(_Value):
    name: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    email: Annotated[str, StringConstraints(max_length=256)] | None = None
    orcid: Orcid | None = None


class ExternalRelation(_Value):
    type: ExternalRelationType
    target: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    custom_type: Annotated[str, StringConstraints(max_length=128)] | None = None


class Relation(_Value):
    origin_id: str
    target_id: str
    type: RelationType
    custom_type: str | None = None


class Hashes(_Value):
    md5: str | None = None
    sha256: str | None = None
    checksums: dict[str, str] = Field(
        default_factory=dict, description="S3 checksums sent by the client (crc32, sha1, ...)"
    )


class Stats(_Value):
    count: int = Field(description="Objects below this resource (recursive)")
    size: int = Field(description="Total bytes of the latest revisions below this resource")
    last_updated: datetime | None = None


class EndpointInfo(_Value):
    id: str
    name: str
    status: str = Field(
        default="AVAILABLE",
        description="An object's latest revision on this endpoint: WAITING, RUNNING, FINISHED "
        "or ERROR (see docs/replication.md)",
    )
    attempts: int = Field(default=0, description="Replica transfer attempts so far")
    error: str = Field(default="", description="The last transfer failure, if any")


class Resource(_Value):
    """A project, collection, dataset or object."""

    id: str
    kind: Kind
    name: str
    title: str = ""
    description: str = ""
    key_values: list[KeyValue] = Field(default_factory=list)
    authors: list[Author] = Field(default_factory=list)
    external_relations: list[ExternalRelation] = Field(default_factory=list)
    metadata_license: str
    data_license: str
    data_class: DataClass
    status: Status
    created_by: str | None = None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    # objects only: the latest revision
    revision: int | None = None
    version_id: str | None = None
    size: int | None = None
    content_type: str | None = None
    hashes: Hashes | None = None
    etag: str | None = Field(default=None, description="S3 ETag of the latest revision")
    # containers only, when requested
    stats: Stats | None = None
    endpoints: list[EndpointInfo] = Field(default_factory=list)
    redacted: bool = Field(
        default=False, description="True when the caller may only see a redacted view"
    )


class ObjectVersion(_Value):
    """One immutable revision of an object."""

    id: str = Field(description="Version id; also the S3 versionId")
    object_id: str
    revision: int
    size: int
    content_type: str
    hashes: Hashes
    etag: str
    status: Status
    metadata: dict[str, str] = Field(default_factory=dict, description="S3 user metadata")
    parts: list[int] = Field(
        default_factory=list, description="Part sizes, for revisions uploaded in parts"
    )
    created_by: str | None = None
    created_at: datetime


class User(_Value):
    id: str
    name: str
    display_name: str = ""
    email: str | None = None
    is_admin: bool = False
    is_service_account: bool = False
    project_id: str | None = Field(default=None, description="Service accounts: their project")
    active: bool = True
    created_at: datetime


class Token(_Value):
    id: str
    user_id: str
    name: str
    scope_id: str | None = None
    level: PermissionLevel = PermissionLevel.ADMIN
    expires_at: datetime | None = None
    created_at: datetime
    last_used_at: datetime | None = None


class CreatedToken(Token):
    secret: str = Field(description="The token to send as `Authorization: Bearer`; shown once")


class Permission(_Value):
    user_id: str
    resource_id: str
    level: PermissionLevel
    granted_by: str | None = None
    granted_at: datetime


class License(_Value):
    tag: str
    name: str
    url: str = ""


class S3Credentials(_Value):
    access_key_id: str
    secret_access_key: str | None = Field(default=None, description="Shown once, on creation")
    user_id: str
    token_id: str | None = None
    created_at: datetime


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a listing; pass `next_cursor` back as `cursor` for the next one."""

    model_config = ConfigDict(extra="forbid")
    items: list[T]
    next_cursor: str | None = None


class WhoAmI(_Value):
    user: User | None
    token: Token | None = None


class Problem(BaseModel):
    """RFC 9457 problem details; every API error has this shape."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, Any]] | None = None


# --- request bodies ---------------------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _MetadataFields(_Body):
    title: Title = ""
    description: Description = ""
    key_values: Annotated[list[KeyValue], Field(max_length=1000)] = Field(default_factory=list)
    authors: Annotated[list[Author], Field(max_length=1000)] = Field(default_factory=list)
    external_relations: Annotated[list[ExternalRelation], Field(max_length=1000)] = Field(
        default_factory=list
    )
    metadata_license: LicenseTag | None = Field(
        default=None, description="SPDX id; defaults to the parent's"
    )
    data_license: LicenseTag | None = Field(
        default=None, description="SPDX id; defaults to the parent's"
    )
    data_class: DataClass | None = Field(
        default=None, description="Defaults to the parent's (PRIVATE for projects)"
    )


class ProjectCreate(_MetadataFields):
    name: ProjectName


class CollectionCreate(_MetadataFields):
    name: ContainerName
    parent_id: str = Field(description="Id of the project")


class DatasetCreate(_MetadataFields):
    name: ContainerName
    parent_id: str = Field(description="Id of the project or collection")


class ObjectCreate(_MetadataFields):
    """Creates an object's metadata; its bytes go through the S3 endpoint (status INITIALIZING)."""

    name: ObjectName
    parent_id: str = Field(description="Id of the project, collection or dataset")
    content_type: Annotated[str, StringConstraints(max_length=256)] = "application/octet-stream"


class ResourceUpdate(_Body):
    """Fields to change; absent fields stay as they are."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=1024)] | None = None
    title: Title | None = None
    description: Description | None = None
    authors: Annotated[list[Author], Field(max_length=1000)] | None = None
    metadata_license: LicenseTag | None = None
    data_license: LicenseTag | None = None
    data_class: DataClass | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> ResourceUpdate:
        # `None` is how the model says "absent"; a field sent as null would mean "clear it",
        # which none of these fields can be.
        for name in sorted(self.model_fields_set):
            if getattr(self, name) is None:
                raise ValueError(
                    f"`{name}` cannot be null; leave it out to keep its current value"
                    + (
                        ""
                        if name in ("data_class", "name", "metadata_license", "data_license")
                        else ' (send "" or [] to empty it)'
                    )
                )
        return self


class KeyValueChange(_Body):
    add: Annotated[list[KeyValue], Field(max_length=1000)] = Field(default_factory=list)
    remove: Annotated[list[KeyValue], Field(max_length=1000)] = Field(default_factory=list)


class RelationCreate(_Body):
    target_id: str
    type: RelationType
    custom_type: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None


class ExternalRelationChange(_Body):
    add: list[ExternalRelation] = Field(default_factory=list)
    remove: list[ExternalRelation] = Field(default_factory=list)


class UserCreate(_Body):
    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")]
    display_name: Annotated[str, StringConstraints(max_length=256)] = ""
    email: Annotated[str, StringConstraints(max_length=256)] | None = None
    is_admin: bool = False


class ServiceAccountCreate(_Body):
    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")]
    project_id: str
    level: PermissionLevel = PermissionLevel.READ


class TokenCreate(_Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    scope_id: str | None = Field(default=None, description="Limit the token to this resource")
    level: PermissionLevel = Field(
        default=PermissionLevel.ADMIN, description="Ceiling: the token never grants more"
    )
    expires_at: datetime | None = None
    user_id: str | None = Field(
        default=None, description="Create for another user (global admins) or a service account"
    )


class PermissionGrant(_Body):
    user_id: str
    level: PermissionLevel


class LicenseCreate(_Body):
    tag: LicenseTag
    name: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    url: Annotated[str, StringConstraints(max_length=2048)] = ""


class S3CredentialsCreate(_Body):
    token_id: str | None = Field(
        default=None, description="Scope the keys by one of your tokens (its scope and ceiling)"
    )


class SearchResult(BaseModel):
    """One search hit: the resource (redacted where the caller may only see that), its score."""

    resource: Resource
    score: float
    path: str | None = Field(
        default=None, description="project/…/name along the first parent at each level"
    )


class SearchResults(BaseModel):
    items: list[SearchResult]
    next_cursor: str | None = None
