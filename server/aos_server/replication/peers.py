"""Talking to other data endpoints: who holds a blob, and streaming it from them.

Endpoints authenticate to each other with their endpoint credential (header
`X-AOS-Endpoint-Credential`); the endpoint asked checks it against the shared metadata store.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from ..backends.metadata.base import MetadataStore
from ..backends.metadata.sql_replicas import EndpointRecord, replicas
from ..domain.ranges import ByteRange, OffsetRange, RangeSpec
from ..errors import ObjectNotFound

log = logging.getLogger("aos.replication")
CREDENTIAL_HEADER = "X-AOS-Endpoint-Credential"
READ_SIZE = 1 << 20


def range_header(spec: RangeSpec) -> str:
    if isinstance(spec, ByteRange):
        return f"bytes={spec.start}-{spec.end}"
    if isinstance(spec, OffsetRange):
        return f"bytes={spec.start}-"
    return f"bytes=-{spec.length}"


class PeerUnavailable(Exception):
    """No other endpoint could serve the blob (all down, or none holds it)."""


@dataclass
class Fetched:
    response: aiohttp.ClientResponse
    source: EndpointRecord

    @property
    def sealed(self) -> bool | None:
        form = self.response.headers.get("X-AOS-Form", "plain")
        return None if form == "plain" else form == "sealed"

    async def chunks(self) -> AsyncIterator[bytes]:
        async for chunk in self.response.content.iter_chunked(READ_SIZE):
            yield chunk


class Peers:
    def __init__(self, meta: MetadataStore, endpoint_id: str, credential: str) -> None:
        self.meta = meta
        self.endpoint_id = endpoint_id
        self.credential = credential
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=60)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def holders(self, blob_key: str) -> list[EndpointRecord]:
        """Other endpoints that hold the blob; the default endpoint when none is recorded
        (revisions written before endpoints existed live there)."""
        async with self.meta.read() as s:
            r = replicas(s)
            found = [e for e in await r.holders(blob_key) if e.id != self.endpoint_id]
            if not found:
                default = await r.default_endpoint()
                if default is not None and default.id != self.endpoint_id:
                    found = [default]
        return [e for e in found if e.public_url]

    @asynccontextmanager
    async def fetch(
        self, blob_key: str, *, stored: bool, byte_range: RangeSpec | None = None
    ) -> AsyncIterator[Fetched]:
        """Open the blob at the first holder that answers; `stored` asks for its stored form
        (the answer says which form it is: `Fetched.sealed`)."""
        headers = {CREDENTIAL_HEADER: self.credential}
        if byte_range is not None:
            headers["Range"] = range_header(byte_range)
        errors: list[str] = []
        for source in await self.holders(blob_key):
            url = f"{source.public_url}/_aos/blobs/{blob_key}"
            try:
                response = await self.session().get(
                    url, headers=headers, params={"form": "stored" if stored else "plain"}
                )
            except (aiohttp.ClientError, TimeoutError) as exc:
                errors.append(f"{source.name} ({source.public_url}): {exc or type(exc).__name__}")
                continue
            if response.status not in (200, 206):
                errors.append(f"{source.name}: HTTP {response.status}")
                response.release()
                continue
            try:
                yield Fetched(response, source)
            finally:
                response.release()
            return
        if not errors:
            raise ObjectNotFound(f"No endpoint holds blob {blob_key}")
        raise PeerUnavailable("; ".join(errors))
