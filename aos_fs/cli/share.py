"""`aos share`, `unshare`, `presign`: give others access."""

from __future__ import annotations

import click

from ..paths import AOSPath
from ._app import State, json_option, open_fs, pass_state, run
from ._output import emit, table, when
from ._resolve import display, resolve, user_id

LEVELS = ["READ", "APPEND", "WRITE", "ADMIN"]


@click.command("share")
@click.argument("path")
@click.argument("user", required=False)
@click.option(
    "--level",
    type=click.Choice(LEVELS, case_sensitive=False),
    default="READ",
    show_default=True,
    help="What USER may do below PATH.",
)
@json_option
@pass_state
def share(state: State, path: str, user: str | None, level: str) -> None:
    """Grant USER (a user id, or a name for admins) a level on PATH; without USER list grants."""
    with state.client() as api:
        resource = resolve(api, path)
        if user is None:
            grants = api.permissions(resource.id)
            rows = [
                (g.user_id, g.level.value, g.granted_by or "-", when(g.granted_at)) for g in grants
            ]
            emit(state, grants, lambda: table(rows, ["USER", "LEVEL", "GRANTED BY", "AT"]))
            return
        granted = api.grant(resource.id, user_id(api, user), level.upper())
    emit(
        state,
        granted,
        lambda: click.echo(f"{user} may now {granted.level.value} {display(path)}"),
    )


@click.command("unshare")
@click.argument("path")
@click.argument("user")
@json_option
@pass_state
def unshare(state: State, path: str, user: str) -> None:
    """Revoke USER's grant on PATH (inherited grants from above stay)."""
    with state.client() as api:
        resource = resolve(api, path)
        revoked = api.grant(resource.id, user_id(api, user), "NONE")
    emit(state, revoked, lambda: click.echo(f"revoked {user}'s access to {display(path)}"))


@click.command("presign")
@click.argument("path")
@click.option("--expires-in", type=int, default=3600, show_default=True, help="Seconds.")
@click.option(
    "--method",
    type=click.Choice(["GET", "PUT"], case_sensitive=False),
    default="GET",
    show_default=True,
    help="GET to download, PUT to upload.",
)
@json_option
@pass_state
def presign(state: State, path: str, expires_in: int, method: str) -> None:
    """A URL that reads (or writes) PATH without credentials until it expires."""
    p = AOSPath.parse(path)
    if p.pinned and method.upper() == "GET":

        async def go() -> str:
            async with open_fs(state) as fs:
                return str(await fs._sign(str(p), expiration=expires_in))

        signed = {"url": run(go()), "method": "GET", "expires_in": expires_in}
    else:
        with state.client() as api:
            signed = api.presign(p.plain, method=method.upper(), expires_in=expires_in)
    emit(state, signed, lambda: click.echo(signed["url"]))
