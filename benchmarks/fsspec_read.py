"""`aos://` against plain s3fs on the same server, in one run.

1. pandas reads a ~200 MiB Parquet file (pyarrow engine) through each filesystem.
   Target: aos:// takes at most 1.1x s3fs's time.
2. `ls` of a dataset holding 10,000 objects, cold (no listing cache).
   Target: aos:// under 0.5 s. (s3fs lists through ListObjectsV2, 1,000 keys a page.)

Both filesystems talk to one `aos serve` subprocess; each figure is the median of `--repeat`
runs, alternating between the two so that warm-up and page cache favour neither.

    python -m benchmarks.fsspec_read [--mib 200] [--objects 10000] [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import aiobotocore.session
import numpy as np
import pandas as pd
import s3fs

from aos_fs import AOSFileSystem

from ._harness import ACCESS_KEY, ADMIN_TOKEN, SECRET_KEY, aos_server

BUCKET = "bench-fsspec"


def s3_options(url: str) -> dict[str, Any]:
    return {"key": ACCESS_KEY, "secret": SECRET_KEY, "endpoint_url": url}


def aos_options(url: str) -> dict[str, Any]:
    return {"endpoint_url": url, "token": ADMIN_TOKEN}


def write_parquet(url: str, mib: int) -> str:
    """A Parquet file of about `mib` MiB: uncompressed float64 columns, 8 row groups."""
    rows = mib * (1 << 20) // (8 * 4)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({f"c{i}": rng.random(rows) for i in range(4)})
    fs = s3fs.S3FileSystem(**s3_options(url), skip_instance_cache=True)
    fs.mkdir(BUCKET)
    path = f"{BUCKET}/tables/big/data.parquet"
    with fs.open(path, "wb", block_size=64 << 20) as f:
        df.to_parquet(f, compression=None, row_group_size=max(1, rows // 8))
    return path


async def fill(url: str, n: int, concurrency: int = 32) -> str:
    """A dataset of `n` small objects, written through S3."""
    session = aiobotocore.session.get_session()
    async with session.create_client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
    ) as s3:
        limit = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with limit:
                await s3.put_object(Bucket=BUCKET, Key=f"listing/many/obj-{i:06d}", Body=b"x")

        await one(0)  # creates the collection and dataset once
        await asyncio.gather(*(one(i) for i in range(1, n)))
    return f"{BUCKET}/listing/many"


def median_time(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=200)
    ap.add_argument("--objects", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args()
    results: dict[str, Any] = {}
    with aos_server() as url:
        path = write_parquet(url, args.mib)
        size = s3fs.S3FileSystem(**s3_options(url), skip_instance_cache=True).size(path)
        reads: dict[str, list[float]] = {"s3fs": [], "aos": []}
        for _ in range(args.repeat):
            reads["s3fs"].append(
                median_time(
                    lambda: pd.read_parquet(f"s3://{path}", storage_options=s3_options(url))
                )
            )
            reads["aos"].append(
                median_time(
                    lambda: pd.read_parquet(f"aos://{path}", storage_options=aos_options(url))
                )
            )
        listing = asyncio.run(fill(url, args.objects))
        lists: dict[str, list[float]] = {"s3fs": [], "aos": []}
        s3 = s3fs.S3FileSystem(**s3_options(url), use_listings_cache=False)
        aos = AOSFileSystem(**aos_options(url), use_listings_cache=False)
        assert len(s3.ls(listing)) == len(aos.ls(listing)) == args.objects
        for _ in range(args.repeat):
            lists["s3fs"].append(median_time(lambda: s3.ls(listing, refresh=True)))
            lists["aos"].append(median_time(lambda: aos.ls(listing, refresh=True)))
    for name, runs in (("read_parquet", reads), ("ls", lists)):
        s3_t, aos_t = statistics.median(runs["s3fs"]), statistics.median(runs["aos"])
        results[name] = {
            "s3fs_s": round(s3_t, 4),
            "aos_s": round(aos_t, 4),
            "ratio": round(aos_t / s3_t, 3),
            "runs": {k: [round(v, 4) for v in vs] for k, vs in runs.items()},
        }
    results["read_parquet"]["bytes"] = size
    results["ls"]["objects"] = args.objects
    results["targets"] = {
        "read_ratio_max": 1.1,
        "read_ok": results["read_parquet"]["ratio"] <= 1.1,
        "ls_max_s": 0.5,
        "ls_ok": results["ls"]["aos_s"] < 0.5,
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    r, ls = results["read_parquet"], results["ls"]
    print(f"pandas.read_parquet {size / (1 << 20):.0f} MiB   (median of {args.repeat})")
    print(f"  s3fs  {r['s3fs_s']:8.3f} s   aos {r['aos_s']:8.3f} s   ratio {r['ratio']:.3f}x")
    print(f"ls of {args.objects} objects, cold")
    print(f"  s3fs  {ls['s3fs_s']:8.3f} s   aos {ls['aos_s']:8.3f} s   ratio {ls['ratio']:.3f}x")
    t = results["targets"]
    print(f"targets: read <= 1.1x s3fs: {t['read_ok']}   ls < 0.5 s: {t['ls_ok']}")


if __name__ == "__main__":
    main()
