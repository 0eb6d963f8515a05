"""Persistent landing pages, /r/<id>: HTML for people, JSON-LD / DataCite / JSON for machines.

The representation follows the Accept header (or `?format=html|jsonld|datacite|json`). What a
page shows is what the caller may see: anonymous callers see PUBLIC resources, and PRIVATE ones
in their redacted view; a bearer token shows more, as in the API. `/r/<id>/ro-crate` packs a
collection or dataset as an RO-Crate zip.
"""

from __future__ import annotations

import html
import json
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from stream_zip import ZIP_64, async_stream_zip

from aos_fs.models import Kind, Resource

from ..domain.permissions import ANONYMOUS, Actor
from ..errors import AOSError, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from ..keys import AUTH, BLOBS, META, OBJECTS, RESOURCES, SETTINGS
from ..services import fair
from ..services.bundles import members_of
from ..services.search import path_of

if TYPE_CHECKING:
    from stream_zip import AsyncMemberFile

MAX_CHILDREN = 200
FORMATS = {
    "html": "text/html",
    "jsonld": "application/ld+json",
    "datacite": "application/vnd.datacite.datacite+json",
    "json": "application/json",
}


def install_landing(app: web.Application) -> None:
    app.router.add_get("/r/{id}", landing)
    app.router.add_get("/r/{id}/ro-crate", ro_crate)


async def _actor(request: web.Request) -> Actor:
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        actor: Actor = await request.app[AUTH].authenticate(credential.strip())
        return actor
    return ANONYMOUS


def _base_url(request: web.Request) -> str:
    settings = request.app[SETTINGS]
    return settings.public_url.rstrip("/") if settings.public_url else str(request.url.origin())


async def load_landing(request: web.Request, actor: Actor, resource_id: str) -> fair.Landing:
    res: Resource = await request.app[RESOURCES].get(actor, resource_id)
    base = _base_url(request)
    async with request.app[META].read() as s:
        licenses = {lic.tag: lic for lic in await s.list_licenses()}
        path = await path_of(s, res)
    landing = fair.Landing(
        resource=res, url=f"{base}/r/{res.id}", base_url=base, path=path, licenses=licenses
    )
    if res.redacted:
        return landing
    if res.kind == Kind.OBJECT:
        landing.versions = await request.app[OBJECTS].versions(actor, res.id)
    else:
        page = await request.app[RESOURCES].children(actor, res.id, limit=MAX_CHILDREN)
        landing.children = page.items
        landing.children_truncated = page.next_cursor is not None
    return landing


def negotiate(request: web.Request) -> str:
    chosen = request.query.get("format")
    if chosen is not None:
        if chosen not in FORMATS:
            raise InvalidInput(f"Unknown format {chosen!r}; use one of {', '.join(FORMATS)}")
        return chosen
    best, best_q = "html", -1.0
    for part in request.headers.get("Accept", "text/html").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        for name, mime in FORMATS.items():
            if media == mime and q > best_q:
                best, best_q = name, q
        if media in ("text/*", "*/*") and q > best_q:
            best, best_q = "html", q
    return best


async def landing(request: web.Request) -> web.StreamResponse:
    try:
        actor = await _actor(request)
        fmt = negotiate(request)
        page = await load_landing(request, actor, request.match_info["id"])
    except AOSError as exc:
        return _error_page(request, exc)
    headers = {"Vary": "Accept, Authorization", "Link": f'<{page.url}>; rel="canonical"'}
    if fmt == "jsonld":
        body = json.dumps(fair.schema_org(page), indent=2)
        return web.Response(text=body, content_type=FORMATS[fmt], headers=headers)
    if fmt == "datacite":
        body = json.dumps(fair.datacite(page), indent=2)
        return web.Response(text=body, content_type=FORMATS[fmt], headers=headers)
    if fmt == "json":
        return web.Response(
            text=page.resource.model_dump_json(), content_type="application/json", headers=headers
        )
    return web.Response(text=render(page), content_type="text/html", headers=headers)


def _error_page(request: web.Request, exc: AOSError) -> web.Response:
    status = 404
    if isinstance(exc, Unauthenticated):
        status = 401
    elif isinstance(exc, PermissionDenied):
        status = 403
    elif isinstance(exc, InvalidInput):
        status = 400
    elif not isinstance(exc, NotFound):
        status = 500
    if "html" not in request.headers.get("Accept", "text/html"):
        return web.json_response(
            {"title": "Not available", "status": status, "code": exc.code, "detail": exc.message},
            status=status,
            content_type="application/problem+json",
        )
    text = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Not available</title>"
        f"<body><h1>Not available</h1><p>{html.escape(exc.message)}</p>"
        "<p>Resources that are not PUBLIC are shown to signed-in users with access only.</p>"
    )
    return web.Response(text=text, status=status, content_type="text/html")


def _json_for_script(doc: dict[str, Any]) -> str:
    # SECURITY: "</script>" inside a value must not end the script element.
    return json.dumps(doc, indent=2).replace("<", "\\u003c").replace(">", "\\u003e")


def _size(n: int | None) -> str:
    value = float(n or 0)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def render(page: fair.Landing) -> str:
    res = page.resource
    e = html.escape
    lic = page.license(res.data_license)
    meta_lic = page.license(res.metadata_license)
    title = res.title or res.name
    rows = [
        ("Kind", res.kind.value.title()),
        ("Name", res.name),
        ("Path", page.path or "—"),
        ("Identifier", res.id),
        ("Data class", res.data_class.value),
        ("Status", res.status.value),
        ("Created", res.created_at.isoformat(timespec="seconds")),
        ("Updated", res.updated_at.isoformat(timespec="seconds")),
    ]
    if res.kind == Kind.OBJECT:
        rows += [
            ("Size", _size(res.size)),
            ("Content type", res.content_type or "—"),
            ("Revision", str(res.revision or 0)),
        ]
        if res.hashes:
            rows += [("MD5", res.hashes.md5 or "—"), ("SHA-256", res.hashes.sha256 or "—")]
    facts = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    authors = ", ".join(
        (f'<a href="https://orcid.org/{e(a.orcid)}">{e(a.name)}</a>' if a.orcid else e(a.name))
        for a in res.authors
    )
    kvs = "".join(
        f"<li><code>{e(kv.key)}</code>{': ' + e(kv.value) if kv.value else ''}</li>"
        for kv in res.key_values
    )
    external = "".join(
        f'<li><a href="{e(x.target)}">{e(x.target)}</a></li>'
        if x.target.startswith(("http://", "https://"))
        else f"<li>{e(x.target)}</li>"
        for x in res.external_relations
    )
    parts = []
    for child in page.children:
        size = _size(child.size) if child.kind == Kind.OBJECT else child.kind.value.title()
        parts.append(
            f'<tr><td><a href="{e(page.child_url(child))}">{e(child.name)}</a></td>'
            f"<td>{e(size)}</td><td>{e(child.title)}</td></tr>"
        )
    more = (
        f"<p>Showing the first {MAX_CHILDREN}; list all with the API or <code>aos ls</code>.</p>"
        if page.children_truncated
        else ""
    )
    versions = "".join(
        f"<tr><td>{v.revision}</td><td>{e(_size(v.size))}</td>"
        f"<td>{e(v.created_at.isoformat(timespec='seconds'))}</td><td><code>{e(v.etag)}</code>"
        "</td></tr>"
        for v in reversed(page.versions)
    )
    path = page.path or res.name
    if res.kind == Kind.OBJECT:
        howto = (
            f'<pre>import pandas as pd\ndf = pd.read_csv("aos://{e(path)}")</pre>'
            f"<pre>aos get aos://{e(path)} .</pre>"
        )
        if url := page.download_url():
            howto += f'<p>Direct download (PUBLIC data): <a href="{e(url)}">{e(url)}</a></p>'
    else:
        howto = (
            f"<pre>aos get aos://{e(path)} ./</pre>"
            f'<pre>import fsspec\nfs = fsspec.filesystem("aos")\nfs.ls("{e(path)}")</pre>'
            f'<p>As an RO-Crate: <a href="{e(page.url)}/ro-crate">{e(page.url)}/ro-crate</a></p>'
        )
    section = ""
    if res.redacted:
        section = "<p><em>Only part of this resource's metadata is public.</em></p>"
    elif res.kind == Kind.OBJECT:
        section = (
            "<h2>Versions</h2><table><tr><th>Revision</th><th>Size</th><th>Created</th>"
            f"<th>ETag</th></tr>{versions}</table>"
        )
    else:
        section = (
            "<h2>Contents</h2><table><tr><th>Name</th><th>Size</th><th>Title</th></tr>"
            f"{''.join(parts)}</table>{more}"
        )
    alternates = "".join(
        f'<link rel="alternate" type="{mime}" href="{e(page.url)}?format={name}">'
        for name, mime in FORMATS.items()
        if name != "html"
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} · AOS-Py</title>
<link rel="canonical" href="{e(page.url)}">
{alternates}
<script type="application/ld+json">
{_json_for_script(fair.schema_org(page))}
</script>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #1d2430; line-height: 1.5; }}
table {{ border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; }}
th, td {{ text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #e3e6eb; }}
th {{ width: 12rem; color: #56607a; font-weight: 500; }}
pre {{ background: #f4f6f9; padding: 0.6rem; overflow-x: auto; }}
.kind {{ color: #56607a; text-transform: uppercase; font-size: 0.8rem; letter-spacing: 0.05em; }}
</style>
</head>
<body>
<p class="kind">{e(res.kind.value.title())}</p>
<h1>{e(title)}</h1>
<p>{e(res.description) or "<em>No description.</em>"}</p>
<p><strong>Authors:</strong> {authors or "—"}</p>
<p><strong>License:</strong> data <a href="{e(fair._license_id(lic))}">{e(lic.name)}</a>
 ({e(lic.tag)}); metadata {e(meta_lic.name)} ({e(meta_lic.tag)})</p>
<table>{facts}</table>
{"<h2>Key-values</h2><ul>" + kvs + "</ul>" if kvs else ""}
{"<h2>External relations</h2><ul>" + external + "</ul>" if external else ""}
{section}
<h2>How to cite</h2>
<p id="citation">{e(fair.citation(page))}</p>
<h2>How to get the data</h2>
{howto}
<footer><p>Persistent link: <a href="{e(page.url)}">{e(page.url)}</a> ·
Machine-readable: <a href="{e(page.url)}?format=jsonld">schema.org JSON-LD</a>,
<a href="{e(page.url)}?format=datacite">DataCite JSON</a>,
<a href="{e(page.url)}?format=json">JSON</a></p></footer>
</body>
</html>
"""


async def ro_crate(request: web.Request) -> web.StreamResponse:
    """The collection or dataset as an RO-Crate zip: ro-crate-metadata.json plus its files."""
    try:
        actor = await _actor(request)
        page = await load_landing(request, actor, request.match_info["id"])
        res = page.resource
        if res.kind not in (Kind.COLLECTION, Kind.DATASET):
            raise InvalidInput("Only a collection or a dataset can be exported as an RO-Crate")
        async with request.app[META].read() as s:
            members = [m async for m in members_of(s, actor, res.id)]
    except AOSError as exc:
        return _error_page(request, exc)
    prefix = f"{res.name}/"
    files = [
        fair.CrateFile(
            path=m.path.removeprefix(prefix),
            size=m.size,
            content_type=m.content_type,
            sha256=m.sha256,
            modified=m.modified.isoformat(),
        )
        for m in members
    ]
    metadata = json.dumps(fair.ro_crate(page, files), indent=2).encode()
    blobs = request.app[BLOBS]

    async def one(data: bytes) -> AsyncIterator[bytes]:
        yield data

    async def entries() -> AsyncIterator[AsyncMemberFile]:
        now = datetime.now(UTC)
        yield "ro-crate-metadata.json", now, 0o600, ZIP_64, one(metadata)
        for m, f in zip(members, files, strict=True):
            yield f.path, m.modified, 0o600, ZIP_64, blobs.open_read(m.blob_key)

    response = web.StreamResponse(
        headers={
            "Content-Type": "application/zip",
            "Content-Disposition": f'attachment; filename="{res.name}.crate.zip"',
        }
    )
    await response.prepare(request)
    async for chunk in async_stream_zip(
        entries(), get_compressobj=lambda: zlib.compressobj(1, zlib.DEFLATED, -15)
    ):
        await response.write(chunk)
    await response.write_eof()
    return response
