"""Run panel actions as asyncio tasks on the kernel's loop and show their failures in the panel.

Handlers never raise into the notebook or Voila: an error becomes one readable line in the
panel's `StatusLine`, and the traceback goes to the `aos_widgets` logger.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import ipywidgets as W
from traitlets import Unicode

from aos_fs.errors import AOSHTTPError

log = logging.getLogger("aos_widgets")
T = TypeVar("T")

_COLOURS = {"info": "var(--jp-ui-font-color1, #333)", "ok": "#1a7f37", "error": "#c62828"}


def describe(exc: BaseException) -> str:
    """One line a person can act on (no traceback, no secrets)."""
    if isinstance(exc, AOSHTTPError):
        text = exc.detail or str(exc)
    elif isinstance(exc, LookupError | ValueError | OSError | PermissionError | RuntimeError):
        text = str(exc) or type(exc).__name__
    else:
        text = f"{type(exc).__name__}: {exc}"
    line = " ".join(text.split())
    return line if len(line) <= 300 else line[:297] + "..."


class StatusLine(W.HTML):
    """A one-line status: what happened last, or why it failed."""

    message = Unicode("", help="The text shown (plain text, escaped on display)").tag(sync=False)
    level = Unicode("info", help="info, ok or error").tag(sync=False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("aos-status")

    def show(self, message: str, level: str = "info") -> None:
        self.message, self.level = message, level
        colour = _COLOURS.get(level, _COLOURS["info"])
        self.value = f'<span style="color:{colour}">{html.escape(message)}</span>'

    def info(self, message: str) -> None:
        self.show(message, "info")

    def ok(self, message: str) -> None:
        self.show(message, "ok")

    def error(self, message: str) -> None:
        self.show(message, "error")

    def clear(self) -> None:
        self.show("", "info")


_background: asyncio.AbstractEventLoop | None = None
_background_lock = threading.Lock()


def _loop() -> asyncio.AbstractEventLoop:
    """The running loop (the kernel's); outside one, a private loop in a daemon thread."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    global _background
    with _background_lock:
        if _background is None:
            _background = asyncio.new_event_loop()
            threading.Thread(
                target=_background.run_forever, name="aos-widgets-loop", daemon=True
            ).start()
        return _background


class Tasks:
    """The running actions of one panel; errors land in its status line."""

    def __init__(self, status: StatusLine) -> None:
        self.status = status
        self._tasks: set[asyncio.Future[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
        """Start `coro` without blocking; its failure shows in the status line."""
        loop = _loop()
        guarded = self._guard(coro)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        fut: asyncio.Future[T]
        if running is loop:
            fut = loop.create_task(guarded)
        else:
            fut = asyncio.wrap_future(asyncio.run_coroutine_threadsafe(guarded, loop), loop=loop)
        self._tasks.add(fut)
        fut.add_done_callback(self._tasks.discard)
        return fut

    async def _guard(self, coro: Coroutine[Any, Any, T]) -> T | None:
        try:
            return await coro
        except asyncio.CancelledError:
            self.status.info("Cancelled")
            raise
        except Exception as exc:
            log.exception("aos_widgets action failed")
            self.status.error(describe(exc))
            return None

    @property
    def busy(self) -> bool:
        return any(not t.done() for t in self._tasks)

    async def join(self) -> None:
        """Wait for every running action (tests and notebooks await this after a click)."""
        while pending := [t for t in self._tasks if not t.done()]:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*pending, return_exceptions=True)

    def cancel(self) -> None:
        for t in list(self._tasks):
            t.cancel()


def on_click(tasks: Tasks, action: Callable[[], Coroutine[Any, Any, Any]]) -> Callable[[Any], None]:
    """A Button handler that runs `action()` as a task."""

    def handler(_: Any) -> None:
        tasks.spawn(action())

    return handler


class Throttle:
    """True at most every `interval` seconds (and always for `force`): keeps comm traffic low."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self._last = 0.0

    def __call__(self, force: bool = False) -> bool:
        now = time.monotonic()
        if force or now - self._last >= self.interval:
            self._last = now
            return True
        return False
