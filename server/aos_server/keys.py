"""Typed application keys: the one way handlers reach settings and services."""

from __future__ import annotations

from aiohttp import web

from .backends.blobs.base import BlobStore
from .backends.metadata.base import MetadataStore
from .events.bus import EventBus
from .keyring import Keyring
from .services.accounts import Accounts
from .services.auth import AuthService, Bootstrap
from .services.bundles import BundleService
from .services.crates import CrateService
from .services.dag import GraphService
from .services.events import EventService
from .services.governance import Governance
from .services.hooks import HookService
from .services.multipart import MultipartService
from .services.objects import ObjectService
from .services.oidc import OIDCService
from .services.resources import ResourceService
from .services.search import SearchService
from .services.workspaces import WorkspaceService
from .settings import Settings

SETTINGS = web.AppKey[Settings]("settings")
META = web.AppKey[MetadataStore]("meta")
BLOBS = web.AppKey[BlobStore]("blobs")
KEYRING = web.AppKey[Keyring]("keyring")
AUTH = web.AppKey[AuthService]("auth")
RESOURCES = web.AppKey[ResourceService]("resources")
GRAPH = web.AppKey[GraphService]("graph")
OBJECTS = web.AppKey[ObjectService]("objects")
BOOTSTRAP = web.AppKey[Bootstrap]("bootstrap")
MULTIPART = web.AppKey[MultipartService]("multipart")
BUNDLES = web.AppKey[BundleService]("bundles")
EVENT_BUS = web.AppKey[EventBus]("event_bus")
EVENTS = web.AppKey[EventService]("events")
HOOKS = web.AppKey[HookService]("hooks")
SEARCH = web.AppKey[SearchService]("search")
CRATES = web.AppKey[CrateService]("crates")
GOVERNANCE = web.AppKey[Governance]("governance")
ACCOUNTS = web.AppKey[Accounts]("accounts")
WORKSPACES = web.AppKey[WorkspaceService]("workspaces")
OIDC = web.AppKey[OIDCService]("oidc")
