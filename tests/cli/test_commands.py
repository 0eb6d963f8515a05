"""Every `aos` command once, against a real server, with its error exits and messages."""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from aos_fs.client import AOSClient
from tests.cli.conftest import AOS, Aos, AosServe, run_in_pty
from tests.conftest import ADMIN_TOKEN
from tests.factories import make_user, unique

pytestmark = pytest.mark.slow


def test_login_asks_for_the_token_without_echo(cli_server: AosServe, tmp_path: Path) -> None:
    aos = Aos(tmp_path, cli_server.url)
    code, shown = run_in_pty(
        [AOS, "--profile", "work", "login", cli_server.url],
        aos.environ(),
        answer=(b"API token:", ADMIN_TOKEN.encode() + b"\n"),
    )
    assert code == 0, shown
    assert ADMIN_TOKEN not in shown  # typed, not echoed
    assert "Logged in" in shown and "as admin" in shown
    config = tomllib.loads((tmp_path / "config.toml").read_text())
    assert config["default"] == "work"
    assert config["profiles"]["work"]["token"] == ADMIN_TOKEN
    assert (tmp_path / "config.toml").stat().st_mode & 0o077 == 0
    me = aos.ok("whoami", "--json").json()
    assert me["user"]["name"] == "admin"
    assert ADMIN_TOKEN not in aos.ok("whoami").out  # tokens are never printed


def test_login_refuses_a_bad_token(cli_server: AosServe, tmp_path: Path) -> None:
    aos = Aos(tmp_path, cli_server.url)
    message = aos.fails(4, "login", cli_server.url, "--token", "aos_not-a-token")
    assert message.startswith("aos: not authenticated")
    assert not (tmp_path / "config.toml").exists()
    assert aos.fails(2, "login", "--token-stdin", input="x\n").startswith("aos login: ")


def test_browse_and_metadata(aos: Aos, project: str, tmp_path: Path) -> None:
    assert project in aos.ok("ls").out.split()
    made = aos.ok("mkdir", f"{project}/raw/run1", "-p", "--title", "Run one", "--json").json()
    assert made["kind"] == "DATASET"
    aos.ok("mkdir", f"{project}/tables", "--dataset")
    (tmp_path / "a.csv").write_text("x,y\n1,2\n")
    aos.ok("put", str(tmp_path / "a.csv"), f"{project}/raw/run1/")
    (tmp_path / "a.csv").write_text("x,y\n1,2\n3,4\n")
    aos.ok("put", str(tmp_path / "a.csv"), f"{project}/raw/run1/a.csv")

    long = aos.ok("ls", "-l", f"{project}/raw/run1").out
    assert "OBJECT" in long and "a.csv" in long and "@2" in long
    tree = aos.ok("tree", project).out
    assert "└── raw/" in tree or "├── raw/" in tree
    assert "a.csv" in tree and "3 directories, 1 files" in tree
    assert f"{project}/raw/run1/a.csv" in aos.ok("tree", project, "--json").json()

    info = aos.ok("info", f"{project}/raw/run1/a.csv").out
    assert "revision:" in info and "sha256:" in info
    revs = aos.ok("versions", f"{project}/raw/run1/a.csv", "--json").json()
    assert [v["revision"] for v in revs] == [1, 2]
    old = tmp_path / "old.csv"
    aos.ok("get", f"{project}/raw/run1/a.csv@1", str(old))
    assert old.read_text() == "x,y\n1,2\n"

    aos.ok(
        "meta",
        "set",
        f"{project}/raw/run1",
        "instrument=xray",
        "site=lab",
        "--title",
        "Run 1",
        "--license",
        "CC-BY-4.0",
    )
    assert aos.ok("meta", "get", f"{project}/raw/run1", "instrument").out.strip() == "xray"
    aos.ok("meta", "set", f"{project}/raw/run1", "--remove", "site")
    data = aos.ok("meta", "get", f"{project}/raw/run1", "--json").json()
    assert data["title"] == "Run 1" and data["data_license"] == "CC-BY-4.0"
    assert [kv["key"] for kv in data["key_values"]] == ["instrument"]
    assert aos.fails(3, "meta", "get", f"{project}/raw/run1", "site") == (
        f"aos: no key-value 'site' on {project}/raw/run1"
    )
    assert aos.fails(2, "meta", "set", f"{project}/raw/run1").startswith("aos meta set: ")

    # cp (server-side, a revision too), mv, rm
    aos.ok("cp", f"{project}/raw/run1/a.csv@1", f"{project}/tables/first.csv")
    aos.ok("cp", f"{project}/raw", f"{project}/copy")
    assert aos.ok("ls", f"{project}/copy/run1").out.split() == ["a.csv"]
    aos.ok("mv", f"{project}/copy", f"{project}/moved")
    assert "copy" not in aos.ok("ls", project).out
    back = tmp_path / "first.csv"
    aos.ok("get", f"{project}/tables/first.csv", str(back))
    assert back.read_text() == "x,y\n1,2\n"
    assert aos.fails(1, "rm", f"{project}/moved") == (
        f"aos: aos://{project}/moved is a directory; use rm -r"
    )
    assert aos.ok("rm", "-r", f"{project}/moved", "--json").json() == {
        "removed": [f"aos://{project}/moved"]
    }
    aos.ok("rm", f"{project}/tables/first.csv")
    assert aos.ok("ls", f"{project}/tables", "--json").json() == []


def test_error_exits_are_one_line_with_meaningful_codes(
    aos: Aos, project: str, admin: AOSClient, tmp_path: Path
) -> None:
    # not found: 3
    assert "No such file or directory" in aos.fails(3, "info", f"{project}/nope")
    assert aos.fails(3, "get", f"{project}/nope", str(tmp_path / "x")).startswith("aos: ")
    assert aos.fails(3, "ls", unique("missing")).startswith("aos: No such file or directory")
    assert "No such project" in aos.fails(3, "put", __file__, f"{unique('nope')}/x.py")
    assert "No such local file" in aos.fails(3, "put", str(tmp_path / "none"), f"{project}/")
    assert aos.fails(3, "token", "revoke", "01ARZ3NDEKTSV4RRFFQ69G5FAV").startswith(
        "aos: not found:"
    )
    # usage: 2
    assert aos.fails(2, "ls", "--bogus") == (
        "aos ls: No such option '--bogus'. Did you mean '--long'? (see 'aos ls --help')"
    )
    assert aos.fails(2, "nosuchcommand").startswith("aos: No such command")
    assert aos.fails(2, "share", project, "bob", "--level", "OWNER").startswith("aos share: ")
    assert aos.fails(2, "put", __file__).startswith("aos put: Missing argument")
    # exists: 5
    assert aos.fails(5, "mkdir", project) == f"aos: aos://{project} exists"
    # unreachable: 6
    assert aos.fails(6, "ls", AOS_URL="http://127.0.0.1:9").startswith(
        "aos: cannot reach the server"
    )

    # permission denied: 4, for another user through AOS_URL + AOS_TOKEN
    (tmp_path / "d.txt").write_text("secret data")
    aos.ok("put", str(tmp_path / "d.txt"), f"{project}/docs/d.txt")
    user_id, other = make_user(admin)
    as_other = Aos(aos.home, aos.url, env={"AOS_URL": aos.url, "AOS_TOKEN": other._token or ""})
    denied = as_other.fails(4, "get", f"{project}/docs/d.txt", str(tmp_path / "o.txt"))
    assert denied.startswith("aos: permission denied: ")
    assert as_other.fails(4, "put", str(tmp_path / "d.txt"), f"{project}/docs/e.txt").startswith(
        "aos: permission denied: "
    )
    assert as_other.fails(4, "whoami", AOS_TOKEN="aos_wrong").startswith("aos: not authenticated")

    # share / unshare by user id (and name, as an admin)
    user_name = admin.get_user(user_id).name
    aos.ok("share", f"{project}/docs", user_name, "--level", "READ")
    grants = aos.ok("share", f"{project}/docs", "--json").json()
    assert {g["user_id"]: g["level"] for g in grants}[user_id] == "READ"
    as_other.ok("get", f"{project}/docs/d.txt", str(tmp_path / "o.txt"))
    assert (tmp_path / "o.txt").read_text() == "secret data"
    aos.ok("unshare", f"{project}/docs", user_id)
    as_other.fails(4, "get", f"{project}/docs/d.txt", str(tmp_path / "o2.txt"))


def test_tokens_keys_and_presign(aos: Aos, project: str, tmp_path: Path) -> None:
    created = aos.ok(
        "token", "create", "ci", "--scope", project, "--level", "READ", "--expires-in", "1"
    )
    secret = created.out.strip()
    assert secret.startswith("aos_") and "shown once" in created.err
    listed = aos.ok("token", "list").out
    assert "ci" in listed and "READ" in listed and secret not in listed
    token_id = next(t["id"] for t in aos.ok("token", "list", "--json").json() if t["name"] == "ci")
    as_ci = Aos(aos.home, aos.url, env={"AOS_URL": aos.url, "AOS_TOKEN": secret})
    assert as_ci.ok("whoami", "--json").json()["token"]["level"] == "READ"
    aos.ok("token", "revoke", token_id)
    assert as_ci.fails(4, "whoami").startswith("aos: not authenticated")

    keys = aos.ok("s3-credentials", "create", "--json").json()
    assert keys["secret_access_key"] and keys["endpoint_url"] == aos.url
    listed = aos.ok("s3-credentials").out
    assert keys["access_key_id"] in listed and keys["secret_access_key"] not in listed
    aos.ok("s3-credentials", "revoke", keys["access_key_id"])
    assert keys["access_key_id"] not in aos.ok("s3-credentials", "list").out

    (tmp_path / "p.txt").write_text("one")
    aos.ok("put", str(tmp_path / "p.txt"), f"{project}/p.txt")
    (tmp_path / "p.txt").write_text("two")
    aos.ok("put", str(tmp_path / "p.txt"), f"{project}/p.txt")
    url = aos.ok("presign", f"{project}/p.txt").out.strip()
    assert httpx.get(url).text == "two"
    pinned = aos.ok("presign", f"{project}/p.txt@1", "--expires-in", "60", "--json").json()
    assert httpx.get(pinned["url"]).text == "one"


def test_search_events_and_hooks(aos: Aos, project: str, tmp_path: Path) -> None:
    word = unique("zebra").replace("-", "")
    aos.ok("mkdir", f"{project}/survey", "--title", f"The {word} survey")
    hits = aos.ok("search", word, "--json").json()
    assert [h["path"] for h in hits] == [f"{project}/survey"]
    assert f"aos://{project}/survey" in aos.ok("search", word, "--kind", "COLLECTION").out
    assert aos.ok("search", word, "--kind", "OBJECT", "--json").json() == []

    tail = aos.ok("events", "tail", "--within", project, "--all", "-n", "2", "--json")
    events = [json.loads(line) for line in tail.out.splitlines()]
    assert [e["type"] for e in events] == ["resource.created", "resource.created"]
    assert events[0]["data"]["name"] == project

    follow = aos.popen(
        "events",
        "tail",
        "--within",
        project,
        "-n",
        "1",
        "--timeout",
        "20",
        "--type",
        "resource.created",
        "--json",
    )
    assert follow.stderr is not None
    assert "listening" in follow.stderr.readline()
    aos.ok("mkdir", f"{project}/later")
    out, _ = follow.communicate(timeout=30)
    assert follow.returncode == 0
    assert json.loads(out)["data"]["name"] == "later"

    hook = aos.ok(
        "hooks",
        "create",
        project,
        "tagger",
        "--on",
        "resource_created",
        "--kind",
        "OBJECT",
        "--add-label",
        "seen=yes",
        "--json",
    ).json()
    web = aos.ok(
        "hooks",
        "create",
        project,
        "notify",
        "--on",
        "object_finished",
        "--webhook",
        "http://127.0.0.1:9/hook",
        "--disabled",
    )
    assert "signing secret" in web.out
    listed = aos.ok("hooks", "list", project, "--json").json()
    assert {h["name"]: h["enabled"] for h in listed} == {"tagger": True, "notify": False}
    aos.ok("hooks", "disable", hook["id"])
    aos.ok("hooks", "enable", hook["id"])
    (tmp_path / "h.txt").write_text("hook me")
    aos.ok("put", str(tmp_path / "h.txt"), f"{project}/h.txt")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        deliveries = aos.ok("hooks", "deliveries", hook["id"], "--json").json()
        if deliveries and deliveries[0]["status"] == "SUCCEEDED":
            break
        time.sleep(0.2)
    assert deliveries[0]["status"] == "SUCCEEDED"
    assert aos.ok("meta", "get", f"{project}/h.txt", "seen").out.strip() == "yes"
    aos.ok("hooks", "delete", hook["id"])
    assert aos.fails(3, "hooks", "delete", hook["id"]).startswith("aos: not found:")
    assert aos.fails(2, "hooks", "create", project, "x", "--on", "resource_created").startswith(
        "aos hooks create: give exactly one action"
    )


def test_serve_server_and_proxy(tmp_path: Path) -> None:
    aos = Aos(tmp_path, "")
    message = aos.fails(2, "proxy", "--port", "9000")
    assert message.startswith("aos: `aos proxy` needs AOS_SERVER_URL"), message
    assert "serve" in aos.ok("--help").out and "hooks" in aos.ok("--help").out
    assert aos.ok("--version").out.startswith("aos ")
    assert "--data-dir" in aos.ok("serve", "--help").out  # the server's own flags

    db = tmp_path / "meta" / "aos.db"
    blobs = tmp_path / "blobs"
    db.parent.mkdir()
    server = AosServe(tmp_path / "data").start(
        "server", "--database", f"sqlite:///{db}", "--blobs", f"file://{blobs}"
    )
    try:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        assert (
            httpx.post(
                f"{server.url}/api/v2/projects", json={"name": unique("srv")}, headers=headers
            ).status_code
            == 201
        )
        assert db.exists()
    finally:
        code, out = server.stop()
    assert code == 0, out
    assert f"AOS-Py is running at {server.url}" in out
    assert not (tmp_path / "data" / "aos.db").exists()  # the DSN, not the data dir, was used
