"""`aos serve` and `aos proxy` run on uvloop where it is installed, unless told otherwise."""

from __future__ import annotations

import asyncio

import pytest

from aos_server import runloop


def _loop_module(choice: runloop.EventLoop) -> str:
    seen: list[str] = []

    async def main() -> None:
        seen.append(type(asyncio.get_running_loop()).__module__)

    runloop.run(main(), choice)
    return seen[0]


def test_auto_runs_on_uvloop_when_installed() -> None:
    pytest.importorskip("uvloop")
    assert _loop_module("auto").startswith("uvloop")
    assert _loop_module("uvloop").startswith("uvloop")


def test_asyncio_runs_on_the_standard_loop() -> None:
    assert _loop_module("asyncio").startswith("asyncio")
