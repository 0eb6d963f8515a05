"""`aos notifications`, `access`, `announcements`, `stats`, `workspace`, `service-account`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from ._app import State, json_option, pass_state
from ._output import emit, fields, size, table, when
from ._resolve import resource_id

LEVELS = click.Choice(["READ", "APPEND", "WRITE", "ADMIN"], case_sensitive=False)


# -- personal notifications ---------------------------------------------------------------------
@click.command("notifications")
@click.option("--unread", is_flag=True, help="Only the unread ones.")
@click.option("--mark-read", "mark", is_flag=True, help="Then mark all of them read.")
@json_option
@pass_state
def notifications(state: State, unread: bool, mark: bool) -> None:
    """Your personal notifications (access requests, decisions, …), newest first."""
    with state.client() as api:
        items = api.accounts.notifications(unread=unread)
        if mark:
            api.accounts.mark_read(None)
    rows = [(n.id, when(n.created_at), "" if n.read_at else "new", n.title) for n in items]
    emit(state, items, lambda: table(rows, ["ID", "WHEN", "", "TITLE"]))


# -- access requests ----------------------------------------------------------------------------
@click.group("access")
def access() -> None:
    """Ask for access to a resource; decide on requests for yours."""


@access.command("request")
@click.argument("path")
@click.option("--level", type=LEVELS, default="READ", show_default=True)
@click.option("--message", default="", help="Why you need it (the admins see it).")
@json_option
@pass_state
def access_request(state: State, path: str, level: str, message: str) -> None:
    """Ask the admins of PATH (or an id) for a permission."""
    with state.client() as api:
        req = api.accounts.request_access(resource_id(api, path), level.upper(), message)
    emit(state, req, lambda: click.echo(f"asked for {req.level.value} (request {req.id})"))


@access.command("list")
@click.option("--incoming", is_flag=True, help="Requests waiting for your decision.")
@json_option
@pass_state
def access_list(state: State, incoming: bool) -> None:
    """Your access requests, or those on resources you administer."""
    with state.client() as api:
        found = api.accounts.access_requests(incoming=incoming)
    rows = [(r.id, r.resource_id, r.level.value, r.status, r.user_id, r.message) for r in found]
    emit(state, found, lambda: table(rows, ["ID", "RESOURCE", "LEVEL", "STATUS", "USER", "WHY"]))


def _decide(state: State, request_id: str, grant: bool, level: str | None, reason: str) -> None:
    with state.client() as api:
        req = api.accounts.decide_access(request_id, grant, level=level, reason=reason)
    emit(state, req, lambda: click.echo(f"request {req.id}: {req.status.lower()}"))


@access.command("grant")
@click.argument("request_id")
@click.option("--level", type=LEVELS, default=None, help="Grant another level than asked.")
@click.option("--reason", default="")
@json_option
@pass_state
def access_grant(state: State, request_id: str, level: str | None, reason: str) -> None:
    """Grant an access request."""
    _decide(state, request_id, True, level.upper() if level else None, reason)


@access.command("refuse")
@click.argument("request_id")
@click.option("--reason", default="")
@json_option
@pass_state
def access_refuse(state: State, request_id: str, reason: str) -> None:
    """Refuse an access request."""
    _decide(state, request_id, False, None, reason)


# -- announcements ------------------------------------------------------------------------------
@click.group("announcements", invoke_without_command=True)
@click.pass_context
def announcements(ctx: click.Context) -> None:
    """Messages from the administrators: list (default), add, rm."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(announcements_list)


@announcements.command("list")
@json_option
@pass_state
def announcements_list(state: State) -> None:
    """The current announcements."""
    with state.client() as api:
        items = api.accounts.announcements()
    rows = [(a.id, a.severity, when(a.expires_at), a.title, a.body) for a in items]
    emit(state, items, lambda: table(rows, ["ID", "SEVERITY", "UNTIL", "TITLE", "TEXT"]))


@announcements.command("add")
@click.argument("title")
@click.option("--body", default="")
@click.option("--severity", type=click.Choice(["info", "warning", "critical"]), default="info")
@click.option("--expires-in", type=float, default=None, help="Hours until it disappears.")
@json_option
@pass_state
def announcements_add(
    state: State, title: str, body: str, severity: str, expires_in: float | None
) -> None:
    """Make an announcement (admins)."""
    expires = datetime.now(UTC) + timedelta(hours=expires_in) if expires_in else None
    with state.client() as api:
        item = api.accounts.announce(title, body, severity=severity, expires_at=expires)
    emit(state, item, lambda: click.echo(f"announced ({item.id})"))


@announcements.command("rm")
@click.argument("announcement_id")
@json_option
@pass_state
def announcements_rm(state: State, announcement_id: str) -> None:
    """Remove an announcement (admins)."""
    with state.client() as api:
        api.accounts.delete_announcement(announcement_id)
    emit(state, {"removed": announcement_id}, lambda: click.echo(f"removed {announcement_id}"))


# -- statistics ---------------------------------------------------------------------------------
@click.command("stats")
@click.argument("path", required=False)
@click.option("--user", "user", default=None, help="A user's statistics (you: 'me').")
@json_option
@pass_state
def stats(state: State, path: str | None, user: str | None) -> None:
    """Objects, bytes, revisions and last change below PATH; or a user's (--user me)."""
    if (path is None) == (user is None):
        raise click.UsageError("give a PATH or --user")
    with state.client() as api:
        if user is not None:
            me = api.whoami().user
            who = me.id if user == "me" and me else user
            found = api.accounts.user_statistics(who)
            pairs = [
                ("projects", found.projects),
                ("objects", found.objects),
                ("revisions", found.versions),
                ("bytes uploaded", size(found.bytes)),
                ("last upload", when(found.last_upload)),
            ]
            emit(state, found, lambda: fields(pairs))
            return
        res = api.accounts.resource_statistics(resource_id(api, path or ""))
    pairs = [
        ("objects", res.objects),
        ("bytes", size(res.bytes)),
        ("revisions", res.versions),
        ("bytes, all revisions", size(res.version_bytes)),
        ("last change", when(res.last_change)),
    ]
    emit(state, res, lambda: fields(pairs))


# -- workspaces ---------------------------------------------------------------------------------
@click.group("workspace")
def workspace() -> None:
    """Short-lived scratch projects from templates: templates, create, claim."""


@workspace.command("templates")
@json_option
@pass_state
def workspace_templates(state: State) -> None:
    """The workspace templates you may use."""
    with state.client() as api:
        found = api.accounts.workspace_templates()
    rows = [
        (t.name, f"{t.lifetime}s", "yes" if t.allow_anonymous else "no", t.description)
        for t in found
    ]
    emit(state, found, lambda: table(rows, ["NAME", "LIFETIME", "ANONYMOUS", "DESCRIPTION"]))


@workspace.command("create")
@click.argument("template")
@json_option
@pass_state
def workspace_create(state: State, template: str) -> None:
    """Create a workspace; its token and S3 secret are printed this once."""
    with state.client() as api:
        ws = api.accounts.create_workspace(template)
    emit(
        state,
        ws,
        lambda: fields(
            [
                ("project", ws.project.name),
                ("expires", when(ws.expires_at)),
                ("token", ws.token),
                ("endpoint url", ws.s3_endpoint),
                ("access key id", ws.access_key_id),
                ("secret access key", ws.secret_access_key),
            ]
        ),
    )


@workspace.command("claim")
@click.argument("project")
@click.option("--workspace-token", default=None, help="For a workspace made anonymously.")
@json_option
@pass_state
def workspace_claim(state: State, project: str, workspace_token: str | None) -> None:
    """Make a workspace a normal project of yours."""
    with state.client() as api:
        res = api.accounts.claim_workspace(
            resource_id(api, project), workspace_token=workspace_token
        )
    emit(state, res, lambda: click.echo(f"{res.name} is now a {res.data_class.value} project"))


# -- service accounts ---------------------------------------------------------------------------
@click.group("service-account")
def service_account() -> None:
    """Non-human users bound to one project: create, list, token, s3-credentials."""


@service_account.command("create")
@click.argument("project")
@click.argument("name")
@click.option("--level", type=LEVELS, default="READ", show_default=True)
@json_option
@pass_state
def sa_create(state: State, project: str, name: str, level: str) -> None:
    """Create a service account with LEVEL on PROJECT (project admins)."""
    with state.client() as api:
        user = api.create_service_account(name, resource_id(api, project), level.upper())
    emit(state, user, lambda: click.echo(f"service account {user.name} ({user.id})"))


@service_account.command("list")
@click.argument("project")
@json_option
@pass_state
def sa_list(state: State, project: str) -> None:
    """A project's service accounts."""
    with state.client() as api:
        found = api.accounts.service_accounts(resource_id(api, project))
    rows = [(u.id, u.name, "yes" if u.active else "no") for u in found]
    emit(state, found, lambda: table(rows, ["ID", "NAME", "ACTIVE"]))


@service_account.command("token")
@click.argument("user_id")
@click.option("--expires-in", type=int, default=None, help="Days until it expires.")
@json_option
@pass_state
def sa_token(state: State, user_id: str, expires_in: int | None) -> None:
    """A token for a service account; its secret is printed this once."""
    expires = datetime.now(UTC) + timedelta(days=expires_in) if expires_in else None
    with state.client() as api:
        created = api.create_token("service-account", user_id=user_id, expires_at=expires)
    emit(state, created, lambda: click.echo(created.secret))


@service_account.command("s3-credentials")
@click.argument("user_id")
@json_option
@pass_state
def sa_s3(state: State, user_id: str) -> None:
    """S3 keys for a service account; the secret is printed this once."""
    with state.client() as api:
        keys = api.accounts.service_account_s3_credentials(user_id)
    emit(
        state,
        keys,
        lambda: fields(
            [("access key id", keys.access_key_id), ("secret access key", keys.secret_access_key)]
        ),
    )
