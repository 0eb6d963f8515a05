"""What the S3 fuzzer and the disk-full test found, kept as regressions through real clients."""

from __future__ import annotations

import errno
import sqlite3
from xml.etree import ElementTree as ET

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from aos_server.errors import StorageFull
from aos_server.storage_full import as_storage_full
from tests.conftest import LiveServer
from tests.factories import unique
from tests.fuzz.s3_requests import RawRequest, send, wire


@pytest.fixture(scope="module")
def bucket(s3: BaseClient) -> str:
    s3.create_bucket(Bucket=(name := unique("s3fuzz")))
    return name


def test_a_key_with_a_newline_gets_an_s3_answer(live_server: LiveServer, bucket: str) -> None:
    # Used to fall through the `{key:.*}` route to aiohttp's plain-text "404: Not Found".
    host, port = live_server.url.removeprefix("http://").split(":")
    request = RawRequest("GET", f"/{bucket}/a%0Ab", [])
    response = send(host, int(port), wire(request, f"{host}:{port}"), half_close=False)
    assert response is not None
    assert response.headers["content-type"].startswith("application/xml")
    assert b"<Code>" in response.body
    assert "x-amz-request-id" in response.headers


def test_control_characters_echoed_in_a_listing_keep_the_xml_readable(
    live_server: LiveServer, bucket: str
) -> None:
    # `Prefix` echoes the request (without encoding-type=url, as boto3 would ask); a vertical
    # tab in it made the whole document unreadable to any XML parser.
    host, port = live_server.url.removeprefix("http://").split(":")
    request = RawRequest("GET", f"/{bucket}", [("list-type", "2"), ("prefix", "a\x0bb")])
    response = send(host, int(port), wire(request, f"{host}:{port}"), half_close=False)
    assert response is not None
    assert response.status == 200, response
    root = ET.fromstring(response.body)  # noqa: S314 - our own server's answer
    assert root.findtext("{*}Prefix") == "a\ufffdb"


def test_control_characters_echoed_in_an_error_keep_the_xml_readable(
    s3: BaseClient, bucket: str
) -> None:
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket=bucket, Key="x\x0by")
    assert err.value.response["Error"]["Code"] in ("NoSuchKey", "InvalidArgument")
    assert err.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    "exc",
    [
        pytest.param(OSError(errno.ENOSPC, "No space left on device"), id="enospc"),
        pytest.param(OSError(errno.EDQUOT, "Disk quota exceeded"), id="edquot"),
        pytest.param(OSError(errno.EFBIG, "File too large"), id="efbig"),
    ],
)
def test_a_full_disk_is_recognised(exc: OSError) -> None:
    assert isinstance(as_storage_full(exc), StorageFull)


def test_a_full_sqlite_database_is_recognised() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (x BLOB)")
    db.execute("PRAGMA max_page_count = 2")
    with pytest.raises(sqlite3.OperationalError) as err:
        db.execute("INSERT INTO t VALUES (zeroblob(100000))")
    assert err.value.sqlite_errorcode == 13  # SQLITE_FULL: "database or disk is full"
    wrapped = RuntimeError("commit failed")
    wrapped.__cause__ = err.value
    assert isinstance(as_storage_full(wrapped), StorageFull)


def test_other_errors_are_not_a_full_disk() -> None:
    assert as_storage_full(OSError(errno.EACCES, "Permission denied")) is None
    assert as_storage_full(ValueError("x")) is None
