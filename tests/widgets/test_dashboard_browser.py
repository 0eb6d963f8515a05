"""The Voila dashboard in headless Chromium: log in, browse, upload 50 MiB, metadata, presign."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from aos_fs import AOSClient
from tests.conftest import ADMIN_TOKEN
from tests.factories import payload, unique
from tests.procs import ServeProcess
from tests.widgets.browser_support import (
    ROOT,
    block_remote,
    chromium_page,
    save_screenshot,
    voila,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(420)]
MiB = 1 << 20


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium_page() as p:
        yield p


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    proc = ServeProcess(tmp_path_factory.mktemp("voila-aos")).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def dashboard(served: ServeProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("voila-home")
    env = {"AOS_URL": served.url, "AOS_CONFIG": str(home / "none.toml"), "AOS_TOKEN": ""}
    with voila(ROOT / "notebooks" / "dashboard.ipynb", env, home) as url:
        yield url


def test_dashboard_upload_and_presigned_download(
    page: Page, dashboard: str, served: ServeProcess, tmp_path: Path
) -> None:
    project = unique("dash")
    with AOSClient(served.url, ADMIN_TOKEN) as admin:
        p = admin.create_project(project)
        admin.create_dataset(admin.create_collection(p.id, "c").id, "d")
    data = payload(50 * MiB, seed=50)
    local = tmp_path / "big.bin"
    local.write_bytes(data)

    blocked = block_remote(page)
    page.set_default_timeout(60_000)
    expect.set_options(timeout=30_000)  # a 2-core CI machine runs kernel, Voila and server
    page.goto(dashboard)
    connect = page.locator(".aos-connect")
    expect(connect).to_be_visible(timeout=120_000)
    save_screenshot(page, "dashboard-01-login")

    # Log in (the URL comes prefilled from AOS_URL; the token is typed, then cleared).
    token = connect.locator("input[type=password]")
    token.fill(ADMIN_TOKEN)
    connect.get_by_role("button", name="Connect").click()
    expect(connect).to_contain_text("Logged in as", timeout=30_000)
    expect(token).to_have_value("")

    # Browse: filter the projects, then open project -> c -> d.
    browser = page.locator(".aos-browser")
    listing = browser.locator(".aos-listing select")
    browser.get_by_placeholder("name starts with...").fill(project)
    browser.get_by_placeholder("name starts with...").press("Enter")
    expect(listing.locator("option")).to_have_count(1)
    for label in (f"▸ {project}/", "▸ c/", "▸ d/"):
        expect(listing.locator("option", has_text=label)).to_have_count(1)
        listing.select_option(label=label)
        browser.get_by_role("button", name="Open").click()
        expect(browser.locator("button", has_text=label[2:-1]).first).to_be_visible()
    expect(page.locator(".aos-upload")).to_contain_text(f"aos://{project}/c/d/")
    save_screenshot(page, "dashboard-02-dataset")

    # Upload 50 MiB through the page: parts go straight to the S3 endpoint.
    page.get_by_role("tab", name="Upload").click()
    upload = page.locator(".aos-upload")
    upload.locator("input.aos-uploader-input").set_input_files(str(local))
    expect(upload.locator(".aos-status")).to_contain_text("Uploaded 1 file", timeout=180_000)
    expect(upload).to_contain_text("total 50.0 MiB / 50.0 MiB")
    save_screenshot(page, "dashboard-03-uploaded")
    expect(listing.locator("option", has_text="big.bin")).to_have_count(1)

    # Its metadata.
    listing.select_option(index=0)
    page.get_by_role("tab", name="Metadata").click()
    expect(page.locator(".aos-metadata")).to_contain_text("Object big.bin")
    page.get_by_role("tab", name="Details").click()
    expect(page.locator(".aos-details")).to_contain_text("50.0 MiB")
    save_screenshot(page, "dashboard-04-details")

    # A presigned URL, and the browser downloads the file through it.
    page.get_by_role("tab", name="Presigned URL").click()
    presign = page.locator(".aos-presign")
    presign.get_by_role("button", name="Create URL").click()
    link = presign.locator("a.aos-presigned-link")
    expect(link).to_be_visible()
    save_screenshot(page, "dashboard-05-presigned")
    href = link.get_attribute("href")
    assert href and href.startswith(served.url)
    got = page.evaluate(
        """async (url) => {
            const r = await fetch(url);
            const buf = await r.arrayBuffer();
            const digest = await crypto.subtle.digest("SHA-256", buf);
            const hex = Array.from(new Uint8Array(digest))
                .map((b) => b.toString(16).padStart(2, "0")).join("");
            return { status: r.status, size: buf.byteLength, sha256: hex };
        }""",
        href,
    )
    assert got == {"status": 200, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert all("127.0.0.1" not in u for u in blocked)
