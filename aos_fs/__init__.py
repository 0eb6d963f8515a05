"""aos_fs: the typed client for AOS-Py (and, with it, the `aos://` filesystem)."""

from __future__ import annotations

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
from .filesystem import AOSFileSystem
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
