"""Typed application keys of the replication parts."""

from __future__ import annotations

from aiohttp import web

from ..backends.blobs.base import BlobStore
from ..services.endpoints import EndpointService
from .worker import Replicator

ENDPOINTS = web.AppKey[EndpointService]("endpoints")
LOCAL_BLOBS = web.AppKey[BlobStore]("local_blobs")
REPLICATOR = web.AppKey[Replicator]("replicator")
