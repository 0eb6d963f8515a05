"""PUT latency with governance (rules, quotas, dedup lookup) against an older checkout.

    python -m benchmarks.put_governance --baseline DIR [--small 300] [--large 6] [--rounds 3]

DIR holds the source tree of the revision to compare with (for example the output of
`git archive <rev> | tar -x -C DIR`). Both servers run at once on the same machine, and the
rounds alternate between them, so background load hits both alike; the ratio is what counts.
Every PUT carries new content (the path that pays for the dedup lookup without saving
anything); `identical` repeats one 64 MiB body, which deduplication stores once.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import boto3
from botocore.config import Config

from ._harness import ACCESS_KEY, SECRET_KEY, aos_server_proc, free_port

MiB = 1 << 20


def _client(url: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 0}),
    )


def _time_puts(s3, bucket: str, bodies: list[bytes], prefix: str) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for i, body in enumerate(bodies):
        t = time.perf_counter()
        s3.put_object(Bucket=bucket, Key=f"{prefix}/{i}", Body=body)
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", required=True, type=Path)
    ap.add_argument("--small", type=int, default=300)
    ap.add_argument("--large", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    base = args.baseline.resolve()
    servers: dict[str, str] = {}
    with ExitStack() as stack:
        for name, env in (
            ("baseline", {"PYTHONPATH": f"{base}:{base / 'server'}"}),
            ("this", {}),
        ):
            port = free_port()
            data = stack.enter_context(tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")))
            stack.enter_context(aos_server_proc(port, data, **env))
            servers[name] = f"http://127.0.0.1:{port}"
        clients = {name: _client(url) for name, url in servers.items()}
        for s3 in clients.values():
            s3.create_bucket(Bucket="bench")
        results: dict[tuple[str, str], list[float]] = {}
        same = os.urandom(64 * MiB)
        for r in range(args.rounds):
            order = list(clients.items())
            for name, s3 in order if r % 2 == 0 else reversed(order):
                small = [os.urandom(4096) for _ in range(args.small)]
                large = [os.urandom(64 * MiB) for _ in range(args.large)]
                for kind, bodies in (
                    ("4 KiB", small),
                    ("64 MiB", large),
                    ("64 MiB identical", [same] * args.large),
                ):
                    results.setdefault((name, kind), []).extend(
                        _time_puts(s3, "bench", bodies, f"{kind.replace(' ', '')}/{r}")
                    )
        print(f"{'PUT':<18} {'baseline ms (median)':>22} {'this ms (median)':>18} {'ratio':>7}")
        for kind in ("4 KiB", "64 MiB", "64 MiB identical"):
            b = sorted(results[("baseline", kind)])[len(results[("baseline", kind)]) // 2] * 1000
            t = sorted(results[("this", kind)])[len(results[("this", kind)]) // 2] * 1000
            print(f"{kind:<18} {b:>22.2f} {t:>18.2f} {t / b:>7.3f}")


if __name__ == "__main__":
    main()
