"""How the filesystem lives in a program: coroutines, threads, forked and spawned processes."""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
from concurrent.futures import ThreadPoolExecutor

import pytest

from aos_fs import AOSFileSystem
from tests.conftest import LiveServer
from tests.factories import payload


def test_asynchronous_api(live_server: LiveServer, project: str) -> None:
    async def main() -> tuple[bytes, list[str], bool]:
        fs = AOSFileSystem(
            endpoint_url=live_server.url,
            token=live_server.admin_token,
            asynchronous=True,
            skip_instance_cache=True,
        )
        await fs._pipe_file(f"{project}/c/d/a.txt", b"async")
        data = await fs._cat_file(f"{project}/c/d/a.txt")
        names = await fs._ls(f"{project}/c/d", detail=False)
        exists = await fs._exists(f"{project}/c/d/a.txt")
        return data, names, exists

    assert asyncio.run(main()) == (b"async", [f"{project}/c/d/a.txt"], True)


def test_one_instance_many_threads(aosfs: AOSFileSystem, project: str) -> None:
    blobs = {f"{project}/c/d/t{i}.bin": payload(50_000 + i, seed=i) for i in range(16)}

    def roundtrip(item: tuple[str, bytes]) -> bool:
        path, data = item
        aosfs.pipe(path, data)
        return aosfs.cat(path) == data and aosfs.info(path)["size"] == len(data)

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(roundtrip, blobs.items()))
    assert sorted(aosfs.ls(f"{project}/c/d", detail=False)) == sorted(blobs)


def _child_reads(fs: AOSFileSystem, path: str, queue: multiprocessing.Queue[bytes]) -> None:
    queue.put(fs.cat(path))


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_usable_in_child_processes(aosfs: AOSFileSystem, project: str, method: str) -> None:
    path = f"{project}/c/d/proc.txt"
    aosfs.pipe(path, b"from the parent")
    aosfs.ls(f"{project}/c/d")  # the parent has live connections and a cache when it forks
    ctx = multiprocessing.get_context(method)
    queue: multiprocessing.Queue[bytes] = ctx.Queue()
    proc = ctx.Process(target=_child_reads, args=(aosfs, path, queue))
    proc.start()
    try:
        assert queue.get(timeout=60) == b"from the parent"
    finally:
        proc.join(30)
    assert proc.exitcode == 0
    assert aosfs.cat(path) == b"from the parent"  # the parent's connections still work


def test_pickle_keeps_options_not_the_loop(live_server: LiveServer) -> None:
    fs = AOSFileSystem(
        endpoint_url=live_server.url,
        token=live_server.admin_token,
        block_size=8 << 20,
        skip_instance_cache=True,
    )
    clone = pickle.loads(pickle.dumps(fs))  # noqa: S301 - our own object
    assert (clone.url, clone.blocksize) == (fs.url, 8 << 20)
    assert clone.ls("", detail=False) == fs.ls("", detail=False)
