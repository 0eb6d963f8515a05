"""aos_fs: the typed client for AOS-Py (and, with it, the `aos://` filesystem)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .client import AOSClient, AsyncAOSClient
from .config import Profile, load_profile
from .errors import (
    AOSConflict,
    AOSError,
    AOSHTTPError,
    AOSInvalidInput,
    AOSNotFound,
    AOSPermissionError,
    AOSServerError,
    AOSUnauthenticated,
)
from .models import (
    Author,
    DataClass,
    KeyValue,
    KeyValueVariant,
    Kind,
    ObjectVersion,
    PermissionLevel,
    RelationType,
    Resource,
    Status,
)
from .paths import AOSPath

if TYPE_CHECKING:
    from .filesystem import AOSFileSystem


def __getattr__(name: str) -> Any:
    # The filesystem pulls in s3fs and botocore: imported when first asked for, so the server
    # (which shares the models) and the CLI start without them.
    if name == "AOSFileSystem":
        from .filesystem import AOSFileSystem

        return AOSFileSystem
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AOSClient",
    "AOSConflict",
    "AOSError",
    "AOSFileSystem",
    "AOSHTTPError",
    "AOSInvalidInput",
    "AOSNotFound",
    "AOSPath",
    "AOSPermissionError",
    "AOSServerError",
    "AOSUnauthenticated",
    "AsyncAOSClient",
    "Author",
    "DataClass",
    "KeyValue",
    "KeyValueVariant",
    "Kind",
    "ObjectVersion",
    "PermissionLevel",
    "Profile",
    "RelationType",
    "Resource",
    "Status",
    "load_profile",
]
