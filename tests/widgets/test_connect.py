"""ConnectPanel and Session: log in, show the user, never keep the token in widget state."""

from __future__ import annotations

import pytest

from aos_widgets import ConnectPanel, Session
from tests.conftest import LiveServer


async def test_connect_with_url_and_token(live_server: LiveServer) -> None:
    panel = ConnectPanel()
    panel.url.value = live_server.url
    panel.token.value = live_server.admin_token
    panel.connect_button.click()
    await panel.tasks.join()
    assert panel.session.connected
    assert "Logged in as" in panel.who.value and "(admin)" in panel.who.value
    assert panel.token.value == ""  # cleared at once
    state = repr(panel.get_state()) + repr(panel.session)
    assert live_server.admin_token not in state
    await panel.logout()
    assert not panel.session.connected and panel.who.value == "Not connected"


async def test_bad_token_is_one_line_in_the_panel(live_server: LiveServer) -> None:
    panel = ConnectPanel()
    panel.url.value = live_server.url
    panel.token.value = "aos_wrong-token"
    panel.connect_button.click()
    await panel.tasks.join()  # does not raise
    assert not panel.session.connected
    assert panel.status.level == "error"
    assert "\n" not in panel.status.message and "Traceback" not in panel.status.message
    assert "aos_wrong-token" not in panel.status.value


async def test_unreachable_server_is_reported(unused_tcp_port: int) -> None:
    panel = ConnectPanel()
    await panel.tasks.spawn(panel.connect(f"http://127.0.0.1:{unused_tcp_port}", "x"))
    assert panel.status.level == "error" and panel.status.message


async def test_session_needs_a_connection() -> None:
    with pytest.raises(RuntimeError, match="Connect"):
        _ = Session().client
