"""Service settings: the one place that reads the environment (prefix `AOS_`)."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .oidc_settings import OIDCProviderSettings


class Settings(BaseSettings):
    """Every field can be set as `AOS_<FIELD>` in the environment; `aos serve` flags win."""

    model_config = SettingsConfigDict(env_prefix="AOS_", env_nested_delimiter="__", extra="ignore")

    host: str = Field(default="127.0.0.1", description="Interface to listen on")
    port: int = Field(default=8080, ge=0, le=65535, description="TCP port (0 picks a free one)")
    data_dir: Path = Field(
        default=Path("./aos-data"), description="Where the embedded backends keep their files"
    )
    public_url: str | None = Field(
        default=None,
        description="URL clients use to reach this service (presigned URLs, profiles); "
        "defaults to http://<host>:<port>",
    )
    metadata_url: str | None = Field(
        default=None,
        description="sqlite:///path/to/aos.db (default: <data_dir>/aos.db) or "
        "postgresql://user@host:5432/db[?search_path=schema] (see docs/deploy.md)",
    )
    blobs_url: str | None = Field(
        default=None,
        description="file:///path (default: <data_dir>/blobs) or "
        "s3://bucket/prefix?endpoint=https://host:port (see docs/deploy.md)",
    )
    events_url: str = Field(
        default="memory://",
        description="memory:// (the durable log in the metadata store) or "
        "nats://host:4222?stream=NAME (NATS JetStream; see docs/events.md)",
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description="The bootstrap admin's API token; generated and printed once when unset",
    )
    admin_access_key: str | None = Field(
        default=None, description="The bootstrap admin's S3 access key id (else generated)"
    )
    admin_secret_key: SecretStr | None = Field(
        default=None, description="The bootstrap admin's S3 secret key (else generated)"
    )
    master_key: SecretStr | None = Field(
        default=None,
        description="Base64 of 32 bytes sealing S3 secrets and blob keys at rest; "
        "default: generated once into <data_dir>/master.key (mode 0600)",
    )
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL",
        description="FULL: every commit survives power loss; NORMAL (WAL): commits survive a "
        "process crash, the last ones may be lost on power loss, nothing is ever corrupted",
    )
    postgres_pool_size: int = Field(
        default=10, ge=1, description="Connections one process keeps open to PostgreSQL"
    )
    upstream_s3_access_key: str | None = Field(
        default=None,
        description="Access key id for an s3:// blobs URL; when unset, the standard AWS "
        "credential chain (AWS_ACCESS_KEY_ID, profiles, instance roles) applies",
    )
    upstream_s3_secret_key: SecretStr | None = Field(
        default=None, description="Secret key for an s3:// blobs URL (with the access key id)"
    )
    upstream_s3_region: str = Field(
        default="us-east-1", description="Signing region for an s3:// blobs URL"
    )
    upstream_s3_part_size: int = Field(
        default=8 * 1024 * 1024,
        ge=5 * 1024 * 1024,
        le=5 * 1024 * 1024 * 1024,
        description="Part size for multipart writes to an s3:// blobs URL; smaller blobs are "
        "written with one PUT",
    )
    hooks_allowed_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Networks (CIDR, comma-separated) that webhooks may reach besides public "
        "addresses; loopback, private, link-local and metadata addresses are refused otherwise",
    )
    inline_max: int = Field(
        default=16 * 1024,
        ge=0,
        le=64 * 1024,
        description="With local-disk blobs, objects up to this many bytes keep their bytes in "
        "the metadata database, committed with their revision (no file and no file fsyncs per "
        "small write); 0 turns this off. Not used with compress or encrypt, whose blobs are "
        "always files, nor with an upstream S3 store",
    )
    compress: bool = Field(default=False, description="Store new blobs zstd-compressed")
    encrypt: bool = Field(default=False, description="Encrypt new blobs at rest (AES-256-GCM)")
    max_presign_seconds: int = Field(
        default=7 * 24 * 3600, ge=1, le=7 * 24 * 3600, description="Longest presigned URL expiry"
    )
    s3_virtual_host: str | None = Field(
        default=None,
        description="Domain for virtual-host style S3 (bucket.<domain>); path-style always works",
    )
    client_config: Path = Field(
        default=Path("~/.config/aos/config.toml"),
        description="Client profile file that `aos serve` writes its connection into",
    )
    write_profile: bool = Field(
        default=True, description="Whether `aos serve` writes a client profile"
    )
    log_level: str = Field(default="INFO", description="Python logging level")
    event_loop: Literal["auto", "uvloop", "asyncio"] = Field(
        default="auto",
        description="Event loop of `aos serve`/`aos proxy`: `auto` uses uvloop when installed",
    )
    server_url: str | None = Field(
        default=None,
        description="`aos proxy`: the server's URL, where the proxy registers and heartbeats",
    )
    endpoint_credential: SecretStr | None = Field(
        default=None,
        description="`aos proxy`: the endpoint credential an admin created with "
        "POST /api/v2/endpoints (see docs/replication.md)",
    )
    replication_concurrency: int = Field(
        default=4, ge=1, le=64, description="Replica transfers one endpoint runs at a time"
    )
    replication_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often an endpoint looks for replicas to pull"
    )
    replication_backoff_seconds: float = Field(
        default=2.0,
        gt=0,
        description="First retry delay of a failed replica transfer; doubles per attempt "
        "(at most 10 minutes)",
    )
    workspace_sweep_seconds: float = Field(
        default=30.0, gt=0, description="How often expired workspaces are looked for and removed"
    )
    oidc_providers: list[OIDCProviderSettings] = Field(
        default_factory=list,
        description="OIDC providers to sign in with (JSON list in AOS_OIDC_PROVIDERS; see "
        "docs/accounts.md)",
    )
    oidc_providers_file: Path | None = Field(
        default=None, description="A JSON file with more OIDC providers (a list, as above)"
    )
    oidc_new_users_active: bool = Field(
        default=False,
        description="Whether users created by their first OIDC sign-in may act at once "
        "(else an admin activates them)",
    )
    oidc_token_days: int = Field(
        default=30, ge=1, le=3650, description="Lifetime of the AOS token a sign-in yields"
    )

    @field_validator("hooks_allowed_networks", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("hooks_allowed_networks")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for net in value:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError as exc:
                raise ValueError(f"{net!r} is not a network in CIDR form (10.0.0.0/8)") from exc
        return value

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def metadata_dsn(self) -> str:
        return self.metadata_url or f"sqlite:///{(self.data_dir / 'aos.db').resolve()}"

    @property
    def blobs_dsn(self) -> str:
        return self.blobs_url or f"file://{(self.data_dir / 'blobs').resolve()}"


def load_settings(config: Path | None = None, **overrides: object) -> Settings:
    """Settings from a TOML file (keys are the field names), `AOS_*` environment variables and
    `overrides` (command-line flags), in rising priority; `None` overrides are ignored."""
    import os
    import tomllib

    from_file: dict[str, object] = {}
    if config is not None:
        try:
            from_file = tomllib.loads(config.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"Cannot read the config file {config}: {exc}") from exc
        unknown = set(from_file) - set(Settings.model_fields)
        if unknown:
            raise ValueError(
                f"Unknown settings in {config}: {', '.join(sorted(unknown))} "
                "(the names are those of docs/settings.md, without AOS_)"
            )
    # The environment outranks the file: drop what it sets before handing the file over.
    in_env = {k[4:].lower() for k in os.environ if k.upper().startswith("AOS_")}
    values = {k: v for k, v in from_file.items() if k not in in_env}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)  # type: ignore[arg-type]
