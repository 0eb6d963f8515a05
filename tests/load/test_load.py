"""The load generator in a reduced form: 10 clients x 50 mixed operations, 0 errors; then the
same with one client reading a big object at one byte per second, and the others' p99 stays
bounded. The full form is `python -m benchmarks.load` (50 x 1,000; see benchmarks/README.md).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from benchmarks._harness import aos_server_proc, free_port
from benchmarks.load import run_load
from benchmarks.s3 import peak_rss_mib

pytestmark = pytest.mark.slow


def test_mixed_load_without_errors_and_a_slow_reader_stalls_no_one(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with aos_server_proc(port, tmp_path / "data") as pid:
        base = asyncio.run(run_load(url, clients=10, ops=50))
        slowed = asyncio.run(run_load(url, clients=10, ops=50, slow=True))
        base.peak_rss_mib = slowed.peak_rss_mib = peak_rss_mib(pid)
    print(f"\n{base.table()}\nwith a slow reader:\n{slowed.table()}")
    assert base.errors == []
    assert slowed.errors == []
    assert base.total == slowed.total == 500
    assert set(base.latencies) == set(slowed.latencies) == {
        "s3_put", "s3_get", "s3_head", "s3_list", "api_get", "api_edit", "api_search"
    }  # fmt: skip
    # A reader that takes one byte per second holds a connection, not the event loop: were the
    # loop stalled behind it, every other request would wait for seconds.
    p99, p99_slowed = base.pct(None, 0.99), slowed.pct(None, 0.99)
    assert p99_slowed <= max(5 * p99, 2000.0), (p99, p99_slowed)
