"""`make bench`: run every benchmark in turn."""

from __future__ import annotations

import runpy
import sys

BENCHMARKS = [
    "benchmarks.metadata",
    "benchmarks.metadata_pg",
    "benchmarks.s3",
    "benchmarks.fsspec_read",
    "benchmarks.search",
    "benchmarks.events",
    "benchmarks.events_nats",
    "benchmarks.widgets_browse",
    "benchmarks.load",
    "benchmarks.replication",
]

if __name__ == "__main__":
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        sys.argv = [name]
        runpy.run_module(name, run_name="__main__")
