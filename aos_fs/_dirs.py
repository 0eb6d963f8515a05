"""Directories: `mkdir` creates projects, collections and datasets; `rm` soft-deletes.

Below a dataset, directories are `/`-prefixes of object names: they exist while objects are in
them, so `mkdir` there does nothing and they vanish with their last object.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from fsspec.asyn import sync_wrapper  # type: ignore[import-untyped]

from . import _api, _info
from ._conn import not_found
from ._info import Raw
from .paths import AOSPath

if TYPE_CHECKING:
    from ._conn import Conn

Info = dict[str, Any]


class DirectoriesMixin:
    """`_mkdir`, `_makedirs`, `_rmdir`, `_rm` and cache invalidation for `AOSFileSystem`."""

    if TYPE_CHECKING:
        _nodes: dict[str, Raw]
        dircache: Any

        async def _conn(self) -> Conn: ...
        def _parse(self, path: str, **kwargs: Any) -> AOSPath: ...
        def _parent(self, path: str) -> str: ...
        def _strip_protocol(self, path: Any) -> Any: ...

        async def _info(self, path: str, refresh: bool = False, **kwargs: Any) -> Info: ...
        async def _find(self, path: str, **kwargs: Any) -> Any: ...
        async def _glob(self, path: str, **kwargs: Any) -> Any: ...
        async def _containers(self, p: AOSPath) -> list[Raw]: ...
        async def _s3_call(self, method: str, **kwargs: Any) -> Any: ...

    # -- directories ----------------------------------------------------------------------------
    async def _mkdir(
        self, path: str, create_parents: bool = True, kind: str | None = None, **fields: Any
    ) -> None:
        await self._make_containers(path, create_parents, False, kind, fields)

    async def _makedirs(self, path: str, exist_ok: bool = False) -> None:
        await self._make_containers(path, True, exist_ok, None, {})

    async def _make_containers(
        self,
        path: str,
        create_parents: bool,
        exist_ok: bool,
        kind: str | None,
        fields: dict[str, Any],
    ) -> None:
        """Create the project, collection and dataset levels of `path` (DESIGN §3).

        Below a dataset, directories are `/`-prefixes of object names: they exist while objects
        are in them, so creating one does nothing.
        """
        p = self._parse(path)
        if p.pinned or not p.project:
            raise ValueError(f"aos://{p} cannot be a directory")
        api = (await self._conn()).api
        segs = p.segments
        try:
            chain = await self._containers(p)
        except FileNotFoundError:
            chain = []
        if len(chain) == len(segs):
            if not exist_ok:
                raise FileExistsError(errno.EEXIST, f"aos://{p} exists")
            return
        missing = segs[len(chain) :]
        creatable = [s for i, s in enumerate(missing) if len(chain) + i < 3]
        if chain and chain[-1]["kind"] == "DATASET":
            return  # a pseudo-directory inside object names
        if len(creatable) > 1 and not create_parents:
            raise not_found("/".join(segs[:-1]), "parent missing; pass create_parents=True")
        for i, name in enumerate(missing):
            parent = chain[-1] if chain else None
            last = i == len(missing) - 1
            extra = fields if last else {}
            try:
                if parent is None:
                    node = await api.create_project(name, **extra)
                elif parent["kind"] == "PROJECT" and not (last and kind == "dataset"):
                    node = await api.create_collection(parent["id"], name, **extra)
                elif parent["kind"] in ("PROJECT", "COLLECTION"):
                    node = await api.create_dataset(parent["id"], name, **extra)
                else:
                    break
            except FileExistsError as exc:
                # Someone made it meanwhile (a concurrent write creates containers too).
                here = "/".join(segs[: len(chain) + 1])
                parent_id = parent["id"] if parent else None
                raw = await _api.child(api, parent_id, name) if parent_id else None
                if parent is None:
                    found = await _api.resolve(api, name)
                    raw = found[-1] if found else None
                if raw is None or raw["kind"] == "OBJECT":
                    if last and raw is not None:
                        raise FileExistsError(errno.EEXIST, f"aos://{here} is a file") from exc
                    raise NotADirectoryError(errno.ENOTDIR, f"aos://{here} is a file") from exc
                if last and not exist_ok:
                    raise FileExistsError(errno.EEXIST, f"aos://{here} exists") from exc
            else:
                raw = node.model_dump(mode="json")
            here = "/".join(segs[: len(chain) + 1])
            self._nodes[here] = raw
            chain.append(raw)
            self.invalidate_cache(here)

    async def _rmdir(self, path: str) -> None:
        p = self._parse(path)
        info = await self._info(p.plain, refresh=True)
        if info["type"] != "directory":
            raise NotADirectoryError(errno.ENOTDIR, f"aos://{p} is a file")
        if info["kind"] == "PREFIX":
            raise OSError(errno.ENOTEMPTY, f"aos://{p} is not empty")
        api = (await self._conn()).api
        items, _ = await _api.children_page(api, info["id"], limit=1)
        if items:
            raise OSError(errno.ENOTEMPTY, f"aos://{p} is not empty")
        await api.delete(info["id"])
        self.invalidate_cache(p.plain)

    rmdir = sync_wrapper(_rmdir)

    async def _rm(
        self,
        path: str | list[str],
        recursive: bool = False,
        maxdepth: int | None = None,
        **kwargs: Any,
    ) -> None:
        """Soft-delete objects (S3 DeleteObjects, 1,000 a request) and containers (the API).

        A deleted container takes everything below it along (recoverable by admins until
        purged). Without `recursive`, only empty containers are removed.
        """
        targets = await self._targets(path, recursive, maxdepth)
        conn = await self._conn()
        containers = sorted(n for n, i in targets.items() if i.get("kind") in _info.CONTAINERS)
        tops: list[str] = []
        for name in containers:
            if not any(name.startswith(t + "/") for t in tops):
                tops.append(name)
        for name in tops:
            if not recursive:
                items, _ = await _api.children_page(conn.api, targets[name]["id"], limit=1)
                if items:
                    raise OSError(errno.ENOTEMPTY, f"aos://{name} is not empty; pass recursive")
        files = [
            AOSPath.parse(n)
            for n, i in targets.items()
            if i["type"] == "file" and not any(n.startswith(t + "/") for t in tops)
        ]
        for f in files:
            if f.pinned:
                raise PermissionError(
                    errno.EROFS, f"aos://{f}: revisions are kept; remove aos://{f.plain}"
                )
        by_project: dict[str, list[str]] = {}
        for f in files:
            by_project.setdefault(f.project, []).append(f.key)
        jobs: list[Coroutine[Any, Any, Any]] = [
            self._delete_keys(b, keys) for b, keys in by_project.items()
        ]
        jobs += [conn.api.delete(targets[name]["id"]) for name in tops]
        try:
            await asyncio.gather(*jobs)
        finally:
            for name in list(targets):
                self.invalidate_cache(name)

    async def _targets(
        self, path: str | list[str], recursive: bool, maxdepth: int | None
    ) -> dict[str, Info]:
        out: dict[str, Info] = {}
        for raw in [path] if isinstance(path, str) else path:
            name = self._strip_protocol(raw)
            if any(c in name for c in "*?["):
                matched = await self._glob(name, maxdepth=maxdepth, detail=True)
                out.update(matched)
                if recursive:
                    for sub, info in matched.items():
                        if info["type"] == "directory":
                            out.update(
                                await self._find(sub, maxdepth=maxdepth, withdirs=True, detail=True)
                            )
                continue
            if recursive:
                out.update(await self._find(name, maxdepth=maxdepth, withdirs=True, detail=True))
            if name not in out:
                out[name] = await self._info(name)
        return out

    async def _delete_keys(self, bucket: str, keys: list[str]) -> None:
        for i in range(0, len(keys), 1000):
            batch = keys[i : i + 1000]
            resp = await self._s3_call(
                "delete_objects",
                Bucket=bucket,
                Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
            )
            for err in resp.get("Errors", []):
                message = f"aos://{bucket}/{err.get('Key')}: {err.get('Message')}"
                if err.get("Code") == "AccessDenied":
                    raise PermissionError(errno.EACCES, message)
                raise OSError(errno.EIO, message)

    async def _rm_file(self, path: str, **kwargs: Any) -> None:
        await self._rm(path)

    def invalidate_cache(self, path: str | None = None) -> None:
        if path is None:
            self.dircache.clear()
            self._nodes.clear()
            return
        name = AOSPath.parse(path).plain if path else ""
        for key in [k for k in self._nodes if k == name or k.startswith(name + "/")]:
            self._nodes.pop(key, None)
        for key in [k for k in self.dircache if k == name or k.startswith(name + "/")]:
            self.dircache.pop(key, None)
        while name:
            name = self._parent(name)
            self.dircache.pop(name, None)
