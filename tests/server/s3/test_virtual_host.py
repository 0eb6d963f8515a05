"""Virtual-host style addressing (bucket.<domain>) with boto3, beside path style."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from tests.conftest import make_settings, start_server, stop_server
from tests.factories import unique

DOMAIN = "aos.test"


@pytest.fixture
def vhost_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    running = start_server(make_settings(tmp_path / "aos", s3_virtual_host=DOMAIN))
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Name resolution only: <bucket>.aos.test is this machine, as a DNS wildcard would say.
        if isinstance(host, str) and (host == DOMAIN or host.endswith("." + DOMAIN)):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    yield int(running.server.url.rsplit(":", 1)[1])
    stop_server(running)


def client(endpoint: str, style: str, keys: tuple[str, str]):  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=keys[0],
        aws_secret_access_key=keys[1],
        region_name="us-east-1",
        config=Config(s3={"addressing_style": style}),
    )


def test_virtual_host_style(vhost_server: int) -> None:
    from tests.conftest import ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY

    keys = (ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY)
    virtual = client(f"http://{DOMAIN}:{vhost_server}", "virtual", keys)
    path = client(f"http://127.0.0.1:{vhost_server}", "path", keys)
    bucket = unique("vhost")
    virtual.create_bucket(Bucket=bucket)
    virtual.put_object(Bucket=bucket, Key="dir/a.txt", Body=b"virtual")
    # The same object through both addressing styles.
    assert path.get_object(Bucket=bucket, Key="dir/a.txt")["Body"].read() == b"virtual"
    assert virtual.get_object(Bucket=bucket, Key="dir/a.txt")["Body"].read() == b"virtual"
    listed = virtual.list_objects_v2(Bucket=bucket, Prefix="dir/")
    assert [o["Key"] for o in listed["Contents"]] == ["dir/a.txt"]
    assert bucket in [b["Name"] for b in virtual.list_buckets()["Buckets"]]
    url = virtual.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "dir/a.txt"}, ExpiresIn=60
    )
    assert url.startswith(f"http://{bucket}.{DOMAIN}:")
    import httpx

    host = url.split("/")[2]
    direct = url.replace(host, f"127.0.0.1:{vhost_server}", 1)
    r = httpx.get(direct, headers={"Host": host})
    assert r.status_code == 200 and r.content == b"virtual", r.text
