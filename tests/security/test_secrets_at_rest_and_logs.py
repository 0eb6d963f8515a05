"""No secret is written in plaintext: not to the data directory (database, blobs, temp files)
and not to the logs, while tokens, S3 keys, presigned URLs, bundle links and hooks are made and
used. One server of this module's own, so its data directory and its logs hold only this."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from aos_fs.client import AOSClient
from aos_server.services.bundles import BundleService
from tests.conftest import ADMIN_SECRET_KEY, ADMIN_TOKEN, make_settings, start_server, stop_server
from tests.factories import make_user, unique
from tests.security.conftest import files_under, s3_client
from tests.server.hooks.receiver import Recorder, serve

HOOK_SECRET = "whsec_chosen-by-the-owner-0123456789abcdef"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class Exercised:
    data_dir: Path
    logs: _Collect
    secrets: dict[str, str] = field(default_factory=dict)
    token_hashes: list[str] = field(default_factory=list)


def _eventually(check: object, timeout: float = 20) -> object:
    deadline = time.monotonic() + timeout
    while not (result := check()):  # type: ignore[operator]
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.05)
    return result


@pytest.fixture(scope="module")
def exercised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exercised]:
    collect = _Collect()
    root = logging.getLogger()
    watched = [logging.getLogger(n) for n in ("aos", "aiohttp", "asyncio")]
    levels = [lg.level for lg in watched]
    root.addHandler(collect)
    for lg in watched:
        lg.setLevel(logging.DEBUG)
    data_dir = tmp_path_factory.mktemp("secrets") / "aos"
    running = start_server(make_settings(data_dir))
    server = running.server
    secrets: dict[str, str] = {"admin token": ADMIN_TOKEN, "admin S3 secret": ADMIN_SECRET_KEY}
    try:
        recorder = Recorder(statuses=[500])  # the first delivery fails, so it is logged
        with serve(recorder.app()) as hook_url, AOSClient(server.url, ADMIN_TOKEN) as admin:
            project = admin.create_project(unique("sec"))
            user_id, user = make_user(admin)
            admin.grant(project.id, user_id, "ADMIN")
            personal = user.create_token("personal")
            scoped = user.create_token("scoped", scope_id=project.id, level="WRITE")
            keys = user.create_s3_credentials(token_id=scoped.id)
            secrets.update(
                {
                    "personal token": personal.secret,
                    "scoped token": scoped.secret,
                    "user S3 secret": keys.secret_access_key or "",
                }
            )
            s3 = s3_client(server, keys.access_key_id, keys.secret_access_key or "")
            s3.put_object(Bucket=project.name, Key="raw/a.csv", Body=b"a,b\n1,2\n")
            with pytest.raises(PermissionError):
                admin.with_token(personal.secret + "x").whoami()
            api = httpx.Client(
                base_url=f"{server.url}/api/v2",
                headers={"Authorization": f"Bearer {personal.secret}"},
            )
            hook = api.post(
                f"/projects/{project.id}/hooks",
                json={
                    "name": "validate",
                    "trigger": {"on": "object_finished"},
                    "action": {"type": "webhook", "url": f"{hook_url}/in", "validate_object": True},
                    "secret": HOOK_SECRET,
                    "backoff": 0.2,
                },
            )
            assert hook.status_code == 201, hook.text
            generated = api.post(
                f"/projects/{project.id}/hooks",
                json={
                    "name": "generated secret",
                    "trigger": {"on": "resource_deleted"},
                    "action": {"type": "webhook", "url": f"{hook_url}/other"},
                },
            ).json()["secret"]
            secrets.update({"hook secret": HOOK_SECRET, "generated hook secret": generated})
            s3.put_object(Bucket=project.name, Key="raw/b.csv", Body=b"a,b\n3,4\n")
            _eventually(lambda: len(recorder.calls) >= 2)
            call = recorder.calls[-1]["json"]
            callback = call["callback"]["token"]  # type: ignore[index]
            secrets["hook callback token"] = callback
            download = call["download_url"]  # type: ignore[index]
            secrets["hook download signature"] = parse_qs(urlsplit(download).query)[
                "X-Amz-Signature"
            ][0]
            assert httpx.get(download).status_code == 200
            me = call["resource"]["id"]  # type: ignore[index]
            done = httpx.post(
                f"{server.url}/api/v2/resources/{me}/status",
                json={"status": "AVAILABLE"},
                headers={"Authorization": f"Bearer {callback}"},
            )
            assert done.status_code == 200, done.text

            signer = user.with_token(personal.secret)
            for method in ("GET", "PUT"):
                url = signer.presign(f"{project.name}/raw/a.csv", method=method)["url"]
                secrets[f"presigned {method} signature"] = parse_qs(urlsplit(url).query)[
                    "X-Amz-Signature"
                ][0]
            get_url = signer.presign(f"{project.name}/raw/a.csv")["url"]
            assert httpx.get(get_url).status_code == 200
            assert httpx.get(get_url.replace("raw/a", "raw/b")).status_code == 403
            bundle = signer.create_bundle([project.id], format="zip")
            secrets["bundle link"] = bundle["url"].split("/bundles/")[1].split("/")[0]
            assert httpx.get(bundle["url"]).status_code == 200
            assert httpx.get(bundle["url"].replace("bundles/", "bundles/x")).status_code == 404
            # An unhandled error on a route whose path is a credential is logged without it.
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(BundleService, "open", _broken)
                assert httpx.get(bundle["url"]).status_code == 500
            assert any("unhandled error" in line for line in collect.lines)
            api.close()
        yield Exercised(
            data_dir,
            collect,
            secrets,
            [hashlib.sha256(secrets[n].encode()).hexdigest() for n in ("personal token",)],
        )
    finally:
        stop_server(running)
        root.removeHandler(collect)
        for lg, level in zip(watched, levels, strict=True):
            lg.setLevel(level)


async def _broken(self: BundleService, secret: str) -> None:
    raise RuntimeError("injected failure")


def test_no_secret_is_stored_in_plaintext(exercised: Exercised) -> None:
    files = [p for p in files_under(exercised.data_dir) if p.name != "master.key"]
    assert any(p.name.startswith("aos.db") for p in files)
    found = []
    for path in files:
        content = path.read_bytes()
        for name, secret in exercised.secrets.items():
            if secret.encode() in content:
                found.append(f"{name} in {path.name}")
    assert not found
    # Tokens are kept as their SHA-256: the database holds the hash and nothing else of them.
    db = b"".join(p.read_bytes() for p in files if p.name.startswith("aos.db"))
    for digest in exercised.token_hashes:
        assert digest.encode() in db


def test_the_data_directory_and_the_master_key_are_private(exercised: Exercised) -> None:
    assert exercised.data_dir.stat().st_mode & 0o077 == 0  # made by the server: 0700
    key = exercised.data_dir / "master.key"
    assert key.stat().st_mode & 0o077 == 0
    master = key.read_text().strip()
    for path in files_under(exercised.data_dir):
        if path != key:
            assert master.encode() not in path.read_bytes(), path.name


def test_no_secret_appears_in_the_logs(exercised: Exercised) -> None:
    text = "\n".join(exercised.logs.lines)
    assert "hook" in text and "unhandled error" in text  # the logs were captured
    found = [name for name, secret in exercised.secrets.items() if secret in text]
    assert not found
