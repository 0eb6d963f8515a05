"""Client configuration: profiles in `~/.config/aos/config.toml`, or `AOS_URL` + `AOS_TOKEN`.

```toml
default = "local"

[profiles.local]
url = "http://127.0.0.1:8080"
token = "aos_…"
s3_access_key_id = "AOS…"        # optional: discovered through the API when absent
s3_secret_access_key = "…"
```
Precedence: explicit arguments, then `AOS_URL`/`AOS_TOKEN`, then the profile named by
`AOS_PROFILE` or the file's `default`. `AOS_CONFIG` points at another file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import tomli_w


@dataclass(frozen=True)
class Profile:
    url: str
    token: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None

    def __repr__(self) -> str:  # never print secrets
        return f"Profile(url={self.url!r}, token={'***' if self.token else None})"


def config_path(path: str | os.PathLike[str] | None = None) -> Path:
    if path is not None:
        return Path(path).expanduser()
    return Path(os.environ.get("AOS_CONFIG", "~/.config/aos/config.toml")).expanduser()


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    with path.open("rb") as f:
        return tomllib.load(f)


def load_profile(
    name: str | None = None,
    *,
    url: str | None = None,
    token: str | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Profile:
    """Resolve the connection to use; raises `LookupError` saying how to configure one."""
    url = url or os.environ.get("AOS_URL")
    token = token or os.environ.get("AOS_TOKEN")
    data = _read(config_path(path))
    profiles: dict[str, Any] = data.get("profiles", {})
    chosen = name or os.environ.get("AOS_PROFILE") or data.get("default")
    entry: dict[str, Any] = profiles.get(chosen, {}) if chosen else {}
    if chosen and name and not entry:
        raise LookupError(f"No profile {name!r} in {config_path(path)}")
    url = url or entry.get("url")
    if not url:
        raise LookupError(
            "No AOS server configured: set AOS_URL (and AOS_TOKEN), pass url=…, or start one "
            "with `aos serve`, which writes a profile"
        )
    same_server = entry.get("url", "").rstrip("/") == url.rstrip("/")
    profile_token = entry.get("token") if same_server else None
    chosen_token = token or profile_token
    # SECURITY: a profile's S3 keys belong to its token; with another token (e.g. AOS_TOKEN)
    # they would act as the profile's user, so they are left out.
    own_keys = same_server and chosen_token == profile_token
    return Profile(
        url=url.rstrip("/"),
        token=chosen_token,
        s3_access_key_id=entry.get("s3_access_key_id") if own_keys else None,
        s3_secret_access_key=entry.get("s3_secret_access_key") if own_keys else None,
    )


def save_profile(
    name: str,
    profile: Profile,
    *,
    path: str | os.PathLike[str] | None = None,
    make_default: bool = False,
) -> Path:
    """Write (or replace) one profile, keeping the others; the file is private (0600)."""
    target = config_path(path)
    data = _read(target)
    data.setdefault("profiles", {})[name] = {k: v for k, v in asdict(profile).items() if v}
    if make_default or "default" not in data:
        data["default"] = name
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        tomli_w.dump(data, f)
    os.replace(tmp, target)
    return target
