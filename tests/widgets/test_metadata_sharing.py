"""MetadataPanel, SharingPanel and PresignPanel against the live server."""

from __future__ import annotations

import httpx

from aos_fs import AOSClient, AOSFileSystem
from aos_widgets import MetadataPanel, PresignPanel, Session, SharingPanel
from aos_widgets.browser import BrowserPanel
from aos_widgets.metadata import parse_authors, parse_key_values
from tests.conftest import LiveServer
from tests.factories import make_user


async def test_edit_metadata(session: Session, project: str, admin: AOSClient) -> None:
    browser, panel = BrowserPanel(session), MetadataPanel(session)
    await browser.go(project)
    browser.select("c")
    await panel.tasks.join()
    assert panel.resource is not None and panel.license.options
    panel.title.value = "Field campaign 2025"
    panel.description.value = "Raw data"
    panel.key_values.value = "site = north\ninstrument = lidar"
    panel.authors.value = "Ada Lovelace <ada@example.org> (0000-0002-1825-0097)"
    panel.data_class.value = "PUBLIC"
    panel.save_button.click()
    await panel.tasks.join()
    assert panel.status.level == "ok", panel.status.message
    c = admin.resolve_one(f"{project}/c")
    assert c.title == "Field campaign 2025" and c.data_class.value == "PUBLIC"
    assert {(kv.key, kv.value) for kv in c.key_values} >= {
        ("site", "north"),
        ("instrument", "lidar"),
    }
    assert c.authors[0].orcid == "0000-0002-1825-0097"
    panel.key_values.value = "site = south"  # change one, drop one
    await panel.save()
    labels = {kv.key: kv.value for kv in admin.resolve_one(f"{project}/c").key_values}
    assert labels == {"site": "south"}
    panel.key_values.value = "no equals sign"
    await panel.tasks.spawn(panel.save())
    assert panel.status.level == "error" and "key = value" in panel.status.message


def test_parsers() -> None:
    assert [kv.key for kv in parse_key_values("# c\n a = 1 \n\nb=\n")] == ["a", "b"]
    a = parse_authors("Grace Hopper\nAlan Turing <alan@example.org>")
    assert [x.name for x in a] == ["Grace Hopper", "Alan Turing"] and a[1].email


async def test_grant_revoke_and_tokens(
    session: Session, project: str, admin: AOSClient, live_server: LiveServer
) -> None:
    user_id, as_user = make_user(admin)
    user_name = admin.get_user(user_id).name
    browser, panel = BrowserPanel(session), SharingPanel(session)
    await browser.go(project)
    await panel.tasks.join()
    assert user_name in panel.user.options  # admins pick users by name
    panel.user.value = user_name
    panel.level.value = "WRITE"
    panel.grant_button.click()
    await panel.tasks.join()
    assert panel.status.level == "ok", panel.status.message
    assert user_name in panel.grants.value and "WRITE" in panel.grants.value
    assert as_user.resolve_one(project).name == project
    panel.revoke_button.click()
    await panel.tasks.join()
    assert user_name not in panel.grants.value

    created = await panel.create_token("ci-reader", "READ", days=1, scoped=True)
    assert created.scope_id == admin.resolve_one(project).id and created.expires_at
    assert created.secret not in repr(panel.get_state())  # shown by message, not state
    with AOSClient(live_server.url, created.secret) as scoped:
        assert scoped.resolve_one(project).name == project
    keys = await panel.create_s3_credentials()
    assert keys.secret_access_key and keys.secret_access_key not in repr(panel.get_state())


async def test_presigned_get_and_put(session: Session, project: str, fs: AOSFileSystem) -> None:
    fs.pipe(f"aos://{project}/c/d/p.txt", b"presigned")
    browser, panel = BrowserPanel(session), PresignPanel(session)
    await browser.go(f"{project}/c/d")
    browser.select("p.txt")
    assert panel.path.value == f"{project}/c/d/p.txt"
    panel.expiry.value = 900
    panel.create_button.click()
    await panel.tasks.join()
    assert panel.status.level == "ok", panel.status.message
    assert panel.copy.text == panel.url.value and "<svg" in panel.qr.value
    async with httpx.AsyncClient() as anyone:
        assert (await anyone.get(panel.url.value)).content == b"presigned"
        put_url = await panel.create(f"{project}/c/d/put.txt", "PUT")
        assert (await anyone.put(put_url, content=b"via put")).status_code == 200
    assert fs.cat(f"aos://{project}/c/d/put.txt") == b"via put"
    await panel.tasks.spawn(panel.create("just-a-project"))
    assert panel.status.level == "error"
