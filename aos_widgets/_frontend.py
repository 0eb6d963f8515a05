"""The three small browser-side widgets (anywidget): chunked uploader, copy button, secret box."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
from traitlets import Bool, Unicode

_STATIC = Path(__file__).parent / "_static"
Handler = Callable[[dict[str, Any]], None]


class BrowserUploader(anywidget.AnyWidget):
    """A file input whose files go from the page straight to S3 in presigned parts.

    Messages from the page: ``selected`` (files and the page's origin), ``progress``, ``done``,
    ``failed``, ``cancelled``. Messages to the page: ``plan`` (part size and URLs), ``cancel``.
    """

    _esm = _STATIC / "uploader.js"
    label = Unicode("", help="Text next to the file input").tag(sync=True)
    disabled = Bool(False, help="Whether the file input is disabled").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._handlers: list[Handler] = []
        self.on_msg(self._dispatch)

    def on_message(self, handler: Handler) -> None:
        self._handlers.append(handler)

    def _dispatch(self, _: Any, content: dict[str, Any], buffers: list[bytes]) -> None:
        for handler in self._handlers:
            handler(content)


class CopyButton(anywidget.AnyWidget):
    """Copies `text` to the clipboard when clicked."""

    _esm = _STATIC / "copy.js"
    description = Unicode("Copy", help="Button label").tag(sync=True)
    text = Unicode("", help="What a click copies").tag(sync=True)


class SecretBox(anywidget.AnyWidget):
    """Shows a freshly created secret once, masked; the secret is never part of widget state."""

    _esm = _STATIC / "secret.js"

    def reveal(self, value: str, label: str = "") -> None:
        self.send({"type": "secret", "value": value, "label": label})

    def hide(self) -> None:
        self.send({"type": "secret", "value": "", "label": ""})
