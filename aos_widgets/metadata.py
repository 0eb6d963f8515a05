"""`MetadataPanel`: title, description, key-values, authors, license and data class."""

from __future__ import annotations

import re
from typing import Any

import ipywidgets as W

from aos_fs import Author, DataClass, KeyValue, Resource

from ._session import Session
from ._tasks import StatusLine, Tasks, on_click

_AUTHOR = re.compile(r"^(?P<name>[^<(]+?)\s*(?:<(?P<email>[^>]*)>)?\s*(?:\((?P<orcid>[^)]*)\))?$")


def parse_key_values(text: str) -> list[KeyValue]:
    """`key = value` per line (blank lines and `#` comments skipped)."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"Key-values line {n}: write it as key = value")
        out.append(KeyValue(key=key.strip(), value=value.strip()))
    return out


def parse_authors(text: str) -> list[Author]:
    """`Name <email> (ORCID)` per line; email and ORCID are optional."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _AUTHOR.match(line.strip())
        if m is None:
            raise ValueError(f"Authors line {n}: write it as Name <email> (0000-0000-0000-0000)")
        out.append(
            Author(name=m["name"].strip(), email=m["email"] or None, orcid=m["orcid"] or None)
        )
    return out


def _authors_text(authors: list[Author]) -> str:
    lines = []
    for a in authors:
        line = a.name + (f" <{a.email}>" if a.email else "") + (f" ({a.orcid})" if a.orcid else "")
        lines.append(line)
    return "\n".join(lines)


class MetadataPanel(W.VBox):
    """Edit the selected resource's descriptive metadata and save it in one go."""

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self.resource: Resource | None = None
        wide = W.Layout(width="95%")
        self.heading = W.HTML("<i>Select something in the browser</i>")
        self.title = W.Text(description="Title", layout=wide)
        self.description = W.Textarea(description="Description", layout=wide)
        self.key_values = W.Textarea(
            description="Key-values", placeholder="key = value, one per line", layout=wide
        )
        self.authors = W.Textarea(
            description="Authors", placeholder="Name <email> (ORCID), one per line", layout=wide
        )
        self.license = W.Combobox(description="Data license", placeholder="SPDX id, e.g. CC-BY-4.0")
        self.data_class = W.Dropdown(description="Data class", options=[c.value for c in DataClass])
        self.save_button = W.Button(description="Save", icon="save", button_style="primary")
        self.save_button.on_click(on_click(self.tasks, self.save))
        session.observe(self._on_selection_change, "selection")
        self.children = [
            self.heading,
            self.title,
            self.description,
            self.key_values,
            self.authors,
            W.HBox([self.license, self.data_class]),
            self.save_button,
            self.status,
        ]
        self.add_class("aos-metadata")

    async def load(self, resource: Resource | None) -> None:
        """Fill the form from the server's current copy of `resource`."""
        self.resource = None
        if resource is None:
            self.heading.value = "<i>Select something in the browser</i>"
            return
        client = self.session.client
        r = await client.get(resource.id)
        if not self.license.options:
            self.license.options = [lic.tag for lic in await client.list_licenses()]
        self.title.value = r.title
        self.description.value = r.description
        self.key_values.value = "\n".join(
            f"{kv.key} = {kv.value}" for kv in r.key_values if kv.variant.value == "LABEL"
        )
        self.authors.value = _authors_text(r.authors)
        self.license.value = r.data_license
        self.data_class.value = r.data_class.value
        self.heading.value = f"<b>{r.kind.value.title()} {r.name}</b>"
        self.resource = r

    async def save(self) -> Resource:
        """Write the form back: fields through `update`, key-values as a diff."""
        if self.resource is None:
            raise ValueError("Select something in the browser first")
        client, r = self.session.client, self.resource
        wanted = parse_key_values(self.key_values.value)
        authors = parse_authors(self.authors.value)
        changes: dict[str, Any] = {"title": self.title.value, "description": self.description.value}
        if authors != list(r.authors):
            changes["authors"] = authors
        if self.license.value and self.license.value != r.data_license:
            changes["data_license"] = self.license.value
        if self.data_class.value != r.data_class.value:
            changes["data_class"] = self.data_class.value
        updated = await client.update(r.id, **changes)
        have = {(kv.key, kv.value) for kv in r.key_values if kv.variant.value == "LABEL"}
        want = {(kv.key, kv.value) for kv in wanted}
        if remove := [KeyValue(key=k, value=v) for k, v in sorted(have - want)]:
            updated = await client.remove_key_values(r.id, remove)
        if add := [KeyValue(key=k, value=v) for k, v in sorted(want - have)]:
            updated = await client.add_key_values(r.id, add)
        self.resource = updated
        self.status.ok("Saved")
        self.session.touch()
        return updated

    def _on_selection_change(self, change: dict[str, Any]) -> None:
        if self.session.connected:
            self.tasks.spawn(self.load(change["new"]))
