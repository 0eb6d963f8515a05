"""The Access panel and the announcements bar against the live server."""

from __future__ import annotations

from aos_fs import AOSClient
from aos_widgets import AccessPanel, AnnouncementsBar, Session
from tests.conftest import LiveServer
from tests.factories import unique
from tests.widgets.conftest import until


async def test_access_panel_round_trip(live_server: LiveServer, admin: AOSClient) -> None:
    project = admin.create_project(unique("wa"), data_class="PRIVATE")
    user = admin.create_user(unique("asker"))
    token = admin.create_token("t", user_id=user.id)
    asker, owner = Session(), Session()
    await asker.connect(live_server.url, token.secret)
    await owner.connect(live_server.url, live_server.admin_token)
    try:
        mine, theirs = AccessPanel(asker), AccessPanel(owner)
        await mine.tasks.join()
        await theirs.tasks.join()
        mine.ask_button.click()
        await mine.tasks.join()
        assert mine.status.level == "error"  # nothing selected yet
        asker.select(await asker.client.get(project.id), project.name)
        mine.level.value = "WRITE"
        mine.message.value = "to add results"
        mine.ask_button.click()
        await mine.tasks.join()
        assert "Asked for WRITE" in mine.status.message

        theirs.refresh_button.click()
        await theirs.tasks.join()
        assert "waiting for you" in theirs.status.message
        request_ids = [value for _, value in theirs.pending.options]
        assert request_ids, theirs.status.message
        theirs.pending.value = request_ids[0]
        theirs.grant_button.click()
        await theirs.tasks.join()
        assert "granted" in theirs.status.message

        mine.refresh_button.click()
        await mine.tasks.join()
        assert "You were granted WRITE" in mine.inbox.value
        mine.read_button.click()
        await mine.tasks.join()
        assert mine.status.message.startswith("0 unread")
        mine.stats_button.click()
        await mine.tasks.join()
        assert "revisions" in mine.stats.value
        mine.my_stats_button.click()
        await mine.tasks.join()
        assert "revisions uploaded" in mine.stats.value
    finally:
        await asker.close()
        await owner.close()


async def test_announcements_bar(live_server: LiveServer, admin: AOSClient) -> None:
    title = unique("Downtime")
    item = admin.accounts.announce(title, "tonight <b>not bold</b>", severity="warning")
    session = Session()
    bar = AnnouncementsBar(session)
    try:
        await session.connect(live_server.url, live_server.admin_token)
        await until(lambda: title in bar.messages.value)
        assert "&lt;b&gt;not bold" in bar.messages.value  # escaped
    finally:
        admin.accounts.delete_announcement(item.id)
        await session.close()


async def test_workspace_panel(live_server: LiveServer, admin: AOSClient) -> None:
    from aos_widgets import WorkspacePanel

    template = admin.accounts.create_workspace_template(unique("wsp"), lifetime=600)
    user = admin.create_user(unique("maker"))
    token = admin.create_token("t", user_id=user.id)
    session = Session()
    panel = WorkspacePanel(session)
    try:
        await session.connect(live_server.url, token.secret)
        await until(lambda: template.name in [v for _, v in panel.template.options])
        panel.template.value = template.name
        panel.create_button.click()
        await panel.tasks.join()
        ws = panel.workspace
        assert ws is not None and ws.project.name in panel.summary.value
        assert ws.token and ws.token not in panel.summary.value  # secrets only in the box
        panel.claim_button.click()
        await panel.tasks.join()
        assert "is now your PRIVATE project" in panel.status.message
        assert (await session.client.get(ws.project.id)).data_class == "PRIVATE"
    finally:
        await session.close()
