"""Request-size limits on JSON routes, and one slow client never stalls the others."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from botocore.client import BaseClient

from tests.conftest import LiveServer
from tests.factories import unique


def _connect(server: LiveServer) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _read_response(sock: socket.socket, timeout: float) -> tuple[int, dict[str, str], bytes]:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize("path", ["/api/v2/projects", "/api/v2/tokens", "/api/v2/presign"])
def test_a_declared_oversize_body_is_refused_before_it_is_read(
    live_server: LiveServer, path: str
) -> None:
    with _connect(live_server) as sock:
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {live_server.admin_token}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {1 << 30}\r\n\r\n"
            ).encode()
            + b'{"name": "'
        )
        started = time.monotonic()
        status, headers, body = _read_response(sock, timeout=5)
    assert status == 413
    assert time.monotonic() - started < 5
    assert headers["content-type"].startswith("application/problem+json")
    assert json.loads(body)["status"] == 413


def test_an_undeclared_oversize_body_stops_at_the_limit(live_server: LiveServer) -> None:
    response = httpx.post(
        f"{live_server.url}/api/v2/projects",
        content=iter([b'{"name": "big", "description": "'] + [b"x" * (1 << 20)] * 9),
        headers={
            "Authorization": f"Bearer {live_server.admin_token}",
            "Content-Type": "application/json",
        },
        timeout=30,
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


@contextmanager
def _trickling(sock: socket.socket, data: bytes) -> Iterator[None]:
    """Send `data` on `sock` one byte every 0.2 s while the block runs."""
    stop = threading.Event()

    def run() -> None:
        for byte in data:
            if stop.wait(0.2):
                return
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


def _others_stay_fast(server: LiveServer, rounds: int = 15) -> None:
    with httpx.Client(base_url=server.url, timeout=5) as client:
        for _ in range(rounds):
            started = time.monotonic()
            assert client.get("/health").status_code == 200
            assert client.get("/api/v2/info").status_code == 200
            assert time.monotonic() - started < 1.0
            time.sleep(0.1)


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_client_trickling_its_request_stalls_no_one(live_server: LiveServer, part: str) -> None:
    body = json.dumps({"name": unique("slow")}).encode()
    head = (
        f"POST /api/v2/projects HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {live_server.admin_token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with _connect(live_server) as sock:
        if part == "body":
            sock.sendall(head)  # the server now waits for a body that comes a byte at a time
            with _trickling(sock, body):
                _others_stay_fast(live_server)
        else:
            with _trickling(sock, head + body):
                _others_stay_fast(live_server)


def test_a_client_reading_slowly_stalls_no_one(live_server: LiveServer, s3: BaseClient) -> None:
    bucket = unique("slow")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="big", Body=b"\x00" * (16 << 20))
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "big"})
    path = url.removeprefix(live_server.url)
    sock = _connect(live_server)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {live_server.url[7:]}\r\n\r\n".encode())
        sock.recv(1)  # the download has started; from now on it reads 1 byte per second
        stop = threading.Event()

        def read_slowly() -> None:
            while not stop.wait(1.0):
                try:
                    if not sock.recv(1):
                        return
                except OSError:
                    return

        reader = threading.Thread(target=read_slowly, daemon=True)
        reader.start()
        try:
            _others_stay_fast(live_server)
        finally:
            stop.set()
            reader.join(5)
    finally:
        sock.close()
