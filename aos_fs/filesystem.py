"""`AOSFileSystem`: `aos://project/collection/dataset/object` for pandas, xarray, pyarrow, dask.

Hierarchy and metadata go through the JSON API (`AsyncAOSClient`); bytes go through the S3 endpoint
(an inner `s3fs.S3FileSystem` on the same event loop). See docs/fsspec.md for paths, revisions
and options.
"""

from __future__ import annotations

import asyncio
import errno
import mimetypes
import os
import weakref
from typing import Any, ClassVar

from fsspec.asyn import AsyncFileSystem, get_loop, sync_wrapper  # type: ignore[import-untyped]
from fsspec.callbacks import DEFAULT_CALLBACK, Callback  # type: ignore[import-untyped]
from fsspec.utils import tokenize  # type: ignore[import-untyped]

from ._conn import Conn, close, not_found
from ._dirs import DirectoriesMixin
from ._info import Raw
from ._s3 import connect, credentials, is_range_error, s3_error
from ._tree import TreeMixin
from .client import AsyncAOSClient
from .config import load_profile
from .file import AOSFile
from .metadata import MetadataMixin
from .paths import PROTOCOL, AOSPath, strip_protocol

Info = dict[str, Any]
MiB = 1 << 20


class AOSFileSystem(TreeMixin, DirectoriesMixin, MetadataMixin, AsyncFileSystem):  # type: ignore[misc]  # fsspec is untyped
    """fsspec filesystem for AOS-Py (protocol ``aos``).

    Parameters
    ----------
    endpoint_url, token : str, optional
        Server URL and API token; default: ``AOS_URL``/``AOS_TOKEN``, then the profile. (The
        name is not ``url``: fsspec's ``url_to_fs(url, **storage_options)`` takes that one.)
    profile : str, optional
        Profile name in the client config file (``AOS_PROFILE`` or the file's default otherwise).
    key, secret : str, optional
        S3 keys for the data path; by default created once per token through the API.
    block_size : int
        Default block size of files opened for reading and writing (16 MiB).
    max_concurrency : int
        Parallel requests per transfer: parts of uploads, ranges of large reads and downloads.
    listings_expiry_time : float or None
        Seconds a cached directory listing stays valid (60). ``use_listings_cache=False`` turns
        the cache off. Every write invalidates the listings it touches.
    asynchronous : bool
        Use the coroutine API (``await fs._ls(...)``) on the running loop.
    """

    protocol: ClassVar[tuple[str, ...]] = (PROTOCOL,)
    root_marker = ""
    async_impl = True

    def __init__(
        self,
        *,
        endpoint_url: str | None = None,
        token: str | None = None,
        profile: str | None = None,
        config_path: str | None = None,
        key: str | None = None,
        secret: str | None = None,
        block_size: int = 16 * MiB,
        max_concurrency: int = 8,
        timeout: float = 60.0,
        retries: int = 3,
        s3_options: dict[str, Any] | None = None,
        listings_expiry_time: float | None = 60.0,
        asynchronous: bool = False,
        loop: asyncio.AbstractEventLoop | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            asynchronous=asynchronous,
            loop=loop,
            listings_expiry_time=listings_expiry_time,
            **kwargs,
        )
        self._pid: int = os.getpid()
        resolved = load_profile(profile, url=endpoint_url, token=token, path=config_path)
        self.url = resolved.url
        self.token = resolved.token
        self._keys = (key, secret) if key and secret else None
        self.blocksize = block_size
        self.max_concurrency = max(1, max_concurrency)
        self.timeout = timeout
        self.retries = retries
        self.s3_options = dict(s3_options or {})
        self._conn_: Conn | None = None
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._nodes: dict[str, Raw] = {}  # container path -> resource (ids are stable)

    # -- plumbing -------------------------------------------------------------------------------
    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._pid != os.getpid():  # forked: start over with this process's loop and clients
            self._pid = os.getpid()
            self._conn_ = None
            self._locks = weakref.WeakKeyDictionary()
            if not self.asynchronous:
                self._loop = get_loop()
        return self._loop  # type: ignore[no-any-return]

    def __reduce__(self) -> Any:
        """Pickle the connection (not the loop), so dask workers can rebuild the filesystem."""
        options = {k: v for k, v in self.storage_options.items() if k != "loop"}
        options.setdefault("endpoint_url", self.url)
        if self.token:
            options.setdefault("token", self.token)
        return _rebuild, (type(self), options)

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        return strip_protocol(str(path))

    async def _conn(self) -> Conn:
        loop = asyncio.get_running_loop()
        pid = os.getpid()
        conn = self._conn_
        if conn is not None and conn.loop is loop and conn.pid == pid:
            return conn
        lock = self._locks.setdefault(loop, asyncio.Lock())
        async with lock:
            conn = self._conn_
            if conn is None or conn.loop is not loop or conn.pid != pid:
                api = AsyncAOSClient(
                    self.url, self.token, timeout=self.timeout, retries=self.retries
                )
                keys = self._keys or await credentials(api)
                options = {"max_concurrency": self.max_concurrency, **self.s3_options}
                s3 = await connect(self.url, keys, loop=loop, options=options)
                conn = self._conn_ = Conn(loop, pid, api, s3)
                # Closed when the filesystem is collected; not at interpreter exit, when the
                # loops are stopping (a task scheduled then never runs, and the warning about
                # it can deadlock the shutdown on the import lock).
                weakref.finalize(self, close, conn).atexit = False
        return conn

    async def _s3_call(self, method: str, **kwargs: Any) -> Any:
        return await (await self._conn()).s3._call_s3(method, **kwargs)

    def _parse(self, path: str, **kwargs: Any) -> AOSPath:
        return AOSPath.parse(
            path, revision=kwargs.get("revision"), version_id=kwargs.get("version_id")
        )

    # -- reading --------------------------------------------------------------------------------
    async def _cat_file(
        self, path: str, start: int | None = None, end: int | None = None, **kwargs: Any
    ) -> bytes:
        p = self._parse(path, **kwargs)
        version_id = await self._version_for(p)
        if (start is not None and start < 0) or (end is not None and end < 0):
            size = (await self._info(str(p), refresh=True))["size"]
            start = max(0, size + start) if start is not None and start < 0 else start
            end = max(0, size + end) if end is not None and end < 0 else end
        return await self._read_range(p, version_id, start, end)

    async def _read_range(
        self, p: AOSPath, version_id: str | None, start: int | None, end: int | None
    ) -> bytes:
        """Bytes `[start, end)` of `p`; past the end: `b""`. Large ranges go in parallel parts."""
        start = start or 0
        if end is not None and end <= start:
            return b""
        part = max(8 * MiB, self.blocksize)
        if end is not None and end - start > 2 * part and self.max_concurrency > 1:
            limit = asyncio.Semaphore(self.max_concurrency)

            async def one(a: int) -> bytes:
                async with limit:
                    return await self._get_range(p, version_id, a, min(a + part, end))

            return b"".join(await asyncio.gather(*(one(a) for a in range(start, end, part))))
        return await self._get_range(p, version_id, start, end)

    async def _get_range(
        self, p: AOSPath, version_id: str | None, start: int, end: int | None
    ) -> bytes:
        extra: dict[str, str] = {"VersionId": version_id} if version_id else {}
        if start or end is not None:
            extra["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            resp = await self._s3_call("get_object", Bucket=p.project, Key=p.key, **extra)
            try:
                return await resp["Body"].read()  # type: ignore[no-any-return]
            finally:
                resp["Body"].close()
        except OSError as exc:
            if is_range_error(exc):
                return b""
            raise await self._read_error(p, exc) from exc

    async def _read_error(self, p: AOSPath, exc: OSError) -> OSError:
        if isinstance(exc, FileNotFoundError):
            try:
                info = await self._info(p.plain, refresh=True)
            except FileNotFoundError:
                return not_found(p)
            if info["type"] == "directory":
                return IsADirectoryError(errno.EISDIR, f"aos://{p} is a directory")
            return not_found(p, str(exc))
        return exc

    async def _get_file(
        self, rpath: str, lpath: str, callback: Callback = DEFAULT_CALLBACK, **kwargs: Any
    ) -> None:
        if await asyncio.to_thread(os.path.isdir, lpath):
            return
        p = self._parse(rpath, **kwargs)
        info = await self._info(str(p), refresh=True)
        if info["type"] != "file":
            raise IsADirectoryError(errno.EISDIR, f"aos://{p} is a directory")
        s3 = (await self._conn()).s3
        await s3._get_file(
            f"{p.project}/{p.key}", lpath, callback=callback, version_id=info["version_id"]
        )

    def _open(
        self,
        path: str,
        mode: str = "rb",
        block_size: int | None = None,
        autocommit: bool = True,
        cache_type: str = "readahead",
        cache_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> AOSFile:
        p = self._parse(path, **kwargs)
        options: dict[str, Any] = {
            "block_size": block_size or self.blocksize,
            "autocommit": autocommit,
            "cache_type": cache_type,
            "cache_options": cache_options,
            "max_concurrency": self.max_concurrency,
        }
        if "r" in mode:
            info = self.info(str(p), refresh=True)  # pin the revision that is current now
            if info["type"] != "file":
                raise IsADirectoryError(errno.EISDIR, f"aos://{p} is a directory")
            return AOSFile(self, str(p), mode, size=info["size"], details=info, **options)
        self._check_writable(p)
        prefill = b""
        if mode == "xb" and self.exists(p.plain):
            raise FileExistsError(errno.EEXIST, f"aos://{p} exists (mode 'xb')")
        if mode == "ab" and self.exists(p.plain):
            prefill = self.cat_file(p.plain)
        return AOSFile(
            self, p.plain, mode, s3_kwargs=self._put_kwargs(p, kwargs), prefill=prefill, **options
        )

    # -- writing --------------------------------------------------------------------------------
    @staticmethod
    def _check_writable(p: AOSPath) -> None:
        if p.pinned:
            raise PermissionError(
                errno.EROFS, f"aos://{p}: revisions are immutable; write to aos://{p.plain}"
            )
        if not p.key:
            raise IsADirectoryError(errno.EISDIR, f"aos://{p} is a project; write below it")

    @staticmethod
    def _put_kwargs(p: AOSPath, kwargs: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        content_type = kwargs.get("content_type") or mimetypes.guess_type(p.key)[0]
        if content_type:
            out["ContentType"] = content_type
        if kwargs.get("metadata"):
            out["Metadata"] = {str(k): str(v) for k, v in kwargs["metadata"].items()}
        return out

    async def _write_error(self, p: AOSPath, exc: OSError) -> OSError:
        if s3_error(exc) not in ("InvalidRequest", "OperationAborted", "InvalidArgument"):
            return exc
        try:
            info = await self._info(p.plain, refresh=True)
        except FileNotFoundError:
            info = None
        if info is not None and info["type"] == "directory":
            return IsADirectoryError(errno.EISDIR, f"aos://{p} is a {info['kind'].lower()}")
        parent = p.plain
        while "/" in parent:
            parent = parent.rsplit("/", 1)[0]
            try:
                if (await self._info(parent, refresh=True))["type"] == "file":
                    return NotADirectoryError(errno.ENOTDIR, f"aos://{parent} is a file")
            except FileNotFoundError:
                continue
        return exc

    async def _pipe_file(
        self, path: str, value: bytes, mode: str = "overwrite", **kwargs: Any
    ) -> None:
        p = self._parse(path)
        self._check_writable(p)
        if mode == "create" and await self._exists(p.plain):
            raise FileExistsError(errno.EEXIST, f"aos://{p} exists (mode='create')")
        s3 = (await self._conn()).s3
        try:
            # mode="create" also sends If-None-Match: * — the server refuses atomically when
            # another writer got there between the check above and this write.
            await s3._pipe_file(
                f"{p.project}/{p.key}",
                value,
                chunksize=max(self.blocksize, 8 * MiB),
                max_concurrency=self.max_concurrency,
                mode=mode,
                **self._put_kwargs(p, kwargs),
            )
        except OSError as exc:
            raise await self._write_error(p, exc) from exc
        finally:
            self.invalidate_cache(p.plain)

    async def _put_file(
        self,
        lpath: str,
        rpath: str,
        callback: Callback = DEFAULT_CALLBACK,
        mode: str = "overwrite",
        **kwargs: Any,
    ) -> None:
        if await asyncio.to_thread(os.path.isdir, lpath):
            await self._makedirs(rpath, exist_ok=True)
            return
        p = self._parse(rpath)
        self._check_writable(p)
        if mode == "create" and await self._exists(p.plain):
            raise FileExistsError(errno.EEXIST, f"aos://{p} exists (mode='create')")
        s3 = (await self._conn()).s3
        try:
            await s3._put_file(
                lpath,
                f"{p.project}/{p.key}",
                callback=callback,
                max_concurrency=self.max_concurrency,
                mode=mode,
                **self._put_kwargs(p, kwargs),
            )
        except OSError as exc:
            raise await self._write_error(p, exc) from exc
        finally:
            self.invalidate_cache(p.plain)

    async def _cp_file(self, path1: str, path2: str, **kwargs: Any) -> None:
        src = self._parse(path1, **kwargs)
        dst = self._parse(path2)
        info = await self._info(str(src), refresh=True)
        if info["type"] == "directory":
            await self._makedirs(dst.plain, exist_ok=True)
            return
        self._check_writable(dst)
        try:
            if info["size"] <= 5 * 1024 * MiB:
                await self._s3_call(  # server-side copy: the new revision shares the blob
                    "copy_object",
                    Bucket=dst.project,
                    Key=dst.key,
                    CopySource={
                        "Bucket": src.project,
                        "Key": src.key,
                        "VersionId": info["version_id"],
                    },
                )
            else:
                s3 = (await self._conn()).s3
                await s3._copy_managed(
                    f"{src.project}/{src.key}?versionId={info['version_id']}",
                    f"{dst.project}/{dst.key}",
                    info["size"],
                )
        except OSError as exc:
            raise await self._write_error(dst, exc) from exc
        finally:
            self.invalidate_cache(dst.plain)

    # -- identity -------------------------------------------------------------------------------
    async def _sign(self, path: str, expiration: int = 3600, **kwargs: Any) -> str:
        p = self._parse(path, **kwargs)
        conn = await self._conn()
        # Signed by the server, so its maximum expiry and permission checks apply to pinned
        # revisions as well.
        version_id = await self._version_for(p) if p.pinned else None
        signed = await conn.api.presign(p.plain, expires_in=int(expiration), version_id=version_id)
        return str(signed["url"])

    sign = sync_wrapper(_sign)

    def ukey(self, path: str) -> str:
        """Changes whenever the object gets a new revision."""
        info = self.info(path, refresh=True)
        return str(info.get("version_id") or tokenize(info))

    def checksum(self, path: str) -> int:
        """The content's SHA-256 (MD5 for older revisions) as an int; changes with the content."""
        info = self.info(path, refresh=True)
        digest = info.get("sha256") or info.get("md5")
        return int(digest, 16) if digest else int(tokenize(info), 16)

    def modified(self, path: str) -> Any:
        return self.info(path, refresh=True)["mtime"]

    def created(self, path: str) -> Any:
        return self.info(path, refresh=True)["created"]


def _rebuild(cls: type[AOSFileSystem], options: dict[str, Any]) -> AOSFileSystem:
    return cls(**options)
