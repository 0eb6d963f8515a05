"""Service settings: the one place that reads the environment (prefix `AOS_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

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
