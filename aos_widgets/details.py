"""`DetailsPanel`: size, versions, hashes, key-values, relations and replication of a selection,
with "copy path" and "insert code" actions."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from aos_fs import Resource

from ._format import is_object, size, table
from ._frontend import CopyButton
from ._session import Session
from ._tasks import StatusLine, Tasks

READERS = {
    ".csv": "pd.read_csv",
    ".tsv": "pd.read_csv",
    ".parquet": "pd.read_parquet",
    ".json": "pd.read_json",
    ".zarr": "xr.open_zarr",
}


def code_for(path: str) -> str:
    """A line of Python that reads `aos://path` (pandas for tables, fsspec otherwise)."""
    url = f"aos://{path}"
    name = path.rsplit("/", 1)[-1].lower()
    for ext, reader in READERS.items():
        if name.endswith(ext):
            extra = ', sep="\\t"' if ext == ".tsv" else ""
            module = "import xarray as xr" if reader.startswith("xr") else "import pandas as pd"
            return f'{module}\n\ndf = {reader}("{url}"{extra})'
    return f'import fsspec\n\nwith fsspec.open("{url}", "rb") as f:\n    data = f.read()'


class DetailsPanel(W.VBox):
    """Everything the service knows about the selected resource."""

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self.title = W.HTML("<i>Select something in the browser</i>")
        self.summary = W.HTML()
        self.extra = W.HTML()
        self.path_text = W.Text(description="Path", disabled=True, layout=W.Layout(width="100%"))
        self.code = W.Textarea(layout=W.Layout(width="100%", height="5em"), disabled=True)
        self.copy_path = CopyButton(description="Copy path")
        self.copy_code = CopyButton(description="Copy code")
        session.observe(self._on_selection_change, "selection")
        self.children = [
            self.title,
            self.summary,
            self.extra,
            self.path_text,
            W.HBox([self.copy_path, self.copy_code]),
            self.code,
            self.status,
        ]
        self.add_class("aos-details")

    async def show(self, resource: Resource | None, path: str = "") -> None:
        """Fill the panel for `resource` (fetches versions, relations and statistics)."""
        if resource is None:
            self.title.value = "<i>Select something in the browser</i>"
            self.summary.value = self.extra.value = ""
            self.path_text.value = self.code.value = ""
            self.copy_path.text = self.copy_code.text = ""
            return
        client = self.session.client
        url = f"aos://{path}" if path else ""
        self.path_text.value = self.copy_path.text = url
        self.code.value = self.copy_code.text = code_for(path) if is_object(resource) else ""
        r = await client.get(resource.id, stats=not is_object(resource))
        self.title.value = f"<h4>{html.escape(r.kind.value.title())} {html.escape(r.name)}</h4>"
        rows: list[tuple[str, object]] = [
            ("title", r.title),
            ("status", r.status.value),
            ("data class", r.data_class.value),
            ("licenses", f"metadata {r.metadata_license} · data {r.data_license}"),
            ("created", f"{r.created_at:%Y-%m-%d %H:%M:%S} by {r.created_by or '?'}"),
            ("updated", f"{r.updated_at:%Y-%m-%d %H:%M:%S}"),
        ]
        if is_object(r):
            rows[1:1] = [("size", size(r.size)), ("content type", r.content_type or "")]
            if r.hashes is not None:
                rows += [("md5", r.hashes.md5 or ""), ("sha256", r.hashes.sha256 or "")]
            rows.append(("etag", r.etag or ""))
        elif r.stats is not None:
            rows.append(("contents", f"{r.stats.count:,} objects, {size(r.stats.size)}"))
        if r.description:
            rows.append(("description", r.description))
        if r.authors:
            rows.append(("authors", "; ".join(a.name for a in r.authors)))
        for kv in r.key_values:
            rows.append((f"{kv.key} ({kv.variant.value.lower()})", kv.value))
        for ep in r.endpoints:
            failed = f" (attempt {ep.attempts}: {ep.error})" if ep.error else ""
            rows.append((f"replica {ep.name}", ep.status + failed))
        self.summary.value = table(rows)
        blocks = []
        if is_object(r):
            versions = await client.versions(r.id)
            blocks.append(
                "<b>Versions</b>"
                + table(
                    [
                        (v.revision, size(v.size), f"{v.created_at:%Y-%m-%d %H:%M}", v.id)
                        for v in reversed(versions)
                    ],
                    header=["rev", "size", "created", "version id"],
                )
            )
        relations = await client.relations(r.id)
        shown = [x for x in relations if x.type.value.upper() != "BELONGS_TO"]
        if shown:
            blocks.append(
                "<b>Relations</b>"
                + table(
                    [(x.type.value.lower(), x.origin_id, "→", x.target_id) for x in shown],
                )
            )
        if r.external_relations:
            blocks.append(
                "<b>External</b>"
                + table([(x.type.value.lower(), x.target) for x in r.external_relations])
            )
        self.extra.value = "".join(blocks)

    def _on_selection_change(self, change: dict[str, Any]) -> None:
        if self.session.connected:
            self.tasks.spawn(self.show(change["new"], self.session.selected_path))
