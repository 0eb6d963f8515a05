"""The upstream-S3 blob store against the shared contract, on a real SeaweedFS server."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from aos_server.app import blob_store
from aos_server.backends.blobs.inline import InlineBlobStore
from aos_server.backends.blobs.s3 import S3BlobStore
from aos_server.backends.blobs.sealed import CHUNK
from aos_server.domain.ids import new_id
from aos_server.domain.ranges import ByteRange, SuffixRange
from aos_server.errors import IntegrityError, InvalidInput
from aos_server.keyring import Keyring
from tests.conftest import make_settings
from tests.contracts.blob_store import BlobStoreContract, chunks, put, read_all
from tests.factories import payload
from tests.s3_upstream import Upstream, seaweedfs

MASTER = os.urandom(32)
MiB = 1 << 20


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upstream]:
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as up:
        yield up


def make_store(upstream: Upstream, **options: object) -> S3BlobStore:
    values: dict[str, object] = {
        "endpoint": upstream.endpoint,
        "access_key": upstream.access_key,
        "secret_key": upstream.secret_key,
        "master_key": MASTER,
        "part_size": 5 * MiB,
    }
    values.update(options)
    return S3BlobStore(upstream.bucket, f"t-{new_id()}", **values)  # type: ignore[arg-type]


class _Configured(S3BlobStore):
    """A store that seals every blob the way a server setting would ask it to."""

    flags: dict[str, bool]

    async def stage(self, chunks, *, compress=False, encrypt=False):  # type: ignore[no-untyped-def, override]
        return await super().stage(
            chunks,
            compress=compress or self.flags["compress"],
            encrypt=encrypt or self.flags["encrypt"],
        )


@pytest.mark.parametrize(
    ("compress", "encrypt"),
    [
        pytest.param(False, False, id="plain"),
        pytest.param(True, False, id="zstd"),
        pytest.param(False, True, id="encrypted"),
        pytest.param(True, True, id="zstd-encrypted"),
    ],
)
class TestS3(BlobStoreContract):
    @pytest.fixture
    async def store(
        self, upstream: Upstream, compress: bool, encrypt: bool
    ) -> AsyncIterator[S3BlobStore]:
        store = _Configured(
            upstream.bucket,
            f"t-{new_id()}",
            endpoint=upstream.endpoint,
            access_key=upstream.access_key,
            secret_key=upstream.secret_key,
            master_key=MASTER,
            part_size=5 * MiB,
        )
        store.flags = {"compress": compress, "encrypt": encrypt}
        async with store:
            yield store


@pytest.fixture
async def store(upstream: Upstream) -> AsyncIterator[S3BlobStore]:
    async with make_store(upstream) as store:
        yield store


def _keys(upstream: Upstream, prefix: str) -> list[str]:
    listed = upstream.client().list_objects_v2(Bucket=upstream.bucket, Prefix=prefix)  # type: ignore[attr-defined]
    return [o["Key"] for o in listed.get("Contents", [])]


@pytest.mark.parametrize(
    "sealed", [pytest.param(False, id="plain"), pytest.param(True, id="sealed")]
)
async def test_large_blob_goes_multipart_and_commit_leaves_no_temp(
    store: S3BlobStore, upstream: Upstream, sealed: bool
) -> None:
    data = payload(11 * MiB + 3, seed=11)
    staged = await store.stage(chunks(data, MiB), compress=sealed, encrypt=sealed)
    assert staged.sha256 == hashlib.sha256(data).hexdigest()
    assert len(_keys(upstream, f"{store.prefix}tmp/")) == 1  # written upstream, not in memory
    key = new_id()
    await staged.commit(key)
    assert _keys(upstream, f"{store.prefix}tmp/") == []
    assert _keys(upstream, f"{store.prefix}blobs/") == [f"{store.prefix}blobs/{key}"]
    assert await read_all(store, key) == data
    assert (
        await read_all(store, key, ByteRange(start=5 * MiB - 1, end=6 * MiB))
        == data[5 * MiB - 1 : 6 * MiB + 1]
    )


async def test_sweep_removes_stale_temps_and_uploads(
    store: S3BlobStore, upstream: Upstream
) -> None:
    staged = await store.stage(chunks(payload(6 * MiB, seed=3)))  # a temp object upstream
    await store.stage_part("UPLOAD1", 1, chunks(b"part"))
    assert (await store.sweep(older_than=3600)) == (await store.sweep(older_than=3600))
    report = await store.sweep(older_than=0)
    assert (report.temp_files, report.uploads) == (1, 1)
    assert _keys(upstream, store.prefix) == []
    await staged.discard()


async def test_sealed_range_reads_fetch_only_their_chunks(store: S3BlobStore) -> None:
    data = payload(8 * CHUNK, seed=9)
    staged = await store.stage(chunks(data), compress=True, encrypt=True)
    key = new_id()
    await staged.commit(key)
    store.fetched = 0
    assert await read_all(store, key, SuffixRange(length=10)) == data[-10:]
    assert store.fetched < 2 * CHUNK  # header + index + one sealed chunk, not the blob


async def test_tampered_upstream_object_is_detected(store: S3BlobStore, upstream: Upstream) -> None:
    data = payload(3 * CHUNK, seed=5)
    staged = await store.stage(chunks(data), encrypt=True)
    key = new_id()
    await staged.commit(key)
    client = upstream.client()
    path = store.blob_path(key)
    raw = bytearray(client.get_object(Bucket=upstream.bucket, Key=path)["Body"].read())  # type: ignore[attr-defined]
    assert b"".join(data[i : i + 64] for i in range(0, 640, 64)) not in raw
    raw[CHUNK + 200] ^= 0x01  # inside the second sealed chunk
    client.put_object(  # type: ignore[attr-defined]
        Bucket=upstream.bucket, Key=path, Body=bytes(raw), Metadata={"aos-sealed": "1"}
    )
    assert await read_all(store, key, SuffixRange(length=100)) == data[-100:]  # chunk 3 is fine
    with pytest.raises(IntegrityError):
        await read_all(store, key)
    client.put_object(  # type: ignore[attr-defined]
        Bucket=upstream.bucket, Key=path, Body=bytes(raw[:-20]), Metadata={"aos-sealed": "1"}
    )
    with pytest.raises(IntegrityError):
        await read_all(store, key)


async def test_wrong_master_key_is_refused(store: S3BlobStore, upstream: Upstream) -> None:
    staged = await store.stage(chunks(b"secret"), encrypt=True)
    key = new_id()
    await staged.commit(key)
    other = make_store(upstream, master_key=os.urandom(32))
    other.prefix = store.prefix
    async with other:
        with pytest.raises(IntegrityError, match="master key"):
            await read_all(other, key)


async def test_store_has_no_local_files(store: S3BlobStore) -> None:
    key = await put(store, b"plain")
    assert await store.local_path(key) is None
    assert not store.supports_sendfile


def test_url_form(tmp_path: Path) -> None:
    store = S3BlobStore.from_url(
        "s3://bucket/some/prefix/?endpoint=http://127.0.0.1:9000&region=eu-1", part_size=5 * MiB
    )
    assert (store.bucket, store.prefix, store.endpoint, store.region, store.addressing) == (
        "bucket",
        "some/prefix/",
        "http://127.0.0.1:9000",
        "eu-1",
        "path",
    )
    assert S3BlobStore.from_url("s3://bucket").addressing == "auto"
    with pytest.raises(InvalidInput, match="Unknown parameter"):
        S3BlobStore.from_url("s3://bucket/p?endpoint=http://x&secret=oops")
    settings = make_settings(
        tmp_path,
        blobs_url="s3://b/p?endpoint=http://127.0.0.1:1",
        upstream_s3_access_key="AK",
        upstream_s3_secret_key="SK",
    )
    chosen = blob_store(settings.blobs_dsn, Keyring(os.urandom(32)), settings, cast("Any", None))
    assert isinstance(chosen, InlineBlobStore)  # small objects' bytes beside their revisions
    assert isinstance(chosen.inner, S3BlobStore)
    assert chosen.inner.part_size == settings.upstream_s3_part_size


@pytest.mark.parametrize(
    "size", [pytest.param(100, id="small"), pytest.param(7 * MiB, id="multipart")]
)
async def test_failed_verification_leaves_nothing(
    store: S3BlobStore, upstream: Upstream, size: int
) -> None:
    def refuse(md5: str, sha256: str) -> None:
        raise IntegrityError("Content-MD5 does not match")

    with pytest.raises(IntegrityError):
        await store.stage(chunks(payload(size, seed=1)), verify=refuse)
    assert _keys(upstream, store.prefix) == []
    assert (await store.sweep(older_than=0)).temp_files == 0


async def test_client_creation_keeps_the_loop_free(upstream: Upstream) -> None:
    from blockbuster import blockbuster_ctx

    store = make_store(upstream)
    with blockbuster_ctx(["aos_server"]):
        await store.client()  # botocore's files are read in a worker thread
        key = await put(store, b"x")
        assert await read_all(store, key) == b"x"
    await store.close()
