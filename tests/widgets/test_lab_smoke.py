"""JupyterLab smoke test: `aos_widgets.explore()` renders and connects in a real Lab notebook."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ADMIN_TOKEN
from tests.procs import ServeProcess, free_port
from tests.widgets.browser_support import (
    block_remote,
    chromium_page,
    save_screenshot,
    wait_port,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

# JupyterLab's news toast would cover part of the screenshots.
NO_NEWS = '{"fetchNews": "false", "checkForUpdates": false}'


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium_page() as p:
        yield p


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[str]:
    served = ServeProcess(tmp_path / "aos").start()
    root = tmp_path / "lab"
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(NO_NEWS)
    root.mkdir()
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell("import aos_widgets\n\naos_widgets.explore()")]
    book.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(book, root / "smoke.ipynb")
    port = free_port()
    env = {
        **os.environ,
        "AOS_URL": served.url,
        "AOS_TOKEN": ADMIN_TOKEN,
        "AOS_CONFIG": str(tmp_path / "none.toml"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
    }
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", "--allow-root",
        "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
    ]  # fmt: skip
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(cmd, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        wait_port(port)
        yield f"http://127.0.0.1:{port}/lab/tree/smoke.ipynb"
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
        served.stop()


def test_explore_in_jupyterlab(page: Page, lab: str) -> None:
    block_remote(page)
    page.set_default_timeout(60_000)
    page.goto(lab)
    cell = page.locator(".jp-Notebook .jp-Cell").first
    expect(cell).to_be_visible(timeout=120_000)
    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(
        1, timeout=120_000
    )
    connect = page.locator(".aos-connect")
    for _ in range(3):  # the first run may reach a kernel that is still connecting
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            expect(connect).to_contain_text("Logged in as", timeout=30_000)
            break
        except AssertionError:
            continue
    expect(connect).to_contain_text("Logged in as")
    expect(page.locator(".aos-explorer .aos-listing select")).to_be_visible()
    save_screenshot(page, "lab-explore")
