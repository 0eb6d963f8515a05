"""`aos://` against a real server: layout, info, revisions, reads, writes, errors, caching."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from fsspec.callbacks import TqdmCallback

from aos_fs import AOSClient, AOSFileSystem, AOSPath
from tests.conftest import LiveServer
from tests.factories import make_user, payload, unique

MiB = 1 << 20


@pytest.mark.parametrize(
    ("text", "project", "key", "revision", "version_id"),
    [
        pytest.param("aos://p/c/d/f.csv", "p", "c/d/f.csv", None, None, id="plain"),
        pytest.param("aos://p/c/f.csv@3", "p", "c/f.csv", 3, None, id="revision"),
        pytest.param(
            "p/f@01J0000000000000000000000A", "p", "f", None, "01J0000000000000000000000A", id="vid"
        ),
        pytest.param("p/a@b/mail@host.txt", "p", "a@b/mail@host.txt", None, None, id="other-at"),
        pytest.param("aos://p/", "p", "", None, None, id="project"),
    ],
)
def test_path_parse_round_trip(
    text: str, project: str, key: str, revision: int | None, version_id: str | None
) -> None:
    p = AOSPath.parse(text)
    assert (p.project, p.key, p.revision, p.version_id) == (project, key, revision, version_id)
    assert AOSPath.parse(str(p)) == p


def test_path_parse_refuses_conflicts() -> None:
    with pytest.raises(ValueError, match="pins revision 3"):
        AOSPath.parse("p/f@3", revision=4)
    with pytest.raises(ValueError, match="only objects"):
        AOSPath.parse("p@3")
    assert AOSPath.parse("p/f@3", revision=3).revision == 3


def test_layout_listing_and_info(aosfs: AOSFileSystem, project: str) -> None:
    aosfs.mkdir(f"{project}/raw")  # one level below the project: a collection
    aosfs.mkdir(f"{project}/raw/run1")  # two levels: a dataset
    aosfs.mkdir(f"{project}/flat", kind="dataset")  # a dataset directly in the project
    aosfs.pipe(f"{project}/raw/run1/table.csv", b"a,b\n1,2\n")
    aosfs.pipe(f"{project}/raw/run1/img/0/a.png", b"png")
    aosfs.pipe(f"{project}/new/ds/x.bin", b"x")  # missing collection and dataset are created

    assert aosfs.ls(project, detail=False) == [
        f"{project}/flat",
        f"{project}/new",
        f"{project}/raw",
    ]
    kinds = {e["name"].rsplit("/", 1)[-1]: e["kind"] for e in aosfs.ls(project)}
    assert kinds == {"flat": "DATASET", "new": "COLLECTION", "raw": "COLLECTION"}
    entries = {e["name"]: e for e in aosfs.ls(f"{project}/raw/run1")}
    assert entries[f"{project}/raw/run1/img"]["kind"] == "PREFIX"
    assert entries[f"{project}/raw/run1/img"]["type"] == "directory"
    table = entries[f"{project}/raw/run1/table.csv"]
    assert table["type"] == "file"
    assert table["size"] == 8
    assert table["md5"] == hashlib.md5(b"a,b\n1,2\n").hexdigest()  # noqa: S324 - S3's ETag hash
    assert table["sha256"] == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert table["ETag"] == f'"{table["md5"]}"'
    assert table["revision"] == 1
    assert table["version_id"]
    assert table["content_type"] == "text/csv"
    assert isinstance(table["created"], datetime)
    assert isinstance(table["mtime"], datetime)
    assert table["data_class"] == "PRIVATE"
    assert aosfs.info(f"{project}/raw/run1/table.csv") == table | {
        "name": f"{project}/raw/run1/table.csv"
    }
    assert project in aosfs.ls("", detail=False)

    assert aosfs.isdir(f"{project}/raw/run1/img/") and aosfs.isdir(f"{project}/raw/run1/img/0")
    assert aosfs.isfile(f"{project}/raw/run1/img/0/a.png")
    assert not aosfs.exists(f"{project}/raw/run1/img/1")
    assert not aosfs.exists(f"{project}/nothing/here")
    assert aosfs.find(project) == [
        f"{project}/new/ds/x.bin",
        f"{project}/raw/run1/img/0/a.png",
        f"{project}/raw/run1/table.csv",
    ]
    assert f"{project}/raw/run1/img/0" in aosfs.find(project, withdirs=True)
    assert aosfs.glob(f"{project}/**/*.csv") == [f"{project}/raw/run1/table.csv"]
    assert aosfs.glob(f"{project}/raw/*/img/*") == [f"{project}/raw/run1/img/0"]
    assert aosfs.du(project) == 8 + 3 + 1
    walked = {root: sorted(files) for root, _, files in aosfs.walk(f"{project}/raw")}
    assert walked[f"{project}/raw/run1"] == ["table.csv"]
    assert walked[f"{project}/raw/run1/img/0"] == ["a.png"]


def test_object_names_with_slashes_above_datasets_are_listed(
    aosfs: AOSFileSystem, project: str, live_server: LiveServer
) -> None:
    # The API may put an object named "a/b.txt" directly in a project: S3 lists it as key
    # a/b.txt, and so does aos://, merged with a collection "a" if there is one.
    with AOSClient(live_server.url, live_server.admin_token) as api:
        proj = api.resolve_one(project)
        api.create_object(proj.id, "a/b.txt")
    aosfs.pipe(f"{project}/a/ds/c.txt", b"c")
    assert aosfs.ls(f"{project}/a", detail=False) == [f"{project}/a/b.txt", f"{project}/a/ds"]
    assert set(aosfs.find(project)) == {f"{project}/a/b.txt", f"{project}/a/ds/c.txt"}


def test_revisions(aosfs: AOSFileSystem, project: str) -> None:
    path = f"{project}/c/d/f.csv"
    aosfs.pipe(path, b"one")
    first = aosfs.info(path)
    ukey, checksum = aosfs.ukey(path), aosfs.checksum(path)
    aosfs.pipe(path, b"two!")  # writing an existing path makes a new revision
    assert aosfs.cat(path) == b"two!"
    assert aosfs.cat(f"{path}@1") == b"one"
    assert aosfs.cat(f"aos://{path}@{first['version_id']}") == b"one"
    assert aosfs.cat_file(path, version_id=first["version_id"]) == b"one"
    assert aosfs.cat_file(path, revision=1, start=1) == b"ne"
    pinned = aosfs.info(f"{path}@1")
    assert pinned["name"] == f"{path}@1"
    assert (pinned["size"], pinned["revision"], pinned["latest"]) == (3, 1, False)
    assert aosfs.ls(f"{path}@1", detail=False) == [f"{path}@1"]
    with aosfs.open(f"{path}@1") as f:
        assert f.read() == b"one"
    assert aosfs.ukey(path) != ukey
    assert aosfs.checksum(path) != checksum
    assert aosfs.checksum(f"{path}@1") == checksum
    assert isinstance(aosfs.modified(path), datetime)
    versions = aosfs.versions(path)
    assert [v["name"] for v in versions] == [f"{path}@1", f"{path}@2"]
    assert [v["size"] for v in versions] == [3, 4]
    with pytest.raises(FileNotFoundError, match="no revision 7"):
        aosfs.cat(f"{path}@7")
    with pytest.raises(PermissionError, match="immutable"):
        aosfs.pipe(f"{path}@1", b"x")


def test_reads_ranges_and_files(aosfs: AOSFileSystem, project: str) -> None:
    data = payload(12 * MiB + 7, seed=3)
    path = f"{project}/c/d/big.bin"
    with aosfs.open(path, "wb", block_size=5 * MiB) as f:  # multipart, parts in parallel
        for i in range(0, len(data), MiB):
            f.write(data[i : i + MiB])
    assert aosfs.info(path)["size"] == len(data)
    assert aosfs.cat_file(path, start=5, end=10) == data[5:10]
    assert aosfs.cat_file(path, start=-4) == data[-4:]
    assert aosfs.cat_file(path, start=len(data) + 10) == b""  # past the end
    assert aosfs.cat_file(path, start=len(data) - 2, end=len(data) + 100) == data[-2:]
    assert aosfs.cat_file(path, start=0, end=len(data)) == data  # parallel ranged parts
    assert aosfs.cat_ranges([path, path], [0, MiB], [3, MiB + 3]) == [data[:3], data[MiB : MiB + 3]]
    with aosfs.open(path, "rb", block_size=MiB) as f:
        assert f.seekable()
        f.seek(7 * MiB)
        assert f.read(100) == data[7 * MiB : 7 * MiB + 100]
        f.seek(-3, 2)
        assert f.read() == data[-3:]
        assert f.read() == b""
    aosfs.pipe(f"{project}/c/d/empty", b"")
    assert aosfs.cat(f"{project}/c/d/empty") == b""


def test_failed_or_pending_writes_publish_nothing(aosfs: AOSFileSystem, project: str) -> None:
    path = f"{project}/c/d/partial.bin"

    def failing_producer() -> None:
        with aosfs.open(path, "wb", block_size=5 * MiB) as f:
            f.write(payload(6 * MiB))  # one part is already uploaded
            raise RuntimeError("the producer failed")

    with pytest.raises(RuntimeError):
        failing_producer()
    assert not aosfs.exists(path)
    with aosfs.transaction:
        aosfs.pipe(f"{project}/c/d/marker", b"m")
        with aosfs.open(path, "wb") as f:
            f.write(b"staged")
        assert not aosfs.exists(path)  # committed when the transaction ends
    assert aosfs.cat(path) == b"staged"


def test_open_pins_the_revision_it_started_with(aosfs: AOSFileSystem, project: str) -> None:
    path = f"{project}/c/d/moving.bin"
    aosfs.pipe(path, b"a" * 1000)
    with aosfs.open(path, "rb", block_size=100, cache_type="none") as f:
        assert f.read(10) == b"a" * 10
        aosfs.pipe(path, b"b" * 10)  # a writer replaces the object meanwhile
        assert f.read() == b"a" * 990  # the reader still sees its revision, whole
    assert aosfs.cat(path) == b"b" * 10


def test_put_get_copy_with_progress(aosfs: AOSFileSystem, project: str, tmp_path: Path) -> None:
    src = tmp_path / "up.bin"
    src.write_bytes(payload(3 * MiB, seed=5))
    progress = TqdmCallback(tqdm_kwargs={"disable": True})
    aosfs.put_file(str(src), f"{project}/c/d/up.bin", callback=progress)
    assert progress.size == 3 * MiB and progress.value == 3 * MiB
    got = tmp_path / "down.bin"
    progress = TqdmCallback(tqdm_kwargs={"disable": True})
    aosfs.get_file(f"{project}/c/d/up.bin", str(got), callback=progress)
    assert got.read_bytes() == src.read_bytes()
    assert progress.value == 3 * MiB
    aosfs.cp_file(f"{project}/c/d/up.bin", f"{project}/c/e/copy.bin")  # server-side
    copy = aosfs.info(f"{project}/c/e/copy.bin")
    assert copy["md5"] == aosfs.info(f"{project}/c/d/up.bin")["md5"]
    assert copy["id"] != aosfs.info(f"{project}/c/d/up.bin")["id"]
    aosfs.get(f"{project}/c/d/up.bin@1", str(tmp_path / "pinned.bin"))
    assert (tmp_path / "pinned.bin").read_bytes() == src.read_bytes()


def test_errors_are_builtin_exceptions(
    aosfs: AOSFileSystem, project: str, live_server: LiveServer
) -> None:
    aosfs.pipe(f"{project}/c/d/f.txt", b"f")
    with pytest.raises(FileNotFoundError, match=rf"aos://{project}/c/d/nope"):
        aosfs.cat(f"{project}/c/d/nope")
    with pytest.raises(FileNotFoundError, match="no project"):
        aosfs.info(f"{unique('none')}/x")
    with pytest.raises(IsADirectoryError):
        aosfs.open(f"{project}/c/d")
    with pytest.raises(IsADirectoryError):
        aosfs.cat_file(f"{project}/c")
    with pytest.raises(IsADirectoryError):
        aosfs.pipe(f"{project}/c", b"x")
    with pytest.raises(IsADirectoryError):
        aosfs.pipe(project, b"x")
    aosfs.pipe(f"{project}/top.txt", b"t")
    with pytest.raises(NotADirectoryError):
        aosfs.mkdir(f"{project}/top.txt/sub")
    with pytest.raises(FileExistsError):
        aosfs.mkdir(f"{project}/c")
    aosfs.makedirs(f"{project}/c/d", exist_ok=True)
    with pytest.raises(FileExistsError):
        aosfs.pipe_file(f"{project}/c/d/f.txt", b"again", mode="create")
    with pytest.raises(FileExistsError):
        aosfs.open(f"{project}/c/d/f.txt", "xb")
    with pytest.raises(OSError, match="not empty"):
        aosfs.rmdir(f"{project}/c/d")

    with AOSClient(live_server.url, live_server.admin_token) as admin:
        _, stranger = make_user(admin)
        other = AOSFileSystem(
            endpoint_url=live_server.url, token=stranger._token, skip_instance_cache=True
        )
        with pytest.raises(PermissionError):
            other.cat(f"{project}/c/d/f.txt")
        with pytest.raises(PermissionError):
            other.pipe(f"{project}/c/d/g.txt", b"g")
        stranger.close()


def test_listing_cache_invalidation(
    aosfs: AOSFileSystem, project: str, live_server: LiveServer
) -> None:
    base = f"{project}/c/d"
    aosfs.pipe(f"{base}/a", b"a")
    assert aosfs.ls(base, detail=False) == [f"{base}/a"]
    aosfs.pipe(f"{base}/b", b"b")  # every write drops the listings it touches
    assert aosfs.ls(base, detail=False) == [f"{base}/a", f"{base}/b"]
    aosfs.cp_file(f"{base}/a", f"{base}/c")
    assert len(aosfs.ls(base)) == 3
    aosfs.rm(f"{base}/b")
    assert aosfs.ls(base, detail=False) == [f"{base}/a", f"{base}/c"]
    with aosfs.open(f"{base}/sub/x", "wb") as f:
        f.write(b"x")
    assert f"{base}/sub" in aosfs.ls(base, detail=False)

    other = AOSFileSystem(
        endpoint_url=live_server.url, token=live_server.admin_token, skip_instance_cache=True
    )
    other.pipe(f"{base}/from-elsewhere", b"e")  # another process writes
    assert f"{base}/from-elsewhere" not in aosfs.ls(base, detail=False)  # cached listing
    # ... but a path missing from a cached listing is checked with the server, not refused
    assert aosfs.cat(f"{base}/from-elsewhere") == b"e"
    assert aosfs.info(f"{base}/from-elsewhere")["size"] == 1
    assert f"{base}/from-elsewhere" in aosfs.ls(base, detail=False, refresh=True)
    uncached = AOSFileSystem(
        endpoint_url=live_server.url,
        token=live_server.admin_token,
        use_listings_cache=False,
        skip_instance_cache=True,
    )
    uncached.ls(base)
    assert not uncached.dircache


def test_rm_is_a_soft_delete(aosfs: AOSFileSystem, project: str, live_server: LiveServer) -> None:
    aosfs.pipe(f"{project}/c/d/keep.txt", b"k")
    aosfs.pipe(f"{project}/c/d/gone.txt", b"g")
    gone_id = aosfs.info(f"{project}/c/d/gone.txt")["id"]
    aosfs.rm(f"{project}/c/d/gone.txt")
    assert not aosfs.exists(f"{project}/c/d/gone.txt")
    with AOSClient(live_server.url, live_server.admin_token) as api:
        assert api.get(gone_id).status == "DELETED"
        api.restore(gone_id)  # recoverable until purged
    assert aosfs.cat(f"{project}/c/d/gone.txt") == b"g"
    with pytest.raises(PermissionError, match="revisions are kept"):
        aosfs.rm(f"{project}/c/d/keep.txt@1")
    aosfs.rm(f"{project}/c", recursive=True)
    assert aosfs.ls(project) == []


def test_sign_gives_working_urls(aosfs: AOSFileSystem, project: str) -> None:
    path = f"{project}/c/d/s.txt"
    aosfs.pipe(path, b"first")
    aosfs.pipe(path, b"second")
    assert httpx.get(aosfs.sign(path, expiration=60)).content == b"second"
    assert httpx.get(aosfs.sign(f"{path}@1", expiration=60)).content == b"first"
    # Pinned revisions are signed by the server too: its maximum expiry holds for them.
    with pytest.raises(ValueError, match="expires_in"):
        aosfs.sign(f"{path}@1", expiration=10**9)


def test_metadata_helpers(aosfs: AOSFileSystem, project: str) -> None:
    path = f"{project}/c/d/m.csv"
    aosfs.pipe(path, b"m")
    meta = aosfs.set_metadata(path, title="Measurements", description="Run 1", license="CC-BY-4.0")
    assert (meta["title"], meta["description"], meta["data_license"]) == (
        "Measurements",
        "Run 1",
        "CC-BY-4.0",
    )
    assert aosfs.metadata(f"{project}/c")["kind"] == "COLLECTION"
    assert aosfs.set_key_values(path, {"instrument": "x1", "temp": "20"}) == {
        "instrument": "x1",
        "temp": "20",
    }
    assert aosfs.set_key_values(path, {"temp": "21"}, remove=["instrument"]) == {"temp": "21"}
    assert aosfs.getxattr(path, "temp") == "21"
    aosfs.setxattr(path, run="7")
    assert aosfs.info(path)["key_values"] == {"temp": "21", "run": "7"}
    aosfs.set_metadata(f"{project}/c/d", title="Dataset D")
    assert aosfs.info(f"{project}/c/d")["title"] == "Dataset D"
    aosfs.pipe(f"{project}/c/d/sub/x", b"x")
    with pytest.raises(ValueError, match="prefix of object names"):
        aosfs.metadata(f"{project}/c/d/sub")


async def test_exclusive_create_is_atomic(live_server: LiveServer, project: str) -> None:
    """Many writers race to create one path with mode="create": exactly one wins, the others
    get FileExistsError (the server checks If-None-Match inside the committing transaction)."""
    import asyncio

    fs = AOSFileSystem(
        endpoint_url=live_server.url,
        token=live_server.admin_token,
        asynchronous=True,
        skip_instance_cache=True,
    )
    path = f"aos://{project}/c/d/race.bin"

    async def write(n: int) -> bytes:
        data = f"writer {n}".encode()
        # Skip the early existence check, so only the server can refuse.
        conn = await fs._conn()
        await conn.s3._pipe_file(f"{project}/c/d/race.bin", data, mode="create")
        return data

    results = await asyncio.gather(*(write(n) for n in range(8)), return_exceptions=True)
    winners = [r for r in results if isinstance(r, bytes)]
    assert len(winners) == 1, results
    assert all(isinstance(r, FileExistsError) for r in results if not isinstance(r, bytes))
    assert await fs._cat_file(path) == winners[0]
    with pytest.raises(FileExistsError):
        await fs._pipe_file(path, b"again", mode="create")


def test_xb_refuses_a_path_created_meanwhile(aosfs: AOSFileSystem, project: str) -> None:
    path = f"{project}/c/d/xb.bin"
    with aosfs.open(path, "xb") as f:
        f.write(b"mine")
        aosfs.pipe(path, b"someone else's")  # created between open() and the commit
        with pytest.raises(FileExistsError):
            f.close()
    assert aosfs.cat(path) == b"someone else's"
