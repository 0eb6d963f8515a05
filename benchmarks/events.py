"""Event delivery: from a committed write to a subscriber, by Server-Sent Events and long-poll.

Each event is a metadata write (create a collection: one transaction, one event). Latency is
measured from just before the write request is sent to the moment the subscriber has the event,
so it includes the write itself; "lag" is from the write's response to delivery. Throughput is
events per second from the first write to the last delivery, with concurrent writers and one
subscriber acking in batches.

No peer runs here: a NATS JetStream server is not part of the embedded setup, and a bare
pub/sub without durable acked consumers would not compare like with like; figures are absolute.

    python -m benchmarks.events [--events 3000] [--writers 16] [--latency-samples 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Callable

import httpx

from ._harness import ADMIN_TOKEN, Timing, aos_server

HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class SSEReader:
    """One SSE subscriber: records when each event (by name) arrives, acks in batches."""

    def __init__(self, api: httpx.AsyncClient, consumer_id: str) -> None:
        self.api = api
        self.consumer_id = consumer_id
        self.arrived: dict[str, float] = {}
        self.last_seq = 0
        self.waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []

    async def run(self) -> None:
        acker = asyncio.create_task(self._ack_every(0.02))
        try:
            async with self.api.stream(
                "GET", f"/consumers/{self.consumer_id}/stream", timeout=None
            ) as r:
                async for line in r.aiter_lines():
                    if line.startswith("data: "):
                        event = json.loads(line[6:])
                        self.arrived[event["data"]["name"]] = time.perf_counter()
                        self.last_seq = max(self.last_seq, event["seq"])
                        self._check()
        finally:
            acker.cancel()

    async def _ack_every(self, seconds: float) -> None:
        """Ack in batches, as a real subscriber does (one ack per event would halve writes)."""
        acked = 0
        while True:
            await asyncio.sleep(seconds)
            if self.last_seq > acked:
                acked = self.last_seq
                await self.api.post(f"/consumers/{self.consumer_id}/ack", json={"through": acked})

    def _check(self) -> None:
        for cond, fut in list(self.waiters):
            if cond() and not fut.done():
                fut.set_result(None)
                self.waiters.remove((cond, fut))

    async def until(self, cond: Callable[[], bool], seconds: float = 120) -> None:
        if cond():
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append((cond, fut))
        await asyncio.wait_for(fut, seconds)


async def new_consumer(api: httpx.AsyncClient, project_id: str) -> str:
    body = {"within_id": project_id, "types": ["resource.created"], "ack_wait": 60}
    r = await api.post("/consumers", json=body)
    r.raise_for_status()
    return str(r.json()["id"])


async def bench(url: str, events: int, writers: int, samples: int) -> list[Timing]:
    limits = httpx.Limits(max_connections=writers + 4)
    async with httpx.AsyncClient(
        base_url=f"{url}/api/v2", headers=HEADERS, limits=limits, timeout=60
    ) as api:
        project = (await api.post("/projects", json={"name": "events-bench"})).json()
        out: list[Timing] = []

        # 1. Latency, one write at a time, SSE subscriber.
        reader = SSEReader(api, await new_consumer(api, project["id"]))
        task = asyncio.create_task(reader.run())
        await asyncio.sleep(0.2)
        latencies: list[float] = []
        lags: list[float] = []
        start = time.perf_counter()
        for i in range(samples):
            name = f"lat-{i}"
            t0 = time.perf_counter()
            r = await api.post("/collections", json={"name": name, "parent_id": project["id"]})
            r.raise_for_status()
            t1 = time.perf_counter()
            await reader.until(lambda n=name: n in reader.arrived)  # type: ignore[misc]
            latencies.append(reader.arrived[name] - t0)
            lags.append(max(reader.arrived[name] - t1, 0.0))
        elapsed = time.perf_counter() - start
        out.append(Timing("SSE write -> delivery latency (1 writer)", samples, elapsed, latencies))
        out.append(Timing("SSE write response -> delivery lag", samples, elapsed, lags))

        # 2. Throughput, concurrent writers, the same subscriber.
        sent: dict[str, float] = {}
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(events):
            queue.put_nowait(i)

        async def writer() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                name = f"tp-{i}"
                sent[name] = time.perf_counter()
                r = await api.post("/collections", json={"name": name, "parent_id": project["id"]})
                r.raise_for_status()

        start = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(writers)))
        await reader.until(lambda: all(f"tp-{i}" in reader.arrived for i in range(events)))
        elapsed = time.perf_counter() - start
        tp = [reader.arrived[n] - t for n, t in sent.items()]
        out.append(Timing(f"SSE throughput ({writers} writers)", events, elapsed, tp))
        task.cancel()

        # 3. Long-poll subscriber for the same kind of load.
        consumer = await new_consumer(api, project["id"])
        got: dict[str, float] = {}

        async def poller() -> None:
            while len(got) < events:
                r = await api.get(f"/consumers/{consumer}/events", params={"max": 500, "wait": 5})
                batch = r.json()["events"]
                now = time.perf_counter()
                for e in batch:
                    got.setdefault(e["data"]["name"], now)
                if batch:
                    await api.post(f"/consumers/{consumer}/ack", json={"through": batch[-1]["seq"]})

        sent.clear()
        for i in range(events):
            queue.put_nowait(i + events)
        start = time.perf_counter()
        poll_task = asyncio.create_task(poller())
        await asyncio.gather(*(writer() for _ in range(writers)))
        await asyncio.wait_for(poll_task, 120)
        elapsed = time.perf_counter() - start
        lp = [got[n] - t for n, t in sent.items()]
        out.append(Timing(f"long-poll throughput ({writers} writers)", events, elapsed, lp))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=3000)
    ap.add_argument("--writers", type=int, default=16)
    ap.add_argument("--latency-samples", type=int, default=300)
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args()
    with aos_server() as url:
        results = asyncio.run(bench(url, args.events, args.writers, args.latency_samples))
    if args.json:
        print(json.dumps([t.as_dict() for t in results], indent=2))
        return
    print("events: latency includes the write; throughput = events / (first write → last delivery)")
    for t in results:
        print(t.row())


if __name__ == "__main__":
    main()
