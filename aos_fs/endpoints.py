"""Wire models of data endpoints and replicas (the server imports them; dependency-light)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

EndpointName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
ReplicaStatus = Literal["WAITING", "RUNNING", "FINISHED", "ERROR"]
SyncMode = Literal["FULL", "PARTIAL"]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Endpoint(_Value):
    """A data endpoint: a proxy (or the server's embedded one) that stores blobs."""

    id: str
    name: str
    public_url: str = Field(description="Where clients and other endpoints reach its S3 API")
    is_default: bool = Field(description="The embedded endpoint of `aos serve`/`aos server`")
    status: Literal["ONLINE", "OFFLINE", "NEW"] = Field(
        description="ONLINE: a heartbeat within the last 30 s; NEW: never seen"
    )
    last_heartbeat: datetime | None = None
    created_at: datetime


class EndpointCreate(_Value):
    name: EndpointName = Field(description="Unique name, e.g. the site: `site-a`")
    public_url: str = Field(
        default="",
        max_length=2000,
        description="Known in advance, or reported by the proxy's first heartbeat",
    )


class EndpointCreated(Endpoint):
    credential: str = Field(
        description="The proxy's secret (`AOS_ENDPOINT_CREDENTIAL`); shown once"
    )


class Heartbeat(_Value):
    public_url: str = Field(max_length=2000, description="Where this endpoint serves S3")


class ProjectEndpointSet(_Value):
    mode: SyncMode = Field(default="FULL", description="FULL: every object; PARTIAL: `prefixes`")
    prefixes: list[Annotated[str, StringConstraints(min_length=1, max_length=1024)]] = Field(
        default_factory=list, description="Key prefixes (subtrees) kept there in PARTIAL mode"
    )


class ProjectEndpoint(_Value):
    project_id: str
    endpoint_id: str
    endpoint_name: str
    mode: SyncMode
    prefixes: list[str]


class Replica(_Value):
    """Where one revision's bytes are, or are going: one row per endpoint."""

    version_id: str
    endpoint_id: str
    endpoint_name: str
    status: ReplicaStatus
    attempts: int = Field(description="Transfer attempts so far")
    error: str = Field(description="The last failure, when status is ERROR or a retry is due")
    next_attempt_at: datetime | None = None
    updated_at: datetime
