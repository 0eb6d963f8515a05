"""Browsing a dataset of 10,000 objects in the widgets: paged listing vs. everything at once.

Measured on the kernel side (what the panel does before the page can draw): open the dataset,
page through it, filter and sort on the server, and the size of the widget state the frontend
has to render. The peers are the two layouts the issue warns about, built in the same run:
one `Select` holding all 10,000 rows, and one small widget per row for 1,000 rows.

    python -m benchmarks.widgets_browse [--objects 10000] [--page-size 100] [--repeat 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import ipywidgets as W

from aos_widgets import BrowserPanel, Session

from ._harness import ADMIN_TOKEN, Timing, aos_server


async def seed(url: str, n: int, conc: int = 32) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx.AsyncClient(base_url=f"{url}/api/v2", headers=headers) as c:
        p = (await c.post("/projects", json={"name": "browse"})).json()
        col = (await c.post("/collections", json={"name": "c", "parent_id": p["id"]})).json()
        ds = (await c.post("/datasets", json={"name": "d", "parent_id": col["id"]})).json()
        gate = asyncio.Semaphore(conc)

        async def create(i: int) -> None:
            async with gate:
                body = {"name": f"obj-{i:06d}.csv", "parent_id": ds["id"]}
                (await c.post("/objects", json=body)).raise_for_status()

        await asyncio.gather(*(create(i) for i in range(n)))


async def timed(name: str, repeat: int, op: Callable[[], Awaitable[Any]]) -> Timing:
    latencies = []
    start = time.perf_counter()
    for _ in range(repeat):
        t0 = time.perf_counter()
        await op()
        latencies.append(time.perf_counter() - t0)
    return Timing(name, repeat, time.perf_counter() - start, latencies)


def state_bytes(widget: W.Widget) -> int:
    """Bytes of the JSON state the frontend receives for `widget` (a proxy for render work)."""
    return len(json.dumps(widget.get_state(), default=str))


async def bench(url: str, n: int, page_size: int, repeat: int) -> dict[str, Any]:
    session = Session()
    await session.connect(url, ADMIN_TOKEN)
    paged = BrowserPanel(session, page_size=page_size)
    out: list[Timing] = []
    out.append(await timed(f"open dataset, first page of {page_size}", repeat,
                           lambda: paged.go("browse/c/d")))  # fmt: skip
    pages = min(n // page_size - 1, 99)

    async def walk() -> None:
        await paged.go("browse/c/d")
        for _ in range(pages):
            await paged.next_page()

    t = await timed(f"next page x{pages}", 1, walk)
    out.append(Timing(f"next page ({page_size} rows)", pages, t.seconds, [t.seconds / pages]))

    async def filtered() -> None:
        paged.filter.value = "obj-0099"
        await paged.tasks.join()
        paged.filter.value = ""
        await paged.tasks.join()

    out.append(await timed("filter on the server + clear (2 listings)", repeat, filtered))

    async def by_size() -> None:
        paged.sort.value = "size"
        await paged.tasks.join()
        paged.sort.value = "name"
        await paged.tasks.join()

    out.append(await timed("sort on the server + back (2 listings)", repeat, by_size))
    paged_state = state_bytes(paged.listing)

    everything = BrowserPanel(session, page_size=10_000)
    out.append(await timed(f"peer: all {n:,} rows in one Select", max(3, repeat // 5),
                           lambda: everything.go("browse/c/d")))  # fmt: skip
    all_state = state_bytes(everything.listing)

    rows = [r.name for r in everything.items[:1000]]

    async def per_row() -> None:
        box = W.VBox(
            [W.HBox([W.Checkbox(), W.Label(name), W.Button(icon="info")]) for name in rows]
        )
        box.close_all()

    out.append(await timed("peer: a widget per row, 1,000 rows", 3, per_row))
    await session.close()
    return {
        "timings": out,
        "state_bytes": {"one page": paged_state, "all rows": all_state},
        "widgets_per_row_model_count": 1000 * 4 + 1,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=10_000)
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args()
    with aos_server() as url:
        asyncio.run(seed(url, args.objects))
        result = asyncio.run(bench(url, args.objects, args.page_size, args.repeat))
    if args.json:
        print(json.dumps({**result, "timings": [t.as_dict() for t in result["timings"]]}))
        return
    for t in result["timings"]:
        print(t.row())
    for name, size in result["state_bytes"].items():
        print(f"{'widget state sent to the page, ' + name:<44} {size:>10,} bytes")
    print(
        f"{'widget models for 1,000 rows, one per row':<44} {result['widgets_per_row_model_count']:>10,}"
    )


if __name__ == "__main__":
    main()
