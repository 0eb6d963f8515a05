"""`aos serve`, `aos server`, `aos proxy`: start the service (the server package does the work)."""

from __future__ import annotations

from pathlib import Path

import click

from ._app import CLIError, Exit


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


@click.command("server")
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="TCP port (default 8080; 0 = any).")
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
    import asyncio
    import logging

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
    asyncio.run(run_server(settings))


@click.command("proxy", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def proxy(args: tuple[str, ...]) -> None:
    """Run a stand-alone data endpoint (not available in this version)."""
    raise CLIError(
        "`aos proxy` is not available in this version: the data endpoint runs inside "
        "`aos serve`/`aos server` (S3 on the same port)",
        Exit.USAGE,
    )
