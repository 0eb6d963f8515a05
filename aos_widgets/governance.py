"""`GovernancePanel`: a project's usage and limits, its archive state, write rules, snapshots."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from aos_fs import Resource
from aos_fs.governance import Rule, Usage

from ._format import size, table
from ._session import Session
from ._tasks import StatusLine, Tasks, on_click

ARCHIVED = "aos.archived"
SNAPSHOT_OF = "aos.snapshot_of"


def _label(res: Resource, key: str) -> str | None:
    return next((kv.value for kv in res.key_values if kv.key == key), None)


def usage_line(usage: Usage) -> str:
    """`6.0 KiB of 10.0 KiB · 1 object of 100` (limits shown only when set)."""
    used = size(usage.bytes) + (f" of {size(usage.max_bytes)}" if usage.max_bytes else "")
    objects = f"{usage.objects:,} object{'s' if usage.objects != 1 else ''}"
    if usage.max_objects is not None:
        objects += f" of {usage.max_objects:,}"
    return f"{used} · {objects}"


class GovernancePanel(W.VBox):
    """Where a user looks for "how much may I still store, and what may I write here"."""

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self.project: Resource | None = None
        self.target: Resource | None = None
        self.heading = W.HTML("<i>Open a project</i>")
        self.state = W.HTML()
        self.usage = W.HTML()
        self.meter = W.FloatProgress(min=0, max=1, description="Used", layout={"width": "100%"})
        self.rules = W.HTML()
        self.rule_name = W.Text(placeholder="name", description="Rule")
        self.rule_expression = W.Text(
            placeholder='kind != "OBJECT" || name.endsWith(".csv")',
            description="CEL",
            layout={"width": "100%"},
        )
        self.rule_message = W.Text(
            placeholder="only CSV files in this dataset", description="Message"
        )
        self.add_rule_button = W.Button(description="Add rule", icon="plus")
        self.snapshot_name = W.Text(placeholder="default: NAME.snapshot-<time>", description="Name")
        self.snapshot_button = W.Button(description="Snapshot", icon="camera")
        self.archive_button = W.Button(description="Archive project", icon="archive")
        self.add_rule_button.on_click(on_click(self.tasks, self._add_rule_from_form))
        self.snapshot_button.on_click(
            on_click(self.tasks, lambda: self.snapshot(self.snapshot_name.value or None))
        )
        self.archive_button.on_click(on_click(self.tasks, self.archive))
        session.observe(self._on_target_change, ["selection", "container"])
        self.children = [
            self.heading,
            self.state,
            self.usage,
            self.meter,
            W.HTML("<b>Write rules here</b>"),
            self.rules,
            W.HBox([self.rule_name, self.rule_message]),
            self.rule_expression,
            self.add_rule_button,
            W.HBox([self.snapshot_name, self.snapshot_button]),
            self.archive_button,
            self.status,
        ]
        self.add_class("aos-governance")

    async def refresh(self) -> None:
        """Show the project of the browser's location: state, usage, limits, and the rules that
        apply to the selection (or the location)."""
        path = self.session.selected_path or self.session.path
        if not path:
            self.heading.value = "<i>Open a project</i>"
            self.project = self.target = None
            self.state.value = self.usage.value = self.rules.value = ""
            return
        client = self.session.client
        self.target = self.session.selection or self.session.container
        self.project = await client.get((await client.resolve(path.split("/")[0]))[0].id)
        p = self.project
        self.heading.value = f"<h4>Project {html.escape(p.name)}</h4>"
        archived = _label(p, ARCHIVED)
        snap = _label(self.target, SNAPSHOT_OF) if self.target is not None else None
        notes = []
        if archived:
            notes.append(f"<b>Archived</b> since {html.escape(archived)}: read-only")
        if snap:
            notes.append(f"<b>Snapshot</b> of {html.escape(snap)}: read-only")
        self.state.value = "<br>".join(notes) or "Writable"
        usage = await client.governance.project_usage(p.id)
        self.usage.value = usage_line(usage)
        self.meter.value = (usage.bytes / usage.max_bytes) if usage.max_bytes else 0.0
        self.meter.layout.visibility = "visible" if usage.max_bytes else "hidden"
        target = (
            self.target if self.target is not None and self.target.kind.value != "OBJECT" else p
        )
        rules: list[Rule] = await client.governance.rules(target.id)
        self.rules.value = (
            table(
                [(r.name, r.expression, r.message) for r in rules],
                header=["name", "rule", "message"],
            )
            if rules
            else "<i>none</i>"
        )
        self.archive_button.disabled = bool(archived)
        can_snap = self.target is not None and self.target.kind.value in ("COLLECTION", "DATASET")
        self.snapshot_button.disabled = not can_snap or bool(archived) or bool(snap)

    async def snapshot(self, name: str | None = None) -> Resource | None:
        """Snapshot the selected collection or dataset."""
        if self.target is None:
            self.status.error("Select a collection or dataset first")
            return None
        snap = await self.session.client.governance.snapshot(self.target.id, name)
        self.status.ok(f"Snapshot {snap.name} taken (read-only)")
        self.session.touch()
        await self.refresh()
        return snap

    async def archive(self) -> None:
        """Archive the project (read-only for good; global admins can lift it)."""
        if self.project is None:
            return
        await self.session.client.governance.archive(self.project.id)
        self.status.ok(f"Project {self.project.name} is archived: read-only from now on")
        await self.refresh()

    async def add_rule(self, name: str, expression: str, message: str) -> Rule:
        """Add a write rule at the selected container (or the project)."""
        target = (
            self.target
            if self.target is not None and self.target.kind.value != "OBJECT"
            else self.project
        )
        if target is None:
            raise ValueError("Open a project first")
        rule = await self.session.client.governance.add_rule(target.id, name, expression, message)
        self.status.ok(f"Rule {rule.name} added")
        await self.refresh()
        return rule

    async def _add_rule_from_form(self) -> None:
        await self.add_rule(
            self.rule_name.value, self.rule_expression.value, self.rule_message.value
        )

    def _on_target_change(self, change: dict[str, Any]) -> None:
        if self.session.connected:
            self.tasks.spawn(self.refresh())
