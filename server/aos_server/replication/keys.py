"""Typed application keys of the replication parts."""

from __future__ import annotations

from aiohttp import web

ENDPOINTS = web.AppKey["EndpointService"]("endpoints")
LOCAL_BLOBS = web.AppKey["BlobStore"]("local_blobs")
REPLICATOR = web.AppKey["Replicator"]("replicator")
