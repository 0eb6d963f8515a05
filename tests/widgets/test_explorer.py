"""The composed app, the notifications feed and the public surface."""

from __future__ import annotations

import aos_widgets
from aos_fs import AOSFileSystem
from aos_widgets import NotificationsPanel, Session, describe, explore
from aos_widgets.explorer import TABS
from tests.conftest import LiveServer
from tests.widgets.conftest import until


async def test_explore_connects_and_lists(live_server: LiveServer, project: str) -> None:
    app = explore(live_server.url, live_server.admin_token)
    await app.join()
    assert app.session.connected
    await until(lambda: any(r.name == project for r in app.browser.items) or app.browser._next)
    assert list(app.tabs.titles) == TABS
    await app.browser.go(f"{project}/c/d")
    app.show_tab("Upload")
    assert app.upload.uploader.disabled is False
    await app.session.close()


async def test_explore_waits_for_login(monkeypatch, live_server: LiveServer) -> None:
    monkeypatch.setenv("AOS_URL", live_server.url)
    monkeypatch.delenv("AOS_TOKEN", raising=False)
    monkeypatch.setenv("AOS_CONFIG", "/nonexistent/aos.toml")
    app = explore()
    await app.join()
    assert not app.session.connected and app.connect.url.value == live_server.url


async def test_notifications_feed(session: Session, project: str, fs: AOSFileSystem) -> None:
    panel = NotificationsPanel(session)
    panel.scope.value = project
    panel.start_button.click()
    await until(lambda: "Listening" in panel.status.message)
    fs.pipe(f"aos://{project}/c/d/event.txt", b"x")
    await until(lambda: "event.txt" in panel.feed.value or len(panel.events) > 0)
    assert any(e.type.startswith("object.") for e in panel.events)
    panel.stop_button.click()
    await panel.tasks.join()
    assert not panel.listening


def test_describe_is_one_line() -> None:
    assert describe(ValueError("a\n  b")) == "a b"
    assert describe(ZeroDivisionError("z")) == "ZeroDivisionError: z"
    assert len(describe(RuntimeError("x" * 1000))) == 300


def test_exported_members() -> None:
    assert aos_widgets.__all__ == sorted(aos_widgets.__all__)
    for name in aos_widgets.__all__:
        assert getattr(aos_widgets, name).__module__.startswith("aos_widgets")
