"""`aos put`/`get`: folders of many files and one large file, round trip, progress, resume."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import AOS, Aos, run_in_pty

pytestmark = pytest.mark.slow
MiB = 1 << 20


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(4 * MiB):
            h.update(chunk)
    return h.hexdigest()


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()
    }


def write_random(path: Path, size: int) -> None:
    with path.open("wb") as f:
        left = size
        while left:
            n = min(left, 16 * MiB)
            f.write(os.urandom(n))
            left -= n


def test_folder_of_200_files_round_trip(aos: Aos, project: str, tmp_path: Path) -> None:
    folder = tmp_path / "measurements"
    for i in range(200):
        sub = folder / f"batch{i % 4}" if i % 2 else folder
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"sample-{i:03}.csv").write_bytes(os.urandom(100 + i * 37))
    # --json on a terminal: machine output only, no progress bar.
    code, shown = run_in_pty(
        [AOS, "put", str(folder), f"{project}/raw/run1/", "--json"], aos.environ()
    )
    assert code == 0, shown
    report = json.loads(shown)
    assert len(report["files"]) == 200
    assert "uploading" not in shown and "%|" not in shown
    listed = aos.ok("ls", f"{project}/raw/run1/measurements", "--json").json()
    assert {e["name"].rsplit("/", 1)[-1] for e in listed} >= {"batch1", "sample-000.csv"}

    out = tmp_path / "back"
    got = aos.ok("get", f"{project}/raw/run1/measurements", str(out), "--json").json()
    assert len(got["files"]) == 200
    assert tree_hashes(out) == tree_hashes(folder)


def test_large_file_round_trip_with_progress_on_a_terminal(
    aos: Aos, project: str, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    write_random(big, 200 * MiB)
    started = time.monotonic()
    code, shown = run_in_pty(
        [AOS, "put", str(big), f"{project}/raw/big.bin", "--part-size", "16MiB", "-j", "4"],
        aos.environ(),
    )
    upload_s = time.monotonic() - started
    assert code == 0, shown
    assert "uploading" in shown and "%|" in shown  # the tqdm bar, on stderr
    assert "uploaded 1 files, 200.0 MiB" in shown

    info = aos.ok("info", f"{project}/raw/big.bin", "--json").json()
    assert info["size"] == 200 * MiB
    assert info["resource"]["hashes"]["sha256"] == sha256(big)

    started = time.monotonic()
    back = tmp_path / "big.back"
    result = aos.ok("get", f"{project}/raw/big.bin", str(back), "--json")
    download_s = time.monotonic() - started
    assert "downloading" not in result.err  # not a terminal: no bar
    assert result.json()["files"][0]["parts"] > 1  # came in parallel ranges
    assert sha256(back) == sha256(big)
    print(f"200 MiB: put {upload_s:.1f} s, get {download_s:.1f} s")


def _interrupt_when(
    proc_args: list[str], aos: Aos, ready: Callable[[], bool], timeout: float = 30
) -> str:
    proc = aos.popen(*proc_args)
    deadline = time.monotonic() + timeout
    while not ready() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    return err


def test_interrupted_transfers_resume(aos: Aos, project: str, tmp_path: Path) -> None:
    data = tmp_path / "mid.bin"
    write_random(data, 40 * MiB)
    slow = [
        "--part-size",
        "5MiB",
        "--multipart-threshold",
        "5MiB",
        "--limit-rate",
        "8MiB",
        "-j",
        "1",
    ]
    uploads = aos.home / "cache" / "aos" / "uploads"
    started = time.monotonic()
    err = _interrupt_when(
        ["put", str(data), f"{project}/mid.bin", *slow],
        aos,
        lambda: uploads.exists() and any(uploads.iterdir()) and time.monotonic() - started > 2.5,
    )
    assert err.strip() == "aos: interrupted; run the same command again to resume large files"
    again = aos.ok(
        "put",
        str(data),
        f"{project}/mid.bin",
        "--part-size",
        "5MiB",
        "--multipart-threshold",
        "5MiB",
        "--json",
    ).json()
    assert again["files"][0]["resumed"] is True
    assert not any(uploads.iterdir())  # the state is gone once complete

    target = tmp_path / "mid.back"
    sidecar = tmp_path / "mid.back.aos-partial.json"
    _interrupt_when(
        ["get", f"{project}/mid.bin", str(target), *slow],
        aos,
        lambda: (
            sidecar.exists() and len(json.loads(sidecar.read_text() or "{}").get("done", [])) >= 2
        ),
    )
    assert not target.exists()
    done_before = json.loads(sidecar.read_text())["done"]
    assert 2 <= len(done_before) < 8
    resumed = aos.ok(
        "get",
        f"{project}/mid.bin",
        str(target),
        "--part-size",
        "5MiB",
        "--multipart-threshold",
        "5MiB",
        "--json",
    ).json()
    assert resumed["files"][0]["resumed"] is True
    assert sha256(target) == sha256(data)
    assert not sidecar.exists()
