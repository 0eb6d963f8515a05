"""On uvloop (no `loop.sendfile`), plain blobs still go out zero-copy from a worker thread, and a
reader that stalls is handed to the loop: every byte arrives, in order, for whole objects and
ranges, and the worker never writes into a socket or file that is not its own."""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from aos_server.web import sendfile
from tests.conftest import LiveServer, _Running, boto3_s3, make_settings, start_server, stop_server
from tests.factories import payload, unique

uvloop = pytest.importorskip("uvloop")
SIZE = 24 << 20


@pytest.fixture(scope="module")
def uv_running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Running]:
    running = start_server(make_settings(tmp_path_factory.mktemp("uv")), uvloop.new_event_loop)
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def uv_server(uv_running: _Running) -> LiveServer:
    return uv_running.server


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """(bytes asked, bytes the worker sent) of every zero-copy send."""
    seen: list[tuple[int, int]] = []
    real = sendfile._send

    def recorded(sock_fd: int, file_fd: int, offset: int, count: int) -> int:
        sent = real(sock_fd, file_fd, offset, count)
        seen.append((count, sent))
        return sent

    monkeypatch.setattr(sendfile, "_send", recorded)
    return seen


@pytest.fixture(scope="module")
def stored(uv_server: LiveServer) -> tuple[str, bytes]:
    s3 = boto3_s3(uv_server, signature_version="s3v4")
    bucket = unique("uv")
    s3.create_bucket(Bucket=bucket)
    data = payload(SIZE, seed=7)
    s3.put_object(Bucket=bucket, Key="big.bin", Body=data)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "big.bin"})
    return url, data


def test_the_server_runs_on_uvloop(uv_running: _Running) -> None:
    assert type(uv_running.loop).__module__.startswith("uvloop")


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [(None, 0, SIZE), ("bytes=0-0", 0, 1), ("bytes=1000-5000000", 1000, 5000001)],
)
def test_whole_objects_and_ranges_arrive_intact(
    stored: tuple[str, bytes],
    sends: list[tuple[int, int]],
    header: str | None,
    start: int,
    end: int,
) -> None:
    url, data = stored
    headers = {"Range": header} if header else {}
    response = httpx.get(url, headers=headers, timeout=60)
    assert response.status_code == (206 if header else 200)
    assert hashlib.sha256(response.content).digest() == hashlib.sha256(data[start:end]).digest()
    if end - start > 1 << 20:  # below that, the bytes are read and sent in one response body
        assert sends == [(end - start, end - start)]  # all of it zero-copy, from the worker


def test_a_reader_that_stalls_still_gets_every_byte(
    stored: tuple[str, bytes], sends: list[tuple[int, int]]
) -> None:
    url, data = stored
    target = httpx.URL(url)
    with socket.create_connection((target.host, target.port), timeout=60) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
        path = target.raw_path.decode()
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {target.netloc.decode()}\r\nConnection: close\r\n\r\n".encode()
        )
        time.sleep(1.5)  # longer than the worker waits on a full socket: the loop takes over
        received = bytearray()
        while chunk := sock.recv(1 << 20):
            received += chunk
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert len(body) == SIZE
    assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
    [(asked, sent)] = sends
    assert asked == SIZE
    assert 0 < sent < SIZE  # the worker gave up on the full socket; the loop sent the rest


def test_a_reader_that_goes_away_leaves_the_server_serving(
    stored: tuple[str, bytes], uv_server: LiveServer
) -> None:
    url, data = stored
    for _ in range(3):
        with httpx.stream("GET", url, timeout=60) as response:
            next(response.iter_bytes(1 << 16))  # read a little, then hang up
    response = httpx.get(url, timeout=60)
    assert hashlib.sha256(response.content).digest() == hashlib.sha256(data).digest()
    assert httpx.get(f"{uv_server.url}/health").status_code == 200
