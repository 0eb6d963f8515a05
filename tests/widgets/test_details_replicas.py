"""DetailsPanel shows where an object's latest revision is: one line per data endpoint."""

from __future__ import annotations

from aos_fs import AOSFileSystem
from aos_fs.client import AOSClient
from aos_widgets import DetailsPanel, Session
from aos_widgets.browser import BrowserPanel
from tests.factories import unique


async def test_details_show_replica_status(
    session: Session, project: str, fs: AOSFileSystem, admin: AOSClient
) -> None:
    # Above the inline size: a file, which another endpoint must copy.
    fs.pipe(f"aos://{project}/c/d/r.bin", b"replicate me" * 2000)
    site = admin.create_endpoint(unique("site"))
    admin.place_project(admin.resolve(project)[0].id, site.id)  # no such proxy runs: WAITING
    browser, details = BrowserPanel(session), DetailsPanel(session)
    await browser.go(f"{project}/c/d")
    browser.select("r.bin")
    await details.tasks.join()
    assert "replica default" in details.summary.value
    assert f"replica {site.name}" in details.summary.value
    rows = details.summary.value.split("<tr>")
    assert any("replica default" in r and "FINISHED" in r for r in rows)
    assert any(f"replica {site.name}" in r and "WAITING" in r for r in rows)
    admin.delete_endpoint(site.id)
