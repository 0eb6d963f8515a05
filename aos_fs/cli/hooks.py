"""`aos hooks …`: per-project hooks that act on events (webhooks, labels)."""

from __future__ import annotations

from typing import Any

import click

from ._api import request
from ._app import State, json_option, pass_state
from ._output import emit, fields, table, when
from ._resolve import resource_id

TRIGGERS = [
    "resource_created",
    "label_added",
    "static_label_added",
    "hook_key_value_added",
    "object_finished",
    "resource_deleted",
]


def _seg(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _describe(h: dict[str, Any]) -> str:
    action = h["action"]
    if action["type"] == "webhook":
        return f"{action.get('method', 'POST')} {action['url']}"
    if action["type"] == "add_key_value":
        return f"label {action['key']}={action.get('value', '')}"
    return f"relation {action.get('relation')} → {action.get('target_id')}"


@click.group("hooks")
def hooks() -> None:
    """Project hooks: list, create, delete, enable, disable, deliveries."""


@hooks.command("list")
@click.argument("project")
@json_option
@pass_state
def hooks_list(state: State, project: str) -> None:
    """The hooks of PROJECT (project admins)."""
    with state.client() as api:
        found = request(api, "GET", f"/projects/{_seg(resource_id(api, project))}/hooks")
    rows = [
        (h["id"], h["name"], h["trigger"]["on"], "on" if h["enabled"] else "off", _describe(h))
        for h in found
    ]
    emit(state, found, lambda: table(rows, ["ID", "NAME", "TRIGGER", "ENABLED", "ACTION"]))


@hooks.command("create")
@click.argument("project")
@click.argument("name")
@click.option("--on", "trigger", type=click.Choice(TRIGGERS), required=True, help="The trigger.")
@click.option("--kind", "kinds", multiple=True, help="Only these resource kinds (repeat).")
@click.option("--name-regex", default=None, help="Regex on the resource's name.")
@click.option("--key-regex", default=None, help="Regex on the added key-value's key.")
@click.option("--value-regex", default=None, help="Regex on the added key-value's value.")
@click.option("--webhook", default=None, metavar="URL", help="Call this URL (signed payload).")
@click.option("--validate", is_flag=True, help="Webhook validates the object (VALIDATING first).")
@click.option("--add-label", default=None, metavar="KEY=VALUE", help="Add this label instead.")
@click.option("--disabled", is_flag=True, help="Create it switched off.")
@json_option
@pass_state
def hooks_create(
    state: State,
    project: str,
    name: str,
    trigger: str,
    kinds: tuple[str, ...],
    name_regex: str | None,
    key_regex: str | None,
    value_regex: str | None,
    webhook: str | None,
    validate: bool,
    add_label: str | None,
    disabled: bool,
) -> None:
    """Create hook NAME in PROJECT: --on TRIGGER and one action (--webhook or --add-label)."""
    if (webhook is None) == (add_label is None):
        raise click.UsageError("give exactly one action: --webhook URL or --add-label KEY=VALUE")
    action: dict[str, Any]
    if webhook is not None:
        action = {"type": "webhook", "url": webhook, "validate_object": validate}
    else:
        key, sep, value = (add_label or "").partition("=")
        if not sep or not key:
            raise click.BadParameter("use KEY=VALUE", param_hint="--add-label")
        action = {"type": "add_key_value", "key": key, "value": value}
    trig: dict[str, Any] = {"on": trigger, "kinds": [k.upper() for k in kinds]}
    for field, regex in (("name", name_regex), ("key", key_regex), ("value", value_regex)):
        if regex is not None:
            trig[field] = regex
    body = {"name": name, "trigger": trig, "action": action, "enabled": not disabled}
    with state.client() as api:
        created = request(
            api, "POST", f"/projects/{_seg(resource_id(api, project))}/hooks", body=body
        )

    def human() -> None:
        pairs = [("id", created["id"]), ("name", created["name"]), ("action", _describe(created))]
        if created.get("secret"):
            pairs.append(("signing secret", created["secret"]))  # shown this once
        fields(pairs)

    emit(state, created, human)


@hooks.command("delete")
@click.argument("hook_id")
@json_option
@pass_state
def hooks_delete(state: State, hook_id: str) -> None:
    """Delete a hook and its delivery log."""
    with state.client() as api:
        request(api, "DELETE", f"/hooks/{_seg(hook_id)}", empty=True)
    emit(state, {"deleted": hook_id}, lambda: click.echo(f"deleted hook {hook_id}"))


def _switch(state: State, hook_id: str, enabled: bool) -> None:
    with state.client() as api:
        hook = request(api, "PATCH", f"/hooks/{_seg(hook_id)}", body={"enabled": enabled})
    word = "enabled" if enabled else "disabled"
    emit(state, hook, lambda: click.echo(f"{word} hook {hook_id}"))


@hooks.command("enable")
@click.argument("hook_id")
@json_option
@pass_state
def hooks_enable(state: State, hook_id: str) -> None:
    """Switch a hook on."""
    _switch(state, hook_id, True)


@hooks.command("disable")
@click.argument("hook_id")
@json_option
@pass_state
def hooks_disable(state: State, hook_id: str) -> None:
    """Switch a hook off (it keeps its log)."""
    _switch(state, hook_id, False)


@hooks.command("deliveries")
@click.argument("hook_id")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@json_option
@pass_state
def hooks_deliveries(state: State, hook_id: str, limit: int) -> None:
    """A hook's delivery log, newest first."""
    with state.client() as api:
        found = request(api, "GET", f"/hooks/{_seg(hook_id)}/deliveries", params={"limit": limit})
    items = found["items"] if isinstance(found, dict) else found
    rows = [
        (
            d["id"],
            d["event_type"],
            d["status"],
            d["attempts"],
            d.get("last_status") or "-",
            when(d.get("updated_at")),
            d.get("last_error") or "",
        )
        for d in items
    ]
    emit(
        state,
        found,
        lambda: table(rows, ["ID", "EVENT", "STATUS", "TRIES", "HTTP", "UPDATED", "ERROR"]),
    )
