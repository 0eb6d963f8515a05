"""The notebooks under notebooks/ run top to bottom (nbval) against a real `aos serve`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ADMIN_TOKEN
from tests.procs import ServeProcess

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    proc = ServeProcess(tmp_path_factory.mktemp("nb-aos")).start()
    yield proc
    proc.stop()


def kernel_env(server: ServeProcess, home: Path) -> dict[str, str]:
    """The kernel reaches the server through AOS_URL/AOS_TOKEN only (no profile file)."""
    return {
        **os.environ,
        "AOS_URL": server.url,
        "AOS_TOKEN": ADMIN_TOKEN,
        "AOS_CONFIG": str(home / "no-profile.toml"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(notebook: Path, served: ServeProcess, tmp_path: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval-lax",
        "--nbval-cell-timeout=300",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "-o",
        "filterwarnings=",
        "-q",
        str(notebook),
    ]
    result = subprocess.run(  # noqa: S603 - our own test runner
        cmd,
        cwd=tmp_path,
        env=kernel_env(served, tmp_path),
        capture_output=True,
        text=True,
        timeout=850,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
