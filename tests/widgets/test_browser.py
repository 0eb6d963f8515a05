"""BrowserPanel: breadcrumbs, server-side filter/sort, cursor paging, create and delete."""

from __future__ import annotations

from aos_fs import AOSClient
from aos_widgets import BrowserPanel, Session
from tests.widgets.conftest import until


def _names(panel: BrowserPanel) -> list[str]:
    return [r.name for r in panel.items]


async def test_browse_down_and_up(session: Session, project: str) -> None:
    panel = BrowserPanel(session)
    await panel.tasks.join()  # the initial listing of projects (spawned on connect)
    await panel.go("")
    panel.filter.value = project  # filter the projects page
    await panel.tasks.join()
    assert _names(panel) == [project]
    panel.select(project)
    assert session.selection.name == project and session.selected_path == project
    panel.open_button.click()
    await panel.tasks.join()
    assert session.path == project and _names(panel) == ["c"]
    await panel.enter("c")
    assert _names(panel) == ["d"]
    assert [b.description for b in panel.crumbs.children] == ["AOS", project, "c"]
    panel.crumbs.children[1].click()  # breadcrumb back to the project
    await panel.tasks.join()
    assert session.path == project
    panel.up_button.click()
    await panel.tasks.join()
    assert session.path == ""


async def test_paging_filter_and_sort(session: Session, project: str, admin: AOSClient) -> None:
    d = admin.resolve_one(f"{project}/c/d")
    for i in range(250):
        admin.create_object(d.id, f"obj-{i:04d}.bin")
    panel = BrowserPanel(session, page_size=100)
    await panel.go(f"{project}/c/d")
    assert len(panel.items) == 100 and panel.items[0].name == "obj-0000.bin"
    assert "items 1-100" in panel.count.value and panel.prev_button.disabled
    panel.next_button.click()
    await panel.tasks.join()
    assert panel.items[0].name == "obj-0100.bin" and "items 101-200" in panel.count.value
    await panel.next_page()
    assert len(panel.items) == 50 and panel.next_button.disabled
    await panel.prev_page()
    assert panel.items[0].name == "obj-0100.bin"
    panel.filter.value = "obj-02"  # sent to the server as a prefix; back to page 1
    await panel.tasks.join()
    assert _names(panel) == [f"obj-{i:04d}.bin" for i in range(200, 250)]
    panel.filter.value = ""
    panel.descending.value = True
    await panel.tasks.join()
    assert panel.items[0].name == "obj-0249.bin"
    assert len(panel.listing.options) == 100  # one Select for the whole page


async def test_create_and_delete(session: Session, project: str) -> None:
    panel = BrowserPanel(session)
    await panel.go(project)
    assert panel.new_kind.options == ("collection", "dataset")
    panel.new_name.value = "fresh"
    panel.new_kind.value = "dataset"
    panel.create_button.click()
    await panel.tasks.join()
    assert "fresh" in _names(panel) and panel.status.level == "ok"
    panel.select("fresh")
    panel.delete_button.click()
    await panel.tasks.join()
    assert "fresh" not in _names(panel)


async def test_errors_stay_in_the_panel(session: Session) -> None:
    panel = BrowserPanel(session)
    await panel.tasks.spawn(panel.go("no-such-project-here"))
    assert panel.status.level == "error" and "\n" not in panel.status.message
    await panel.tasks.spawn(panel.create("", "dataset"))
    assert "name" in panel.status.message


async def test_listing_follows_writes(session: Session, project: str, admin: AOSClient) -> None:
    panel = BrowserPanel(session)
    await panel.go(f"{project}/c/d")
    assert panel.items == []
    admin.create_object(admin.resolve_one(f"{project}/c/d").id, "late.txt")
    session.touch()  # what panels do after they wrote something
    await until(lambda: _names(panel) == ["late.txt"])
