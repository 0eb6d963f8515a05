"""Landing pages show user-written metadata to anonymous visitors: it is always escaped."""

from __future__ import annotations

import httpx

from aos_fs.client import AOSClient
from tests.conftest import LiveServer
from tests.factories import unique

SCRIPT = "<script>alert('x')</script>"
ATTRIBUTE = '" onmouseover="alert(1)'


def test_metadata_is_escaped_on_landing_pages(admin: AOSClient, live_server: LiveServer) -> None:
    project = admin.create_project(
        unique("xss"), title=SCRIPT, description=ATTRIBUTE + SCRIPT, data_class="PUBLIC"
    )
    admin.add_key_values(project.id, [{"key": "note", "value": SCRIPT, "variant": "LABEL"}])
    page = httpx.get(f"{live_server.url}/r/{project.id}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<script>alert" not in page.text
    assert 'onmouseover="alert' not in page.text
    assert "&lt;script&gt;" in page.text
