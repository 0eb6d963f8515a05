"""A server of its own for the fuzzers (they create many resources), and the fuzz budget.

`AOS_FUZZ_EXAMPLES` sets how many cases hypothesis tries per test or per API operation; CI keeps
the small default and a fixed (derandomized) sequence of cases, so it cannot flake; setting the
variable makes a random full run (see docs/hardening.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.conftest import (
    LiveServer,
    make_settings,
    server_blockbuster,
    start_server,
    stop_server,
)

FUZZ_EXAMPLES = int(os.environ.get("AOS_FUZZ_EXAMPLES", "10"))
FUZZ_DERANDOMIZE = "AOS_FUZZ_EXAMPLES" not in os.environ


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """An embedded server per fuzz module, with blockbuster active while requests run."""
    with server_blockbuster() as bb:
        bb.deactivate()
        running = start_server(make_settings(tmp_path_factory.mktemp("aos-fuzz")))
        bb.activate()
        try:
            yield running.server
        finally:
            bb.deactivate()
            stop_server(running)
