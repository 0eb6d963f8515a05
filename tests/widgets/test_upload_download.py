"""UploadPanel and DownloadPanel: small files, kernel paths, the page's presigned parts, cancel."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from aos_fs import AOSFileSystem
from aos_widgets import DownloadPanel, Session, UploadPanel
from aos_widgets.browser import BrowserPanel
from tests.factories import payload
from tests.widgets.conftest import until

MiB = 1 << 20
ORIGIN = "http://127.0.0.1:9"  # a page origin (nothing needs to listen there)


async def _at(session: Session, path: str) -> BrowserPanel:
    browser = BrowserPanel(session)
    await browser.go(path)
    return browser


async def test_small_files_through_file_upload(
    session: Session, project: str, fs: AOSFileSystem
) -> None:
    await _at(session, f"{project}/c/d")
    panel = UploadPanel(session)
    assert "8 MiB" in panel.small_note.value  # the limit is stated before anyone tries
    panel.small.value = (
        {
            "name": "a.txt",
            "type": "text/plain",
            "size": 5,
            "content": memoryview(b"hello"),
            "last_modified": datetime.now(UTC),
        },
    )
    await panel.tasks.join()
    assert fs.cat(f"aos://{project}/c/d/a.txt") == b"hello"
    assert panel.status.level == "ok" and panel.small.value == ()
    await panel.tasks.spawn(panel.upload_small([{"name": "big.bin", "content": b"\0" * (9 * MiB)}]))
    assert panel.status.level == "error" and "8 MiB" in panel.status.message


async def test_upload_needs_a_location(session: Session) -> None:
    panel = UploadPanel(session)
    assert panel.uploader.disabled
    await panel.tasks.spawn(panel.upload_small([{"name": "x", "content": b"x"}]))
    assert "Open a project" in panel.status.message


async def test_upload_from_kernel_path_with_progress(
    session: Session, project: str, fs: AOSFileSystem, tmp_path: Path
) -> None:
    data = payload(20 * MiB + 123, seed=5)
    folder = tmp_path / "run1"
    folder.mkdir()
    (folder / "big.bin").write_bytes(data)
    (folder / "small.txt").write_bytes(b"s")
    await _at(session, f"{project}/c/d")
    panel = UploadPanel(session)
    panel.local_path.value = str(folder)
    panel.local_button.click()
    await panel.tasks.join()
    assert panel.status.level == "ok", panel.status.message
    assert fs.cat(f"aos://{project}/c/d/run1/big.bin") == data
    assert panel.progress.done == panel.progress.total == len(data) + 1
    assert panel.progress.total_bar.value == panel.progress.total_bar.max


async def test_cancel_really_cancels(
    session: Session, project: str, fs: AOSFileSystem, tmp_path: Path
) -> None:
    big = tmp_path / "huge.bin"
    big.write_bytes(payload(96 * MiB, seed=1))
    await _at(session, f"{project}/c/d")
    panel = UploadPanel(session, concurrency=1)
    task = panel.tasks.spawn(panel.upload_path(str(big)))
    await until(lambda: panel.progress.done > 0, within=30)
    panel.cancel_button.click()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert panel.status.message == "Cancelled"
    assert panel.progress.done < panel.progress.total
    assert not fs.exists(f"aos://{project}/c/d/huge.bin")
    s3 = await session.transfers._s3()
    left = await s3.list_multipart_uploads(Bucket=project)
    assert not left.get("Uploads")  # the multipart upload was aborted


async def test_page_upload_through_presigned_parts(
    session: Session, project: str, fs: AOSFileSystem
) -> None:
    """Drive the Python side as the page would: take the plan, PUT the parts, say done."""
    data = payload(17 * MiB + 5, seed=9)
    await _at(session, f"{project}/c/d")
    panel = UploadPanel(session)
    panel.handle_page_message(
        {
            "type": "selected",
            "origin": ORIGIN,
            "files": [{"id": "f1", "name": "from-page.bin", "size": len(data), "type": ""}],
        }
    )
    await until(lambda: "f1" in panel.plans)
    plan = panel.plans["f1"]
    assert plan.part_size == 8 * MiB and len(plan.urls) == 3
    async with httpx.AsyncClient() as page:
        pre = await page.options(
            plan.urls[0],
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"},
        )
        assert pre.status_code == 200  # the panel added a CORS rule for the page's origin
        assert pre.headers["Access-Control-Allow-Origin"] == ORIGIN
        for n, url in enumerate(plan.urls):
            chunk = data[n * plan.part_size : (n + 1) * plan.part_size]
            r = await page.put(url, content=chunk, headers={"Origin": ORIGIN})
            assert r.status_code == 200, r.text
            panel.handle_page_message(
                {"type": "progress", "id": "f1", "loaded": (n + 1) * len(chunk)}
            )
    panel.handle_page_message({"type": "done", "id": "f1"})
    await panel.tasks.join()
    assert panel.status.level == "ok", panel.status.message
    got = fs.cat(f"aos://{project}/c/d/from-page.bin")
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()


async def test_page_upload_failure_aborts(session: Session, project: str) -> None:
    await _at(session, f"{project}/c/d")
    panel = UploadPanel(session)
    panel.handle_page_message(
        {
            "type": "selected",
            "origin": ORIGIN,
            "files": [{"id": "f2", "name": "x.bin", "size": 10, "type": ""}],
        }
    )
    await until(lambda: "f2" in panel.plans)
    panel.handle_page_message({"type": "failed", "id": "f2", "error": "HTTP 403: denied"})
    await panel.tasks.join()
    assert panel.status.level == "error" and "HTTP 403" in panel.status.message
    s3 = await session.transfers._s3()
    assert not (await s3.list_multipart_uploads(Bucket=project)).get("Uploads")


async def test_download_link_and_to_kernel(
    session: Session, project: str, fs: AOSFileSystem, tmp_path: Path
) -> None:
    data = payload(3 * MiB, seed=2)
    fs.pipe(f"aos://{project}/c/d/dl.bin", data)
    browser = await _at(session, f"{project}/c/d")
    panel = DownloadPanel(session)
    await panel.tasks.spawn(panel.make_link())
    assert "Select an object" in panel.status.message
    browser.select("dl.bin")
    panel.link_button.click()
    await panel.tasks.join()
    assert 'class="aos-download-link"' in panel.link.value
    async with httpx.AsyncClient() as anyone:  # no token: the link is the credential
        assert (await anyone.get(panel.url)).content == data
    saved = await panel.download_to(str(tmp_path))
    assert await asyncio.to_thread(Path(saved).read_bytes) == data
    assert panel.progress.done == len(data)
