"""The real `aos` console script against a real `aos serve` process."""

from __future__ import annotations

import json
import os
import select
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from aos_fs.client import AOSClient
from tests.conftest import ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY, ADMIN_TOKEN
from tests.factories import unique
from tests.procs import free_port

AOS = str(Path(sys.executable).with_name("aos"))  # the console script of this environment


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus any AOS client configuration of the machine running the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AOS_")}
    env.update(extra)
    return env


@dataclass
class AosServe:
    """`aos serve` started through the console script."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *extra: str, env: dict[str, str] | None = None) -> AosServe:
        environment = clean_env(
            AOS_LOG_LEVEL="WARNING",
            AOS_WRITE_PROFILE="false",
            AOS_ADMIN_TOKEN=ADMIN_TOKEN,
            AOS_ADMIN_ACCESS_KEY=ADMIN_ACCESS_KEY,
            AOS_ADMIN_SECRET_KEY=ADMIN_SECRET_KEY,
            **(env or {}),
        )
        args = [AOS, *(extra or ("serve", "--data-dir", str(self.data_dir)))]
        args += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(  # noqa: S603 - our own command
            args, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"aos exited: {self.proc.stdout.read() if self.proc.stdout else ''}"
                )
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("aos serve did not become healthy")

    def stop(self) -> tuple[int, str]:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=15)
        return self.proc.returncode, out


@pytest.fixture(scope="session")
def cli_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AosServe]:
    server = AosServe(tmp_path_factory.mktemp("aos-cli-server") / "data").start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Aos:
    """Runs `aos …` with a private config file and cache directory."""

    home: Path
    url: str
    env: dict[str, str] = field(default_factory=dict)

    def environ(self, **extra: str) -> dict[str, str]:
        return clean_env(
            **{
                "AOS_CONFIG": str(self.home / "config.toml"),
                "XDG_CACHE_HOME": str(self.home / "cache"),
                "HOME": str(self.home),
                **self.env,
                **extra,
            }
        )

    def __call__(
        self, *args: str, input: str | None = None, timeout: float = 110, **env: str
    ) -> Result:
        done = subprocess.run(  # noqa: S603 - our own command
            [AOS, *args],
            env=self.environ(**env),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, **kw: Any) -> Result:
        result = self(*args, **kw)
        assert result.code == 0, f"aos {' '.join(args)} → {result.code}: {result.err}"
        return result

    def fails(self, code: int, *args: str, **kw: Any) -> str:
        """Run a command that must fail with `code`; returns its one-line message."""
        result = self(*args, **kw)
        assert result.code == code, f"aos {' '.join(args)} → {result.code}: {result.err}"
        lines = result.err.strip().splitlines()
        assert len(lines) == 1, result.err
        assert "Traceback" not in result.err
        return lines[0]

    def popen(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(  # noqa: S603 - our own command
            [AOS, *args],
            env=self.environ(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@pytest.fixture
def aos(cli_server: AosServe, tmp_path: Path) -> Aos:
    """`aos`, logged in as the admin (through `aos login --token-stdin`)."""
    runner = Aos(tmp_path / "home", cli_server.url)
    runner.home.mkdir()
    runner.ok("login", cli_server.url, "--token-stdin", input=ADMIN_TOKEN + "\n")
    return runner


@pytest.fixture
def admin(cli_server: AosServe) -> Iterator[AOSClient]:
    with AOSClient(cli_server.url, ADMIN_TOKEN) as client:
        yield client


@pytest.fixture
def project(aos: Aos) -> str:
    name = unique("cli")
    aos.ok("mkdir", name)
    return name


def run_in_pty(
    args: list[str], env: dict[str, str], *, answer: tuple[bytes, bytes] | None = None
) -> tuple[int, str]:
    """Run a command on a pseudo-terminal (its stdin, stdout and stderr are a TTY).

    `answer` = (prompt, reply): type `reply` once `prompt` appeared. Returns the exit code and
    everything the terminal showed.
    """
    import fcntl
    import pty
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(  # noqa: S603 - our own command
        args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
    )
    os.close(slave)
    seen = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the other side is closed
                    break
                if not chunk:
                    break
                seen += chunk
                if answer is not None and answer[0] in seen:
                    os.write(master, answer[1])
                    answer = None
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=110)
    finally:
        os.close(master)
    return code, seen.decode(errors="replace")
