"""The Search panel against the live server: words, filters, paging, picking a hit."""

from __future__ import annotations

from aos_fs import AOSClient
from aos_widgets import SearchPanel, Session
from tests.factories import unique


async def test_search_panel(session: Session, admin: AOSClient) -> None:
    word = unique("widgetsearch").replace("-", "")
    project = admin.create_project(unique("ws"))
    sets = [
        admin.create_dataset(project.id, f"d{i}", title=f"{word} run {i}", key_values=kv)
        for i, kv in enumerate([[{"key": "site", "value": "north"}], [], []])
    ]
    panel = SearchPanel(session, page_size=2)
    panel.query.value = word
    panel.search_button.click()
    await panel.tasks.join()
    assert len(panel.results) == 2 and not panel.more_button.disabled
    panel.more_button.click()
    await panel.tasks.join()
    assert sorted(r.resource.id for r in panel.results) == sorted(d.id for d in sets)
    assert panel.more_button.disabled
    panel.key_value.value = "site=north"
    await panel.search()
    assert [r.resource.id for r in panel.results] == [sets[0].id]
    panel.hits.value = 0
    assert session.selection is not None and session.selection.id == sets[0].id
    assert session.selected_path == f"{project.name}/d0"
    panel.kind.value = "OBJECT"
    await panel.search()
    assert panel.results == [] and "0 found" in panel.summary.value
