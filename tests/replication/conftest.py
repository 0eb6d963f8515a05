"""A multi-site deployment per test: its own PostgreSQL schema, dropped afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres_db import create_schema, drop_schema, dsn_for

from .sites import Site


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    schema = asyncio.run(create_schema())
    deployment = Site(tmp_path, dsn_for(schema))
    try:
        yield deployment
    finally:
        deployment.close()
        asyncio.run(drop_schema(schema))
