"""`aos serve`, `aos server`, `aos proxy`: start the service (the server package does the work)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ._app import CLIError, Exit

F = TypeVar("F", bound=Callable[..., Any])


@click.command(
    "serve",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
    short_help="Run the embedded service: API + S3 on one port (SQLite + local disk).",
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def serve(args: tuple[str, ...]) -> None:
    """aos serve [--host 127.0.0.1] [--port 8080] [--data-dir ./aos-data]"""
    from aos_server.cli import main as server_main  # the flags and output stay the server's own

    code = server_main(["serve", *args])
    if code:
        raise SystemExit(code)


def _listen(command: F) -> F:
    """The --host and --port options of every command that starts a service."""
    command = click.option(
        "--port", type=int, default=None, help="TCP port (default 8080; 0 = any)."
    )(command)
    return click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")(
        command
    )


@click.command("server")
@_listen
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Data directory of the embedded backends (default ./aos-data).",
)
@click.option(
    "--database",
    metavar="DSN",
    default=None,
    help="Metadata store: sqlite:///path/aos.db or postgresql://user@host:5432/db "
    "(AOS_METADATA_URL).",
)
@click.option(
    "--blobs",
    metavar="DSN",
    default=None,
    help="Blob store: file:///path or s3://bucket/prefix?endpoint=https://host (AOS_BLOBS_URL).",
)
@click.option(
    "--events", metavar="DSN", default=None, help="Event bus: memory:// (AOS_EVENTS_URL)."
)
@click.option(
    "--public-url", default=None, help="URL clients use to reach this service (AOS_PUBLIC_URL)."
)
def server(
    host: str | None,
    port: int | None,
    data_dir: Path | None,
    database: str | None,
    blobs: str | None,
    events: str | None,
    public_url: str | None,
) -> None:
    """Run the service until SIGINT/SIGTERM, with its backends chosen by DSN.

    Without --database/--blobs it is `aos serve`. Every other setting comes from AOS_*
    environment variables (docs/settings.md).
    """
    import logging

    from aos_server import runloop
    from aos_server.cli import serve as run_server
    from aos_server.settings import Settings

    given = {
        "host": host,
        "port": port,
        "data_dir": data_dir,
        "metadata_url": database,
        "blobs_url": blobs,
        "events_url": events,
        "public_url": public_url,
    }
    settings = Settings(**{k: v for k, v in given.items() if v is not None})  # type: ignore[arg-type]
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    runloop.run(run_server(settings), settings.event_loop)


@click.command("proxy")
@click.option(
    "--config",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="TOML file of settings (names as in docs/settings.md); AOS_* variables and flags win.",
)
@_listen
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Directory of this endpoint's blobs when --blobs is not given (default ./aos-data).",
)
@click.option(
    "--database",
    metavar="DSN",
    default=None,
    help="The server's metadata store, shared (AOS_METADATA_URL).",
)
@click.option(
    "--blobs",
    metavar="DSN",
    default=None,
    help="This endpoint's blob store: file:///path or s3://bucket/prefix?endpoint=… "
    "(AOS_BLOBS_URL).",
)
@click.option(
    "--public-url", default=None, help="URL clients and other endpoints use (AOS_PUBLIC_URL)."
)
@click.option("--server-url", default=None, help="The server's URL (AOS_SERVER_URL).")
def proxy(
    config: Path | None,
    host: str | None,
    port: int | None,
    data_dir: Path | None,
    database: str | None,
    blobs: str | None,
    public_url: str | None,
    server_url: str | None,
) -> None:
    """Run a data endpoint (S3) of its own, registered with the server.

    The endpoint credential comes from AOS_ENDPOINT_CREDENTIAL or the config file (an admin
    creates it with `POST /api/v2/endpoints`); the master key (AOS_MASTER_KEY) and the
    metadata store are the server's. See docs/deploy.md.
    """
    import logging

    from pydantic import ValidationError

    from aos_server import runloop
    from aos_server.errors import AOSError
    from aos_server.proxy import check_proxy_settings, run_proxy
    from aos_server.settings import load_settings

    try:
        settings = load_settings(
            config,
            host=host,
            port=port,
            data_dir=data_dir,
            metadata_url=database,
            blobs_url=blobs,
            public_url=public_url,
            server_url=server_url,
        )
        check_proxy_settings(settings)
    except (ValueError, ValidationError, AOSError) as exc:
        raise CLIError(str(exc), Exit.USAGE) from exc
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    runloop.run(run_proxy(settings), settings.event_loop)
