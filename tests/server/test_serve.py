"""The operational contract (DESIGN §8): `aos serve`, AOS_ADMIN_*, /health, OpenAPI, S3 on one port."""

from __future__ import annotations

import tomllib
from pathlib import Path

import boto3
import httpx
import pytest

from tests.conftest import ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY, ADMIN_TOKEN
from tests.procs import ServeProcess

pytestmark = pytest.mark.slow


def test_serve_with_admin_environment(tmp_path: Path) -> None:
    server = ServeProcess(tmp_path / "data", env={"AOS_WRITE_PROFILE": "false"}).start()
    try:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        assert httpx.get(f"{server.url}/health").status_code == 200
        assert (
            httpx.post(
                f"{server.url}/api/v2/projects", json={"name": "contract"}, headers=headers
            ).status_code
            == 201
        )
        projects = httpx.get(f"{server.url}/api/v2/projects", headers=headers).json()
        assert [p["name"] for p in projects["items"]] == ["contract"]
        assert httpx.get(f"{server.url}/api/v2/openapi.json").json()["openapi"].startswith("3.")
        s3 = boto3.client(
            "s3",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id=ADMIN_ACCESS_KEY,
            aws_secret_access_key=ADMIN_SECRET_KEY,
        )
        s3.put_object(Bucket="contract", Key="x", Body=b"same port")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["contract"]
    finally:
        assert server.stop() == 0  # SIGTERM is a clean shutdown
    # Data survives a restart.
    again = ServeProcess(tmp_path / "data", port=server.port).start()
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=again.url,
            region_name="us-east-1",
            aws_access_key_id=ADMIN_ACCESS_KEY,
            aws_secret_access_key=ADMIN_SECRET_KEY,
        )
        assert s3.get_object(Bucket="contract", Key="x")["Body"].read() == b"same port"
    finally:
        again.stop()


def test_first_start_prints_credentials_and_writes_profile(tmp_path: Path) -> None:
    profile = tmp_path / "config.toml"
    server = ServeProcess(tmp_path / "data", env={"AOS_CLIENT_CONFIG": str(profile)})
    server.start(with_admin_env=False)
    try:
        banner = server.banner()
        assert server.url in banner
        token = next(line.split()[-1] for line in banner.splitlines() if "admin token" in line)
        assert (
            httpx.get(
                f"{server.url}/api/v2/whoami", headers={"Authorization": f"Bearer {token}"}
            ).json()["user"]["name"]
            == "admin"
        )
        written = tomllib.loads(profile.read_text())
        assert written["default"] == "local"
        assert written["profiles"]["local"]["token"] == token
        assert written["profiles"]["local"]["url"] == server.url
        assert oct(profile.stat().st_mode & 0o777) == "0o600"
        assert (tmp_path / "data" / "master.key").stat().st_mode & 0o077 == 0
    finally:
        server.stop()
    # A second start prints no new secrets: the first ones stay valid.
    second = ServeProcess(
        tmp_path / "data", port=server.port, env={"AOS_CLIENT_CONFIG": str(profile)}
    )
    second.start(with_admin_env=False)
    try:
        banner = second.banner()
        assert "aos_" not in banner  # no token printed again
        assert (
            httpx.get(
                f"{second.url}/api/v2/whoami", headers={"Authorization": f"Bearer {token}"}
            ).status_code
            == 200
        )
    finally:
        second.stop()
