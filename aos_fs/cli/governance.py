"""`aos usage`, `quota`, `archive`, `snapshot`, `clone`, `rules`: governance from the terminal."""

from __future__ import annotations

import click

from ..governance import Usage
from ._app import State, json_option, pass_state
from ._output import emit, fields, parse_size, size, table, when
from ._resolve import display, resolve, user_id


def _show_usage(state: State, usage: Usage, label: str) -> None:
    max_bytes = "no limit" if usage.max_bytes is None else size(usage.max_bytes)
    max_objects = "no limit" if usage.max_objects is None else str(usage.max_objects)

    def human() -> None:
        fields(
            [
                (label, usage.subject_id),
                ("bytes", f"{size(usage.bytes)} of {max_bytes}"),
                ("objects", f"{usage.objects} of {max_objects}"),
            ]
        )

    emit(state, usage, human)


@click.command("usage")
@click.argument("project", required=False)
@click.option("--user", "user", help="A user's usage instead (yours: `me`; others: admins).")
@json_option
@pass_state
def usage(state: State, project: str | None, user: str | None) -> None:
    """Bytes and objects PROJECT holds (or you, without PROJECT), with their limits."""
    with state.client() as api:
        if project is not None:
            res = resolve(api, project)
            _show_usage(state, api.governance.project_usage(res.id), f"project {res.name}")
            return
        uid = "me" if user in (None, "me") else user_id(api, user)
        _show_usage(state, api.governance.user_usage(uid), "user")


@click.command("quota")
@click.argument("project", required=False)
@click.option("--user", "user", help="Set a user's limits instead of a project's.")
@click.option("--max-bytes", help="Most bytes, e.g. 500GiB; `none` for no limit.")
@click.option("--max-objects", help="Most objects; `none` for no limit.")
@json_option
@pass_state
def quota(
    state: State,
    project: str | None,
    user: str | None,
    max_bytes: str | None,
    max_objects: str | None,
) -> None:
    """Set the limits of PROJECT (or of --user); both `none` removes them. Global admins."""
    if (project is None) == (user is None):
        raise click.UsageError("name either a PROJECT or --user")
    limit_bytes = None if max_bytes in (None, "none") else parse_size(max_bytes)
    limit_objects = None if max_objects in (None, "none") else int(max_objects)
    with state.client() as api:
        if project is not None:
            res = resolve(api, project)
            result = api.governance.set_project_quota(
                res.id, max_bytes=limit_bytes, max_objects=limit_objects
            )
            _show_usage(state, result, f"project {res.name}")
        else:
            result = api.governance.set_user_quota(
                user_id(api, user or ""), max_bytes=limit_bytes, max_objects=limit_objects
            )
            _show_usage(state, result, "user")


@click.command("archive")
@click.argument("project")
@click.option("--undo", is_flag=True, help="Lift the archive (global admins).")
@json_option
@pass_state
def archive(state: State, project: str, undo: bool) -> None:
    """Make PROJECT read-only for good (its admins); reads keep working."""
    with state.client() as api:
        res = resolve(api, project)
        done = api.governance.unarchive(res.id) if undo else api.governance.archive(res.id)
    verb = "is writable again" if undo else "is archived: read-only from now on"
    emit(state, done, lambda: click.echo(f"{display(project)} {verb}"))


@click.command("snapshot")
@click.argument("path")
@click.option("--name", help="Name of the snapshot (default: NAME.snapshot-<UTC time>).")
@json_option
@pass_state
def snapshot(state: State, path: str, name: str | None) -> None:
    """Freeze a collection or dataset: a read-only copy of its current tree, beside it."""
    with state.client() as api:
        res = resolve(api, path)
        snap = api.governance.snapshot(res.id, name)
    parent = path.rstrip("/").rsplit("/", 1)[0]
    emit(state, snap, lambda: click.echo(f"snapshot {display(parent + '/' + snap.name)}"))


@click.command("clone")
@click.argument("source")
@click.argument("parent")
@click.option("--name", help="Name of the clone (default: the source's).")
@json_option
@pass_state
def clone(state: State, source: str, parent: str, name: str | None) -> None:
    """Copy SOURCE into PARENT without copying bytes (the copies share their blobs)."""
    with state.client() as api:
        src = resolve(api, source)
        dest = resolve(api, parent)
        copy = api.governance.clone(src.id, dest.id, name)
    target = parent.rstrip("/") + "/" + copy.name
    emit(state, copy, lambda: click.echo(f"cloned {display(source)} → {display(target)}"))


@click.group("rules")
def rules() -> None:
    """Write rules (CEL) of a project, collection or dataset, or of the endpoint."""


@rules.command("list")
@click.argument("path", required=False)
@json_option
@pass_state
def list_rules(state: State, path: str | None) -> None:
    """The rules that apply at PATH (without PATH: the endpoint-wide ones)."""
    with state.client() as api:
        found = api.governance.rules(resolve(api, path).id if path else None)
    rows = [(r.id, r.name, r.expression, r.message, when(r.created_at)) for r in found]
    emit(state, found, lambda: table(rows, ["ID", "NAME", "EXPRESSION", "MESSAGE", "CREATED"]))


@rules.command("add")
@click.argument("path")
@click.argument("name")
@click.argument("expression")
@click.argument("message")
@json_option
@pass_state
def add_rule(state: State, path: str, name: str, expression: str, message: str) -> None:
    """Add a rule at PATH (`-` for the endpoint): writes where EXPRESSION is false are refused
    with MESSAGE. Example: aos rules add lab/tables csv-only 'kind != "OBJECT" ||
    name.endsWith(".csv")' 'only CSV files in this dataset'"""
    with state.client() as api:
        where = None if path == "-" else resolve(api, path).id
        rule = api.governance.add_rule(where, name, expression, message)
    emit(state, rule, lambda: click.echo(f"rule {rule.name} added ({rule.id})"))


@rules.command("rm")
@click.argument("rule_id")
@pass_state
def remove_rule(state: State, rule_id: str) -> None:
    """Remove a rule by its id (see `aos rules list`)."""
    with state.client() as api:
        api.governance.delete_rule(rule_id)
    click.echo(f"rule {rule_id} removed")


COMMANDS = [usage, quota, archive, snapshot, clone, rules]
