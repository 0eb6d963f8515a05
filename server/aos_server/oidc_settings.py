"""Settings of one OIDC provider (a part of `Settings`, kept apart to stay small)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, TypeAdapter


class OIDCProviderSettings(BaseModel):
    """One standards-compliant OpenID Connect provider that users may sign in with."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")] = Field(
        description="Short name used in URLs and `aos login --oidc NAME`"
    )
    issuer: str = Field(description="Issuer URL; its /.well-known/openid-configuration is read")
    client_id: str
    client_secret: SecretStr | None = Field(
        default=None, description="For confidential clients (client_secret_basic)"
    )
    display_name: str = ""
    scopes: list[str] = Field(default_factory=lambda: ["openid", "profile", "email"])


def load_providers(
    inline: list[OIDCProviderSettings], path: Path | None
) -> list[OIDCProviderSettings]:
    """The inline providers plus those of the file (blocking: call off the event loop)."""
    found = list(inline)
    if path is not None:
        adapter = TypeAdapter(list[OIDCProviderSettings])
        found += adapter.validate_python(json.loads(path.read_text()))
    names = [p.name for p in found]
    if len(set(names)) != len(names):
        raise ValueError(f"OIDC provider names must be unique: {names}")
    return found
