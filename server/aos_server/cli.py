"""`aos` command line: `aos serve` starts the embedded service; client commands follow."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from aiohttp import web

from aos_fs.config import Profile, save_profile

from . import runloop
from .app import create_app
from .keys import BOOTSTRAP
from .settings import Settings


def _serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        help="run the embedded service (API + S3 on one port; SQLite + local disk)",
        description="Run server and data endpoint in one process on the embedded default.",
    )
    p.add_argument("--host", default=None, help="interface (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="TCP port (default 8080; 0 = any)")
    p.add_argument("--data-dir", type=Path, default=None, help="data directory (./aos-data)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aos", description="AOS-Py research data store")
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides = {
        k: v
        for k, v in {"host": args.host, "port": args.port, "data_dir": args.data_dir}.items()
        if v is not None
    }
    return Settings(**overrides)


async def serve(settings: Settings, *, ready: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM; print the connection details once ready."""
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    if settings.port == 0:
        port = runner.addresses[0][1]
        settings = settings.model_copy(update={"port": port})
    boot = app[BOOTSTRAP]
    url = settings.base_url
    lines = [
        f"AOS-Py is running at {url}",
        f"  API:    {url}/api/v2  (OpenAPI: {url}/api/v2/openapi.json)",
        f"  S3:     {url}  (path-style)",
    ]
    if boot.token:
        lines.append(f"  admin token:        {boot.token}")
    if boot.access_key_id:
        lines.append(f"  S3 access key id:   {boot.access_key_id}")
        lines.append(f"  S3 secret key:      {boot.secret_access_key}")
    if settings.write_profile and boot.token:
        written = save_profile(
            "local",
            Profile(
                url=url,
                token=boot.token,
                s3_access_key_id=boot.access_key_id,
                s3_secret_access_key=boot.secret_access_key,
            ),
            path=settings.client_config,
        )
        lines.append(f"  client profile 'local' written to {written}")
    if not boot.token:
        lines.append("  (admin token: the one printed on first start, or AOS_ADMIN_TOKEN)")
    print("\n".join(lines), flush=True)
    await run_until_signal(runner, ready)


async def run_until_signal(runner: web.AppRunner, ready: asyncio.Event | None = None) -> None:
    """Serve until SIGINT/SIGTERM, then clean the app up (its backends close)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        settings = settings_from_args(args)
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        runloop.run(serve(settings), settings.event_loop)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
