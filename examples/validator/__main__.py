"""python -m examples.validator --port 8090 --secret-file hook-secret.txt"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from aiohttp import web

from .app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="A CSV validator for AOS-Py webhooks")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--secret-file", type=Path, required=True, help="The hook's signing secret")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    secret = args.secret_file.read_text().strip().encode()
    web.run_app(create_app(secret), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
