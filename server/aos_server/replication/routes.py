"""`GET /_aos/blobs/{key}`: one endpoint hands a blob to another (replication, fetch-through).

Not an S3 route (no bucket is named `_aos`): callers authenticate with their endpoint
credential. `form=stored` sends the blob as stored (sealed chunks stay sealed) when this
endpoint keeps it on local disk; otherwise, and for `form=plain`, the plaintext (with Range).
"""

from __future__ import annotations

from aiohttp import web

from ..domain.ranges import parse_range_header
from ..errors import AOSError, ObjectNotFound
from ..keys import BLOBS
from .keys import ENDPOINTS, LOCAL_BLOBS
from .peers import CREDENTIAL_HEADER
from .stored import locate_stored


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"detail": message}, status=status)


async def get_blob(request: web.Request) -> web.StreamResponse:
    try:
        await request.app[ENDPOINTS].authenticate(request.headers.get(CREDENTIAL_HEADER))
    except AOSError as exc:
        return _error(401, exc.message)
    key = request.match_info["key"]
    # Only the blobs this endpoint holds itself: an endpoint never relays another's.
    store = request.app.get(LOCAL_BLOBS) or request.app[BLOBS]
    try:
        if request.query.get("form") == "stored" and "Range" not in request.headers:
            found = await locate_stored(store, key)
            if found is not None:
                path, sealed = found
                return web.FileResponse(path, headers={"X-AOS-Form": "sealed" if sealed else "raw"})
        spec = parse_range_header(request.headers["Range"]) if "Range" in request.headers else None
        chunks = store.open_read(key, spec)
        first = await anext(chunks, b"")
    except ObjectNotFound as exc:
        return _error(404, exc.message)
    except AOSError as exc:
        return _error(400, exc.message)

    response = web.StreamResponse(
        status=200 if spec is None else 206, headers={"X-AOS-Form": "plain"}
    )
    await response.prepare(request)
    if first:
        await response.write(first)
    async for chunk in chunks:
        await response.write(chunk)
    await response.write_eof()
    return response


def install_blob_routes(app: web.Application) -> None:
    app.router.add_get("/_aos/blobs/{key}", get_blob)
