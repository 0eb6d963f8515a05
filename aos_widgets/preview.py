"""`PreviewPanel`: the head of a CSV/Parquet object as a table, images, and text."""

from __future__ import annotations

import asyncio
import html
import io
from typing import Any

import ipywidgets as W

from aos_fs import Resource

from ._format import is_object, size
from ._session import Session
from ._tasks import StatusLine, Tasks

HEAD_BYTES = 256 * 1024  # CSV/text previews read only this much
IMAGE_LIMIT = 8 * 1024 * 1024
ROWS = 20
IMAGES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif", ".webp": "webp"}
TEXT = (".txt", ".md", ".json", ".yaml", ".yml", ".py", ".log", ".xml", ".toml", ".ini", ".sh")


def _kind(name: str, content_type: str) -> str:
    name = name.lower()
    if name.endswith((".csv", ".tsv")) or content_type == "text/csv":
        return "csv"
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((*IMAGES, ".svg")) or content_type.startswith("image/"):
        return "image"
    if name.endswith(TEXT) or content_type.startswith("text/") or content_type.endswith("json"):
        return "text"
    return ""


class PreviewPanel(W.VBox):
    """Shows the first rows, the image or the first lines of the selected object."""

    def __init__(self, session: Session, *, auto: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self.body = W.Box(layout=W.Layout(overflow="auto", max_height="28em"))
        self.kind = ""
        if auto:
            session.observe(self._on_selection_change, "selection")
        self.children = [self.body, self.status]
        self.add_class("aos-preview")

    async def show(self, resource: Resource | None, path: str = "") -> str:
        """Preview `resource` at `path`; returns what was shown ('csv', 'image', '' ...)."""
        self.body.children = []
        self.kind = ""
        if resource is None or not is_object(resource) or not path:
            return ""
        kind = _kind(resource.name, resource.content_type or "")
        url = f"aos://{path}"
        fs = self.session.fs
        if kind == "csv":
            import pandas as pd

            head = await fs._cat_file(url, start=0, end=HEAD_BYTES)
            text = head.decode("utf-8", "replace")
            if len(head) == HEAD_BYTES:  # drop the last, probably cut, line
                text = text.rsplit("\n", 1)[0]
            sep = "\t" if resource.name.lower().endswith(".tsv") else ","
            frame = pd.read_csv(io.StringIO(text), sep=sep, nrows=ROWS)
            widget: W.Widget = W.HTML(frame.to_html(max_rows=ROWS, border=0))
        elif kind == "parquet":
            frame = await asyncio.to_thread(_parquet_head, self.session, url)
            widget = W.HTML(frame.to_html(max_rows=ROWS, border=0))
        elif kind == "image":
            if (resource.size or 0) > IMAGE_LIMIT:
                self.status.info(f"Image is {size(resource.size)}; previews stop at 8 MiB")
                return ""
            data = await fs._cat_file(url)
            if resource.name.lower().endswith(".svg"):
                widget = W.HTML(data.decode("utf-8", "replace"))
            else:
                ext = "." + resource.name.lower().rsplit(".", 1)[-1]
                widget = W.Image(value=data, format=IMAGES.get(ext, "png"))
                widget.layout.max_width = "100%"
        elif kind == "text":
            head = await fs._cat_file(url, start=0, end=16 * 1024)
            widget = W.HTML(f"<pre>{html.escape(head.decode('utf-8', 'replace'))}</pre>")
        else:
            self.status.info("No preview for this type; use Download or the code snippet")
            return ""
        self.body.children = [widget]
        self.kind = kind
        self.status.clear()
        return kind

    def _on_selection_change(self, change: dict[str, Any]) -> None:
        if self.session.connected:
            self.tasks.spawn(self.show(change["new"], self.session.selected_path))


def _parquet_head(session: Session, url: str) -> Any:
    """The first rows of a Parquet file, reading only what pyarrow asks for."""
    import pyarrow.parquet as pq

    fs = session.sync_fs()
    with fs.open(url, "rb") as f:
        batch = next(pq.ParquetFile(f).iter_batches(batch_size=ROWS), None)
    import pandas as pd

    return batch.to_pandas() if batch is not None else pd.DataFrame()
