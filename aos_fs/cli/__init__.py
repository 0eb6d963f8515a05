"""`aos`: the command line of AOS-Py (docs/cli.md).

`aos serve` starts the embedded service; every other command is a client of a running one,
configured by `aos login` (a profile), or `AOS_URL` + `AOS_TOKEN`. Exit codes: 0 ok, 1 error,
2 usage, 3 not found, 4 permission denied, 5 already exists, 6 server unreachable,
130 interrupted.
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version

import click

from . import (
    account,
    accounts,
    browse,
    events,
    governance,
    hooks,
    meta,
    search,
    server,
    share,
    transfer,
)
from ._app import Exit, State, report

__all__ = ["Exit", "cli", "main"]


def _version() -> str:
    try:
        return version("aos-py")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


class _Group(click.Group):
    """Commands listed in the order they are added (the order of docs/cli.md)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--profile", envvar="AOS_PROFILE", default=None, help="Profile of the config file to use."
)
@click.option("--url", envvar="AOS_URL", default=None, help="Server URL (overrides the profile).")
@click.option("--json", "json_", is_flag=True, help="JSON output for scripts (any command).")
@click.version_option(_version(), prog_name="aos", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, profile: str | None, url: str | None, json_: bool) -> None:
    """AOS-Py: research data in projects, collections, datasets and objects.

    Start a local service with `aos serve`, or log in to one with `aos login URL`.
    """
    state = ctx.ensure_object(State)
    state.profile, state.url, state.json = profile, url, json_ or state.json


for command in (
    server.serve,
    server.server,
    server.proxy,
    account.login,
    account.whoami,
    browse.ls,
    browse.tree,
    browse.info,
    browse.mkdir,
    transfer.put,
    transfer.get,
    transfer.cp,
    transfer.mv,
    browse.rm,
    browse.versions,
    meta.meta,
    share.share,
    share.unshare,
    account.token,
    account.s3_credentials,
    share.presign,
    search.search,
    events.events,
    hooks.hooks,
    accounts.notifications,
    accounts.access,
    accounts.announcements,
    accounts.stats,
    accounts.workspace,
    accounts.service_account,
    *governance.COMMANDS,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """Run `aos` and return its exit code; errors become one line on stderr."""
    try:
        result = cli.main(args=argv, prog_name="aos", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # plain `aos`: the help text
            click.echo(exc.format_message(), err=True)
            return int(Exit.USAGE)
        where = exc.ctx.command_path if exc.ctx else "aos"
        message = " ".join(exc.format_message().split())
        click.echo(f"{where}: {message} (see '{where} --help')", err=True)
        return int(Exit.USAGE)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aos: interrupted", err=True)
        return int(Exit.INTERRUPTED)
    except SystemExit:
        raise
    except BaseException as exc:  # every other error: one line, a meaningful exit code
        return report(exc)
    return int(result) if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
