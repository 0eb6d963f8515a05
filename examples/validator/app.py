"""An example webhook receiver for AOS-Py hooks: checks CSV files, labels them valid/invalid.

Flow: AOS-Py POSTs a signed JSON payload → the validator checks the HMAC-SHA256 signature over
the raw body (constant-time) and answers 202 at once → in the background it downloads the object
through the presigned `download_url`, checks it, and calls back with the short-lived callback
token: a LABEL `validation=valid|invalid`, a HOOK_STATUS with the reason, and — when the object
is VALIDATING — its final status, AVAILABLE or ERROR.

    python -m examples.validator --port 8090 --secret-file hook-secret.txt
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import hmac
import io
import json
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

log = logging.getLogger("validator")
MAX_BYTES = 64 << 20
SECRET = web.AppKey("secret", bytes)
RESULTS = web.AppKey("results", list)
TASKS = web.AppKey("tasks", set)
HTTP = web.AppKey("http", aiohttp.ClientSession)


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    """True when `header` is `sha256=<hex HMAC-SHA256 of body>` (compared in constant time)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.encode())


def check_csv(data: bytes) -> Verdict:
    """A CSV is valid when it is UTF-8, has a header and at least one row, all of equal width."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Verdict(False, f"not UTF-8 text (byte {exc.start})")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        return Verdict(False, f"not parseable as CSV: {exc}")
    rows = [r for r in rows if r]
    if len(rows) < 2:
        return Verdict(False, "needs a header and at least one data row")
    width = len(rows[0])
    if width < 2 and "," not in text:
        return Verdict(False, "a single column without separators is not a table")
    if any(not h.strip() for h in rows[0]):
        return Verdict(False, "the header has an empty column name")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            return Verdict(False, f"row {number} has {len(row)} fields, the header {width}")
    return Verdict(True, f"{len(rows) - 1} rows, {width} columns")


async def receive(request: web.Request) -> web.Response:
    body = await request.read()
    # SECURITY: reject anything not signed with the hook's secret before parsing it.
    if not verify_signature(request.app[SECRET], body, request.headers.get("X-AOS-Signature")):
        return web.json_response({"error": "bad signature"}, status=401)
    payload = json.loads(body)
    task = asyncio.create_task(validate(request.app, payload))
    request.app[TASKS].add(task)
    task.add_done_callback(request.app[TASKS].discard)
    return web.json_response({"accepted": request.headers.get("X-AOS-Delivery")}, status=202)


async def validate(app: web.Application, payload: dict[str, Any]) -> None:
    resource = payload.get("resource") or {}
    callback = payload.get("callback") or {}
    url = payload.get("download_url")
    http = app[HTTP]
    try:
        if not url:
            verdict = Verdict(False, "no data to check")
        else:
            async with http.get(url) as response:
                response.raise_for_status()
                data = await response.content.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                verdict = Verdict(False, f"larger than {MAX_BYTES} bytes; not checked")
            else:
                verdict = await asyncio.to_thread(check_csv, data)
        await report(http, resource, callback, verdict)
        app[RESULTS].append({"resource_id": resource.get("id"), **verdict.__dict__})
    except Exception as exc:
        log.exception("validation of %s failed", resource.get("id"))
        app[RESULTS].append({"resource_id": resource.get("id"), "error": str(exc)})


async def report(
    http: aiohttp.ClientSession,
    resource: dict[str, Any],
    callback: dict[str, Any],
    verdict: Verdict,
) -> None:
    """Label the object through the callback token and settle its status."""
    headers = {"Authorization": f"Bearer {callback['token']}"}
    label = "valid" if verdict.valid else "invalid"
    change = {
        "add": [
            {"key": "validation", "value": label, "variant": "LABEL"},
            {
                "key": "csv-validator",
                "value": f"{label}: {verdict.reason}",
                "variant": "HOOK_STATUS",
            },
        ]
    }
    async with http.patch(callback["key_values_url"], json=change, headers=headers) as r:
        r.raise_for_status()
    if resource.get("status") == "VALIDATING":
        status = {"status": "AVAILABLE" if verdict.valid else "ERROR", "message": verdict.reason}
        async with http.post(callback["status_url"], json=status, headers=headers) as r:
            r.raise_for_status()


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "checked": len(request.app[RESULTS])})


async def _session(app: web.Application) -> Any:
    app[HTTP] = aiohttp.ClientSession()
    yield
    for task in list(app[TASKS]):
        task.cancel()
    await asyncio.gather(*app[TASKS], return_exceptions=True)
    await app[HTTP].close()


def create_app(secret: bytes) -> web.Application:
    """The validator as an aiohttp app: POST /hook receives deliveries, GET /health reports."""
    app = web.Application(client_max_size=1 << 20)
    app[SECRET] = secret
    app[RESULTS] = []
    app[TASKS] = set()
    app.cleanup_ctx.append(_session)
    app.router.add_post("/hook", receive)
    app.router.add_get("/health", health)
    return app
