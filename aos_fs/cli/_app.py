"""What every command shares: connection options, `--json`, exit codes and error messages."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ..client import AOSClient, AsyncAOSClient
    from ..filesystem import AOSFileSystem

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class Exit(IntEnum):
    """Exit codes of `aos` (documented in docs/cli.md)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    NOT_FOUND = 3
    PERMISSION = 4
    EXISTS = 5
    UNREACHABLE = 6
    INTERRUPTED = 130


class CLIError(click.ClickException):
    """An error with a one-line message and a chosen exit code."""

    def __init__(self, message: str, code: Exit = Exit.ERROR) -> None:
        super().__init__(message)
        self.exit_code = int(code)  # type: ignore[misc]  # per error, not per class

    def show(self, file: Any = None) -> None:
        click.echo(f"aos: {self.format_message()}", err=True)


@dataclass
class State:
    """Options of the `aos` group, handed to every command."""

    profile: str | None = None
    url: str | None = None
    json: bool = False

    def client(self) -> AOSClient:
        from ..client import AOSClient

        return AOSClient(self.url, profile=self.profile)

    def async_client(self) -> AsyncAOSClient:
        from ..client import AsyncAOSClient

        return AsyncAOSClient(self.url, profile=self.profile)

    def filesystem(self, *, max_concurrency: int = 8) -> AOSFileSystem:
        """An async filesystem for the current loop (the caller closes it with `close_fs`)."""
        from ..filesystem import AOSFileSystem

        keys = ensure_s3_keys(self)
        return AOSFileSystem(
            endpoint_url=self.url,
            profile=self.profile,
            key=keys[0] if keys else None,
            secret=keys[1] if keys else None,
            asynchronous=True,
            skip_instance_cache=True,
            max_concurrency=max_concurrency,
            use_listings_cache=False,
        )


def ensure_s3_keys(state: State) -> tuple[str, str] | None:
    """S3 keys for the data path, always those of the token in use.

    A profile's keys serve only that profile's own token; when the profile has none they are
    created once and kept in it (so keys do not pile up on the server). A token from
    `AOS_TOKEN` gets keys scoped to it, created for this run. No token: anonymous.
    """
    from ..client import AOSClient
    from ..config import Profile, config_path, load_profile, save_profile

    resolved = load_profile(state.profile, url=state.url)
    if not resolved.token:
        return None
    name, entry = profile_entry(state)
    own = entry is not None and entry.get("token") == resolved.token
    if own and entry and entry.get("s3_access_key_id") and entry.get("s3_secret_access_key"):
        return str(entry["s3_access_key_id"]), str(entry["s3_secret_access_key"])
    with AOSClient(resolved.url, resolved.token) as api:
        me = api.whoami()
        created = api.create_s3_credentials(token_id=me.token.id if me.token else None)
    if created.secret_access_key is None:
        return None
    if own and name is not None:
        keys = Profile(
            resolved.url, resolved.token, created.access_key_id, created.secret_access_key
        )
        save_profile(name, keys, path=config_path())
    return created.access_key_id, created.secret_access_key


def profile_entry(state: State) -> tuple[str | None, dict[str, Any] | None]:
    """The profile (name, entry) of the config file for this server, if there is one."""
    import tomllib

    from ..config import config_path

    path = config_path()
    if not path.exists():
        return None, None
    data = tomllib.loads(path.read_text())
    name = state.profile or os.environ.get("AOS_PROFILE") or data.get("default")
    entry = data.get("profiles", {}).get(name) if name else None
    if not isinstance(entry, dict):
        return None, None
    url = state.url or os.environ.get("AOS_URL")
    if url and url.rstrip("/") != str(entry.get("url", "")).rstrip("/"):
        return None, None
    return str(name), entry


pass_state = click.make_pass_decorator(State, ensure=True)


def json_option(f: F) -> F:
    """`--json`: machine-readable output on stdout (also accepted before the command)."""

    def set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value:
            ctx.ensure_object(State).json = True

    return click.option(
        "--json",
        "json_",
        is_flag=True,
        expose_value=False,
        callback=set_json,
        help="Print JSON on stdout, for scripts (no progress bars).",
    )(f)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine on a fresh loop."""
    return asyncio.run(coro)


@contextlib.asynccontextmanager
async def open_fs(state: State, *, max_concurrency: int = 8) -> AsyncIterator[AOSFileSystem]:
    """The filesystem on the running loop, with its connections closed at the end."""
    fs = state.filesystem(max_concurrency=max_concurrency)
    try:
        yield fs
    finally:
        conn = getattr(fs, "_conn_", None)
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.api.aclose()
            client = getattr(conn.s3, "_s3", None)
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.__aexit__(None, None, None)
            fs._conn_ = None


# -- errors -------------------------------------------------------------------------------------
def _os_message(exc: OSError) -> str:
    if exc.strerror and exc.filename:
        return f"{exc.strerror}: {exc.filename}"
    if len(exc.args) >= 2 and isinstance(exc.args[1], str):
        return exc.args[1]
    return str(exc) or type(exc).__name__


def _is_unreachable(exc: BaseException) -> bool:
    import httpx

    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return True
    name = type(exc).__name__
    return name in ("ClientConnectorError", "EndpointConnectionError", "ServerDisconnectedError")


def classify(exc: BaseException) -> tuple[Exit, str]:
    """The exit code and the one-line message for an exception."""
    from ..errors import (
        AOSConflict,
        AOSHTTPError,
        AOSInvalidInput,
        AOSNotFound,
        AOSPermissionError,
        AOSUnauthenticated,
    )

    if isinstance(exc, AOSUnauthenticated):
        return Exit.PERMISSION, f"not authenticated: {exc.detail} (log in with `aos login`)"
    if isinstance(exc, AOSNotFound):
        return Exit.NOT_FOUND, f"not found: {exc.detail}"
    if isinstance(exc, AOSPermissionError):
        return Exit.PERMISSION, f"permission denied: {exc.detail}"
    if isinstance(exc, AOSConflict):
        return Exit.EXISTS, f"conflict: {exc.detail}"
    if isinstance(exc, AOSInvalidInput):
        return Exit.USAGE, f"invalid request: {exc.detail}"
    if isinstance(exc, AOSHTTPError):
        return Exit.ERROR, f"server error: {exc}"
    if _is_unreachable(exc):
        return Exit.UNREACHABLE, f"cannot reach the server: {exc}"
    if isinstance(exc, LookupError):
        return Exit.ERROR, str(exc).strip("'\"")
    if isinstance(exc, FileNotFoundError):
        return Exit.NOT_FOUND, _os_message(exc)
    if isinstance(exc, PermissionError):
        return Exit.PERMISSION, f"permission denied: {_os_message(exc)}"
    if isinstance(exc, FileExistsError):
        return Exit.EXISTS, _os_message(exc)
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOTEMPTY:
            return Exit.ERROR, f"{_os_message(exc)}"
        return Exit.ERROR, _os_message(exc)
    if isinstance(exc, ValueError):
        return Exit.USAGE, str(exc)
    return Exit.ERROR, f"unexpected {type(exc).__name__}: {exc} (set AOS_DEBUG=1 for details)"


def report(exc: BaseException) -> int:
    """Print one line for `exc` on stderr and return the exit code."""
    if isinstance(exc, KeyboardInterrupt | asyncio.CancelledError):
        click.echo("aos: interrupted", err=True)
        return int(Exit.INTERRUPTED)
    code, message = classify(exc)
    if os.environ.get("AOS_DEBUG"):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    click.echo(f"aos: {' '.join(message.split())}", err=True)
    return int(code)
