"""Real HTTP receivers for hook tests, each on its own event loop in a thread."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@contextmanager
def serve(app: web.Application, port: int = 0) -> Iterator[str]:
    """Run `app` on 127.0.0.1 in a thread; yields its base URL."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def boot() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        holder.update(runner=runner, port=runner.addresses[0][1])

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(boot())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield f"http://127.0.0.1:{holder['port']}"
    finally:
        asyncio.run_coroutine_threadsafe(holder["runner"].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@dataclass
class Recorder:
    """Records every call; answers `statuses` in turn (then 200), optionally after a delay."""

    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    calls: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> web.Application:
        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            self.calls.append(
                {
                    "method": request.method,
                    "headers": dict(request.headers),
                    "body": body,
                    "json": _json(body),
                    "t": time.monotonic(),
                }
            )
            if self.delay:
                await asyncio.sleep(self.delay)
            status = self.statuses.pop(0) if self.statuses else 200
            return web.json_response({"ok": status < 300}, status=status)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        return app


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None
