"""Typed application keys: the one way handlers reach settings and services."""

from __future__ import annotations

from aiohttp import web

SETTINGS = web.AppKey["Settings"]("settings")
META = web.AppKey["MetadataStore"]("meta")
BLOBS = web.AppKey["BlobStore"]("blobs")
KEYRING = web.AppKey["Keyring"]("keyring")
AUTH = web.AppKey["AuthService"]("auth")
RESOURCES = web.AppKey["ResourceService"]("resources")
GRAPH = web.AppKey["GraphService"]("graph")
OBJECTS = web.AppKey["ObjectService"]("objects")
BOOTSTRAP = web.AppKey["Bootstrap"]("bootstrap")
MULTIPART = web.AppKey["MultipartService"]("multipart")
BUNDLES = web.AppKey["BundleService"]("bundles")
EVENT_BUS = web.AppKey["EventBus"]("event_bus")
EVENTS = web.AppKey["EventService"]("events")
HOOKS = web.AppKey["HookService"]("hooks")
SEARCH = web.AppKey["SearchService"]("search")
CRATES = web.AppKey["CrateService"]("crates")
GOVERNANCE = web.AppKey["Governance"]("governance")
ACCOUNTS = web.AppKey["Accounts"]("accounts")
WORKSPACES = web.AppKey["WorkspaceService"]("workspaces")
OIDC = web.AppKey["OIDCService"]("oidc")
