"""`aos login`, `whoami`, `token …`, `s3-credentials …`: who you are and how you connect."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta

import click

from ._app import CLIError, Exit, State, json_option, pass_state
from ._output import emit, fields, table, when
from ._resolve import resource_id


@click.command("login")
@click.argument("url", required=False)
@click.option("--token", "token_value", default=None, help="The API token (visible in `ps`).")
@click.option("--token-stdin", is_flag=True, help="Read the token from standard input.")
@click.option(
    "--oidc", "oidc", default=None, metavar="PROVIDER", help="Sign in with an OIDC provider."
)
@click.option(
    "--default/--no-default",
    "make_default",
    default=True,
    help="Make this profile the default one (default: yes).",
)
@json_option
@pass_state
def login(
    state: State,
    url: str | None,
    token_value: str | None,
    token_stdin: bool,
    oidc: str | None,
    make_default: bool,
) -> None:
    """Check a token against a server and keep both in a profile (file mode 0600).

    URL defaults to --url, AOS_URL or the profile's URL. Without --token/--token-stdin the token
    is asked for without echo; with --oidc PROVIDER you sign in in a browser instead (device
    code). The profile is named by --profile (default: "default").
    """
    from ..client import AOSClient
    from ..config import Profile, config_path, load_profile, save_profile

    if token_value and token_stdin:
        raise click.UsageError("give --token or --token-stdin, not both")
    url = url or state.url or os.environ.get("AOS_URL")
    if not url:
        try:
            url = load_profile(state.profile).url
        except LookupError:
            url = None
    if not url:
        raise click.UsageError("give the server URL: aos login http://host:8080")
    if oidc:
        from .signin import device_sign_in

        token = device_sign_in(url, oidc)
    elif token_stdin:
        token = sys.stdin.readline().strip()
    elif token_value:
        token = token_value.strip()
    else:
        token = click.prompt("API token", hide_input=True, err=True).strip()
    if not token:
        raise click.UsageError("the token is empty")
    with AOSClient(url, token) as api:
        me = api.whoami()
    if me.user is None:
        raise CLIError("the server did not accept this token", Exit.PERMISSION)
    name = state.profile or "default"
    written = save_profile(
        name,
        Profile(url=url.rstrip("/"), token=token),
        path=config_path(),
        make_default=make_default,
    )
    result = {"profile": name, "url": url.rstrip("/"), "user": me.user.name, "config": str(written)}
    if not state.json:
        from .signin import show_announcements

        show_announcements(url, token)
    emit(
        state,
        result,
        lambda: click.echo(
            f"Logged in to {result['url']} as {me.user.name if me.user else '?'}"
            f" (profile {name!r} in {written})"
        ),
    )


@click.command("whoami")
@json_option
@pass_state
def whoami(state: State) -> None:
    """Show the user and token in use."""
    with state.client() as api:
        me = api.whoami()

    def human() -> None:
        if me.user is None:
            click.echo(f"anonymous at {api.url}")
            return
        token = me.token
        fields(
            [
                ("user", me.user.name),
                ("id", me.user.id),
                ("admin", "yes" if me.user.is_admin else "no"),
                ("server", api.url),
                ("token", f"{token.name} ({token.id})" if token else None),
                ("scope", token.scope_id if token and token.scope_id else "personal"),
                ("level", token.level.value if token else None),
                ("expires", when(token.expires_at) if token and token.expires_at else "never"),
            ]
        )

    emit(state, {**me.model_dump(mode="json"), "url": api.url}, human)


# -- tokens -------------------------------------------------------------------------------------
@click.group("token")
def token() -> None:
    """Create, list and revoke API tokens."""


@token.command("create")
@click.argument("name")
@click.option("--scope", "scope_path", default=None, help="Limit the token to this path.")
@click.option(
    "--level",
    type=click.Choice(["READ", "APPEND", "WRITE", "ADMIN"], case_sensitive=False),
    default="ADMIN",
    show_default=True,
    help="Ceiling level (never more than you have).",
)
@click.option("--expires-in", type=int, default=None, help="Days until it expires.")
@json_option
@pass_state
def token_create(
    state: State, name: str, scope_path: str | None, level: str, expires_in: int | None
) -> None:
    """Create a token; its secret is printed this once."""
    with state.client() as api:
        scope = resource_id(api, scope_path) if scope_path else None
        expires = datetime.now(UTC) + timedelta(days=expires_in) if expires_in else None
        created = api.create_token(name, scope_id=scope, level=level.upper(), expires_at=expires)

    def human() -> None:
        click.echo(created.secret)
        click.echo(
            f"token {created.name!r} ({created.id}); keep the secret above, it is shown once",
            err=True,
        )

    emit(state, created, human)


@token.command("list")
@json_option
@pass_state
def token_list(state: State) -> None:
    """Your tokens (never their secrets)."""
    with state.client() as api:
        tokens = api.list_tokens()
    rows = [
        (t.id, t.name, t.level.value, t.scope_id or "-", when(t.expires_at), when(t.last_used_at))
        for t in tokens
    ]
    emit(
        state,
        tokens,
        lambda: table(rows, ["ID", "NAME", "LEVEL", "SCOPE", "EXPIRES", "LAST USED"]),
    )


@token.command("revoke")
@click.argument("token_id")
@json_option
@pass_state
def token_revoke(state: State, token_id: str) -> None:
    """Revoke a token by its id."""
    with state.client() as api:
        api.delete_token(token_id)
    emit(state, {"revoked": token_id}, lambda: click.echo(f"revoked token {token_id}"))


# -- S3 keys ------------------------------------------------------------------------------------
@click.group("s3-credentials", invoke_without_command=True)
@click.pass_context
def s3_credentials(ctx: click.Context) -> None:
    """Your S3 access keys: list (default), create, revoke."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(s3_list)


@s3_credentials.command("list")
@json_option
@pass_state
def s3_list(state: State) -> None:
    """Your S3 access key ids (secrets are shown only on creation)."""
    with state.client() as api:
        keys = api.list_s3_credentials()
    rows = [(k.access_key_id, k.token_id or "-", when(k.created_at)) for k in keys]
    emit(state, keys, lambda: table(rows, ["ACCESS KEY ID", "TOKEN", "CREATED"]))


@s3_credentials.command("create")
@json_option
@pass_state
def s3_create(state: State) -> None:
    """New S3 keys, scoped like the token in use; the secret is printed this once."""
    with state.client() as api:
        me = api.whoami()
        created = api.create_s3_credentials(token_id=me.token.id if me.token else None)
    emit(
        state,
        {**created.model_dump(mode="json"), "endpoint_url": api.url},
        lambda: fields(
            [
                ("endpoint url", api.url),
                ("access key id", created.access_key_id),
                ("secret access key", created.secret_access_key),
            ]
        ),
    )


@s3_credentials.command("revoke")
@click.argument("access_key_id")
@json_option
@pass_state
def s3_revoke(state: State, access_key_id: str) -> None:
    """Revoke S3 keys."""
    with state.client() as api:
        api.delete_s3_credentials(access_key_id)
    emit(state, {"revoked": access_key_id}, lambda: click.echo(f"revoked {access_key_id}"))
