"""GovernancePanel against the live server: usage and limits, rules, snapshot, archive."""

from __future__ import annotations

from aos_fs import AOSClient, AOSFileSystem
from aos_widgets import GovernancePanel, Session
from aos_widgets.browser import BrowserPanel


async def test_usage_rules_snapshot_archive(
    session: Session, project: str, admin: AOSClient, fs: AOSFileSystem
) -> None:
    p = admin.resolve_one(project)
    fs.pipe_file(f"{project}/c/d/t.csv", b"a,b\n1,2\n")
    admin.governance.set_project_quota(p.id, max_bytes=80)
    browser, panel = BrowserPanel(session), GovernancePanel(session)
    await browser.go(f"{project}/c")
    browser.select("d")
    await panel.tasks.join()
    assert panel.project is not None and panel.project.id == p.id
    assert panel.usage.value == "8 B of 80 B · 1 object"
    assert panel.meter.value == 0.1
    assert panel.state.value == "Writable" and not panel.snapshot_button.disabled

    panel.rule_name.value = "csv-only"
    panel.rule_expression.value = 'kind != "OBJECT" || name.endsWith(".csv")'
    panel.rule_message.value = "only CSV files in this dataset"
    panel.add_rule_button.click()
    await panel.tasks.join()
    assert panel.status.level == "ok", panel.status.message
    assert "only CSV files in this dataset" in panel.rules.value
    panel.rule_expression.value = "nme == 1"
    panel.add_rule_button.click()
    await panel.tasks.join()
    assert panel.status.level == "error" and "nme" in panel.status.message  # shown, not raised

    panel.snapshot_name.value = "d-v1"
    panel.snapshot_button.click()
    await panel.tasks.join()
    assert panel.status.level == "ok", panel.status.message
    assert fs.cat_file(f"{project}/c/d-v1/t.csv") == b"a,b\n1,2\n"

    panel.archive_button.click()
    await panel.tasks.join()
    assert "Archived" in panel.state.value
    assert panel.archive_button.disabled and panel.snapshot_button.disabled
