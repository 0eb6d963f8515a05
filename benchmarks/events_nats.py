"""Event delivery side by side: the in-store log (`memory://`) against NATS JetStream (`nats://`).

The same workload as `benchmarks.events` (SSE latency with one writer, SSE and long-poll
throughput with concurrent writers) runs twice, on a fresh server each time: once with the
default bus, once with AOS_EVENTS_URL pointing at a NATS JetStream server (a stream of its own,
deleted afterwards). Latency is from just before the write request to the subscriber having the
event, so it includes the write and, for JetStream, the relay from the store to the stream.

    python -m benchmarks.events_nats [--nats nats://127.0.0.1:4222] [--events 2000] [--writers 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid

import nats
from nats.js.errors import NotFoundError

from ._harness import Timing, aos_server
from .events import bench


async def _delete_stream(url: str, name: str) -> None:
    nc = await nats.connect(url, connect_timeout=2)
    try:
        await nc.jetstream().delete_stream(name)
    except NotFoundError:
        pass
    finally:
        await nc.close()


def run(nats_url: str, events: int, writers: int, samples: int) -> dict[str, list[Timing]]:
    out: dict[str, list[Timing]] = {}
    with aos_server() as url:
        out["store log"] = asyncio.run(bench(url, events, writers, samples))
    stream = f"aos_bench_{uuid.uuid4().hex[:10]}"
    try:
        with aos_server(AOS_EVENTS_URL=f"{nats_url}?stream={stream}") as url:
            out["JetStream"] = asyncio.run(bench(url, events, writers, samples))
    finally:
        asyncio.run(_delete_stream(nats_url, stream))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nats", default="nats://127.0.0.1:4222")
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--writers", type=int, default=16)
    ap.add_argument("--latency-samples", type=int, default=200)
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args()
    results = run(args.nats, args.events, args.writers, args.latency_samples)
    if args.json:
        print(json.dumps({k: [t.as_dict() for t in v] for k, v in results.items()}, indent=2))
        return
    print("events by bus: latency includes the write; throughput = events / (first write → last)")
    for bus, timings in results.items():
        for t in timings:
            print(f"{bus:<10} {t.row()}")


if __name__ == "__main__":
    main()
