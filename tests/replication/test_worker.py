"""The replication worker in process, against the embedded server as the source: a transfer
left RUNNING by a crashed worker is resumed, and bytes that do not match their revision's hash
never become a replica (ERROR, with both hashes in the text)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from aos_fs.client import AOSClient
from aos_server.app import load_keyring, metadata_store
from aos_server.backends.blobs.local import LocalBlobStore
from aos_server.backends.metadata.base import MetadataStore
from aos_server.backends.metadata.sql_replicas import ReplicaRecord, replicas
from aos_server.replication.peers import Peers
from aos_server.replication.worker import Replicator
from aos_server.services.common import now
from tests.conftest import LiveServer
from tests.factories import unique

from .sites import s3_client


@pytest.fixture
async def meta(live_server: LiveServer) -> AsyncIterator[MetadataStore]:
    dsn = await asyncio.to_thread(lambda: live_server.settings.metadata_dsn)  # resolves a path
    store = metadata_store(dsn, live_server.settings)
    await store.open()
    yield store
    await store.close()


async def rows_for(meta: MetadataStore, object_id: str, endpoint_id: str) -> list[ReplicaRecord]:
    async with meta.read() as s:
        found = await replicas(s).replicas_of_object(object_id)
    return [r for r in found if r.endpoint_id == endpoint_id]


async def until(
    meta: MetadataStore, object_id: str, endpoint_id: str, status: str
) -> ReplicaRecord:
    for _ in range(200):
        rows = await rows_for(meta, object_id, endpoint_id)
        if rows and rows[0].status == status:
            return rows[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {status} replica: {rows}")


@contextlib.asynccontextmanager
async def worker(
    live_server: LiveServer, meta: MetadataStore, endpoint_id: str, credential: str, root: Path
) -> AsyncIterator[LocalBlobStore]:
    keyring = await asyncio.to_thread(load_keyring, live_server.settings)
    master = keyring.derive("blob-keys")
    local = LocalBlobStore(root, master_key=master)
    peers = Peers(meta, endpoint_id, credential)
    replicator = Replicator(meta, local, peers, poll_seconds=0.05, backoff_seconds=0.05)
    task = asyncio.create_task(replicator.forever())
    try:
        yield local
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await peers.close()


def placed_object(live_server: LiveServer, admin: AOSClient, body: bytes) -> tuple[str, str, str]:
    """(object id, endpoint id, credential): an object on the server, queued for a new endpoint."""
    project = admin.create_project(unique("worker"))
    s3_client(live_server.url).put_object(Bucket=project.name, Key="x.bin", Body=body)
    endpoint = admin.create_endpoint(unique("site"))
    admin.place_project(project.id, endpoint.id)
    object_id = admin.resolve(f"{project.name}/x.bin")[-1].id
    return object_id, endpoint.id, endpoint.credential


async def test_a_transfer_left_running_resumes(
    live_server: LiveServer, meta: MetadataStore, tmp_path: Path
) -> None:
    with AOSClient(live_server.url, live_server.admin_token) as admin:
        object_id, endpoint_id, credential = await asyncio.to_thread(
            placed_object, live_server, admin, b"resume me" * 3000
        )
    (row,) = await rows_for(meta, object_id, endpoint_id)
    async with meta.write() as s:  # a worker claimed it, then died: its lease runs for an hour
        assert await replicas(s).claim(row, now(), now() + timedelta(hours=1))
    assert (await rows_for(meta, object_id, endpoint_id))[0].status == "RUNNING"
    async with worker(live_server, meta, endpoint_id, credential, tmp_path) as local:
        done = await until(meta, object_id, endpoint_id, "FINISHED")
        assert done.attempts == 2
        got = b"".join([c async for c in local.open_read(done.blob_key)])
    assert got == b"resume me" * 3000


async def test_bytes_that_do_not_match_never_become_a_replica(
    live_server: LiveServer, meta: MetadataStore, tmp_path: Path
) -> None:
    with AOSClient(live_server.url, live_server.admin_token) as admin:
        object_id, endpoint_id, credential = await asyncio.to_thread(
            placed_object, live_server, admin, b"original bytes" * 2000
        )
    (row,) = await rows_for(meta, object_id, endpoint_id)
    dsn = await asyncio.to_thread(lambda: live_server.settings.blobs_dsn)
    source = Path(dsn.removeprefix("file://"))
    stored = LocalBlobStore(source).path(row.blob_key, sealed=False)
    # Same size, other content (above the inline size, so the bytes are a file).
    await asyncio.to_thread(stored.write_bytes, b"tampered bytes" * 2000)
    async with worker(live_server, meta, endpoint_id, credential, tmp_path) as local:
        failed = await until(meta, object_id, endpoint_id, "ERROR")
        assert "does not match" in failed.error and failed.attempts >= 1
        assert not await local.exists(row.blob_key)
