"""Other real S3 clients, unmodified: s3fs (fsspec) and the AWS CLI."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import s3fs

from tests.conftest import LiveServer
from tests.factories import payload, unique

MiB = 1 << 20
ROOT = Path(__file__).resolve().parents[3]
AWS = ROOT / ".venv-awscli" / "bin" / "aws"


@pytest.fixture
def fs(live_server: LiveServer) -> s3fs.S3FileSystem:
    return s3fs.S3FileSystem(
        key=live_server.access_key,
        secret=live_server.secret_key,
        endpoint_url=live_server.url,
        skip_instance_cache=True,
        use_listings_cache=False,
    )


def test_s3fs(fs: s3fs.S3FileSystem, tmp_path: Path) -> None:
    bucket = unique("fs")
    fs.mkdir(bucket)
    fs.pipe(f"{bucket}/coll/ds/a.txt", b"hello")
    big = payload(12 * MiB + 5, seed=4)
    with fs.open(f"{bucket}/coll/ds/big.bin", "wb", block_size=5 * MiB) as f:  # multipart
        for i in range(0, len(big), MiB):
            f.write(big[i : i + MiB])
    assert fs.cat(f"{bucket}/coll/ds/a.txt") == b"hello"
    assert (
        fs.cat_file(f"{bucket}/coll/ds/big.bin", start=5 * MiB - 3, end=5 * MiB + 3)
        == big[5 * MiB - 3 : 5 * MiB + 3]
    )
    assert fs.ls(f"{bucket}/coll", detail=False) == [f"{bucket}/coll/ds"]
    assert sorted(fs.find(bucket)) == [f"{bucket}/coll/ds/a.txt", f"{bucket}/coll/ds/big.bin"]
    assert fs.info(f"{bucket}/coll/ds/big.bin")["size"] == len(big)
    with fs.open(f"{bucket}/coll/ds/big.bin", "rb", block_size=MiB) as f:
        f.seek(7 * MiB)
        assert f.read(100) == big[7 * MiB : 7 * MiB + 100]
    local = tmp_path / "big.bin"
    fs.get(f"{bucket}/coll/ds/big.bin", str(local))
    assert local.read_bytes() == big
    fs.rm(f"{bucket}/coll/ds/a.txt")
    assert not fs.exists(f"{bucket}/coll/ds/a.txt")
    assert fs.glob(f"{bucket}/**/*.bin") == [f"{bucket}/coll/ds/big.bin"]


@pytest.fixture
def aws(live_server: LiveServer, tmp_path: Path):  # type: ignore[no-untyped-def]
    if not AWS.exists():
        pytest.fail(f"{AWS} is missing: `make install-test` installs the AWS CLI beside the venv")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": live_server.access_key,
        "AWS_SECRET_ACCESS_KEY": live_server.secret_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
    }
    (tmp_path / "aws-config").write_text(
        "[default]\ns3 =\n    multipart_threshold = 5MB\n    multipart_chunksize = 5MB\n"
    )

    def run(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our test tool
            [str(AWS), "--endpoint-url", live_server.url, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run


def test_aws_cli(aws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bucket = unique("cli")
    aws("s3", "mb", f"s3://{bucket}")
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    files = {"a.csv": b"x,y\n1,2\n", "sub/big.bin": payload(11 * MiB, seed=8), "sub/empty": b""}
    for name, data in files.items():
        (src / name).write_bytes(data)
    aws("s3", "sync", str(src), f"s3://{bucket}/coll/ds")
    listing = aws("s3", "ls", "--recursive", f"s3://{bucket}")
    for name in files:
        assert f"coll/ds/{name}" in listing
    dst = tmp_path / "dst"
    aws("s3", "cp", "--recursive", f"s3://{bucket}/coll/ds", str(dst))
    for name, data in files.items():
        assert hashlib.sha256((dst / name).read_bytes()).digest() == hashlib.sha256(data).digest()
    head = aws("s3api", "head-object", "--bucket", bucket, "--key", "coll/ds/sub/big.bin")
    assert '"ContentLength": 11534336' in head
    aws("s3", "rm", f"s3://{bucket}/coll/ds/a.csv")
    assert "a.csv" not in aws("s3", "ls", "--recursive", f"s3://{bucket}")
    shutil.rmtree(dst)
