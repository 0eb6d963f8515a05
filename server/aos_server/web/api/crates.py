"""POST /resources/{id}/ro-crate: import an RO-Crate zip as a new dataset below a resource."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from aiohttp import web

from aos_fs.models import Resource

from ...busy import retry_busy
from ...domain.ids import new_id
from ...domain.permissions import Actor
from ...errors import Unauthenticated
from ...keys import CRATES, SETTINGS
from .routing import ApiRouter

router = ApiRouter()
CHUNK = 1 << 20


@router.op(
    "POST",
    "/resources/{id}/ro-crate",
    summary="Import an RO-Crate (.zip body) as a new dataset below a project or collection",
    tag="fair",
    response=Resource,
    status=201,
)
async def import_crate(request: web.Request, actor: Actor, id: str) -> Resource:
    if actor.anonymous:
        raise Unauthenticated("Sign in to import: send `Authorization: Bearer <token>`")
    # A zip is read from its end, so the upload is spooled to disk (never held in memory).
    spool = Path(request.config_dict[SETTINGS].data_dir) / "tmp" / f"{new_id()}.crate.zip"
    await asyncio.to_thread(spool.parent.mkdir, parents=True, exist_ok=True)
    f = await asyncio.to_thread(spool.open, "wb")
    try:
        try:
            async for chunk in request.content.iter_chunked(CHUNK):
                await asyncio.to_thread(f.write, chunk)
        finally:
            await asyncio.to_thread(f.close)
        crates = request.config_dict[CRATES]
        # The body is spooled, so an import the database aborted (Busy) can run again.
        result: Resource = await retry_busy(lambda: crates.import_zip(actor, id, spool))
        return result
    finally:
        with contextlib.suppress(OSError):
            await asyncio.to_thread(spool.unlink)
