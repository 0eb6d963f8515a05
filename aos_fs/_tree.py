"""Finding and listing: how `aos://` paths map onto projects, collections, datasets and objects.

Containers (project, collection, dataset) are looked up segment by segment and cached by path
(their ids never change); the rest of a path is an object name or a `/`-prefix of object names.
A directory's entries come from one children listing per level the path passes through, so an
object named `a/b` directly in a project still shows up below `project/a`, as S3 lists it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from . import _api, _info, _replicas
from ._conn import not_found
from ._info import Raw
from .paths import AOSPath

if TYPE_CHECKING:
    from ._conn import Conn

Info = dict[str, Any]


class TreeMixin:
    """`_info`, `_ls`, `_find` and `_exists` for `AOSFileSystem`."""

    if TYPE_CHECKING:
        _nodes: dict[str, Raw]
        dircache: Any

        async def _conn(self) -> Conn: ...
        def _parse(self, path: str, **kwargs: Any) -> AOSPath: ...
        def _parent(self, path: str) -> str: ...
        def _strip_protocol(self, path: Any) -> Any: ...

        async def _glob(self, path: str, **kwargs: Any) -> Any: ...

    # -- finding resources ----------------------------------------------------------------------
    async def _containers(self, p: AOSPath) -> list[Raw]:
        """The project, collection and dataset that `p` passes through (deepest existing)."""
        api = (await self._conn()).api
        segs = p.segments
        chain: list[Raw] = []
        for depth, seg in enumerate(segs):
            if chain and chain[-1]["kind"] == "DATASET":
                break
            here = "/".join(segs[: depth + 1])
            node = self._nodes.get(here)
            if node is None:
                if not chain:
                    found = await _api.resolve(api, seg)
                    node = found[-1] if found else None
                else:
                    node = await _api.child(api, chain[-1]["id"], seg)
                if node is None or node["kind"] == "OBJECT":
                    break
                self._nodes[here] = node
            chain.append(node)
        if not chain:
            raise not_found(p, f"no project {p.project!r}")
        return chain

    def _cached_info(self, path: str) -> Info | None:
        try:
            listing = self.dircache[self._parent(path)]
        except KeyError:
            return None
        for entry in listing:
            if entry["name"] == path:
                return entry  # type: ignore[no-any-return]
        return None  # not in a cached listing: ask the server (it may be newer than the cache)

    async def _info(self, path: str, refresh: bool = False, **kwargs: Any) -> Info:
        p = self._parse(path, **kwargs)
        if not p.project:
            return {"name": "", "size": 0, "type": "directory", "kind": "ROOT"}
        if p.pinned:
            return await self._revision_info(p)
        if not refresh and (cached := self._cached_info(p.plain)) is not None:
            return cached
        api = (await self._conn()).api
        chain = await _api.resolve(api, p.plain)
        if chain is not None:
            info = _info.entry(p.plain, chain[-1])
            if info["type"] == "file":
                info["replicas"] = await _replicas.of_object(api, info["id"], info["version_id"])
            return info
        containers = await self._containers(p)
        if await self._has_prefix(containers, p):
            return _info.prefix(p.plain)
        raise not_found(p)

    async def _revision_info(self, p: AOSPath) -> Info:
        api = (await self._conn()).api
        chain = await _api.resolve(api, p.plain)
        if chain is None or chain[-1]["kind"] != "OBJECT":
            literal = await _api.resolve(api, str(p))  # a name that really ends in "@…"
            if literal is not None:
                return _info.entry(str(p), literal[-1])
            raise not_found(p, "no such object")
        obj = chain[-1]
        if p.revision is not None:
            version = await _api.version(api, obj["id"], p.revision)
        else:
            version = await _api.version_by_id(api, str(p.version_id))
            if version["object_id"] != obj["id"]:
                raise not_found(p, f"version {p.version_id} belongs to another object")
        info = _info.revision(str(p), obj, version)
        info["replicas"] = await _replicas.of_object(api, obj["id"], version["id"])
        return info

    async def _has_prefix(self, chain: list[Raw], p: AOSPath) -> bool:
        api = (await self._conn()).api
        segs = p.segments
        checks = [
            _api.children_page(api, node["id"], prefix="/".join(segs[i + 1 :]) + "/", limit=1)
            for i, node in enumerate(chain)
            if len(segs) > i + 1
        ]
        return any(items for items, _ in await asyncio.gather(*checks))

    async def _version_for(self, p: AOSPath) -> str | None:
        """The version id a read of `p` should pin (None: the latest, when not pinned)."""
        if p.version_id is not None:
            return p.version_id
        if p.revision is not None:
            return str((await self._revision_info(p))["version_id"])
        return None

    # -- listing --------------------------------------------------------------------------------
    async def _ls(
        self, path: str, detail: bool = True, refresh: bool = False, **kwargs: Any
    ) -> Any:
        p = self._parse(path, **kwargs)
        entries: list[Info] | None
        if p.pinned:
            entries = [await self._info(str(p))]
        else:
            entries = None if refresh else self.dircache.get(p.plain)
            if entries is None:
                entries = await self._list(p)
                if entries is None:
                    info = await self._info(p.plain, refresh=True)  # a file, or not found
                    entries = [info]
                else:
                    self.dircache[p.plain] = entries
        return entries if detail else [e["name"] for e in entries]

    async def _list(self, p: AOSPath) -> list[Info] | None:
        """Entries directly below `p`, or `None` when `p` is not a directory."""
        api = (await self._conn()).api
        if not p.project:
            return [_info.directory(r["name"], r) for r in await _api.projects(api)]
        chain = await self._containers(p)
        segs = p.segments
        jobs = []
        for i, node in enumerate(reversed(chain)):  # the deepest level first: it has containers
            rel = "/".join(segs[len(chain) - i :])
            name_prefix = f"{rel}/" if rel else ""
            jobs.append(self._list_level(node["id"], p.plain, name_prefix))
        seen: set[tuple[str, str]] = set()
        out: list[Info] = []
        for level in await asyncio.gather(*jobs):
            for entry in level:
                if (entry["name"], entry["type"]) not in seen:
                    seen.add((entry["name"], entry["type"]))
                    out.append(entry)
        if not out and len(chain) < len(segs):
            return None
        out.sort(key=lambda e: e["name"])
        return out

    async def _list_level(self, node_id: str, base: str, name_prefix: str) -> list[Info]:
        api = (await self._conn()).api
        items = await _api.all_children(api, node_id, prefix=name_prefix or None)
        with _api.gc_paused():
            return _info.listing(base, items, name_prefix)

    async def _find(
        self,
        path: str,
        maxdepth: int | None = None,
        withdirs: bool = False,
        detail: bool = False,
        **kwargs: Any,
    ) -> Any:
        if maxdepth is not None:
            return await super()._find(  # type: ignore[misc]
                path, maxdepth=maxdepth, withdirs=withdirs, detail=detail, **kwargs
            )
        p = self._parse(path, **kwargs)
        found: dict[str, Info] = {}
        if p.pinned:
            found[str(p)] = await self._info(str(p))
        else:
            await self._find_into(p, found)
            if not found:
                try:
                    info = await self._info(p.plain)
                except FileNotFoundError:
                    info = None
                if info is not None and (info["type"] == "file" or withdirs):
                    found[p.plain] = info
            elif withdirs and p.project:
                found[p.plain] = await self._info(p.plain)
        if withdirs:
            self._add_prefixes(p.plain, found)
        else:
            found = {k: v for k, v in found.items() if v["type"] == "file"}
        names = sorted(found)
        return {n: found[n] for n in names} if detail else names

    async def _find_into(self, p: AOSPath, found: dict[str, Info]) -> None:
        """Every object and container below `p`: one listing per container, pages of 10,000."""
        api = (await self._conn()).api
        if not p.project:
            projects = await _api.projects(api)
            await asyncio.gather(*(self._walk_node(r, r["name"], found) for r in projects))
            return
        try:
            chain = await self._containers(p)
        except FileNotFoundError:
            return
        segs = p.segments
        jobs = []
        for i, node in enumerate(chain):
            rel = "/".join(segs[i + 1 :])
            if rel:
                jobs.append(self._objects_below(node["id"], p.plain, f"{rel}/", found))
        if len(chain) == len(segs):
            jobs.append(self._walk_node(chain[-1], p.plain, found))
        await asyncio.gather(*jobs)

    async def _objects_below(
        self, node_id: str, base: str, name_prefix: str, found: dict[str, Info]
    ) -> None:
        api = (await self._conn()).api
        cut = len(name_prefix)
        async for r in _api.iter_children(api, node_id, prefix=name_prefix):
            if r["kind"] == "OBJECT":
                name = f"{base}/{r['name'][cut:]}"
                found[name] = _info.obj(name, r)

    async def _walk_node(self, node: Raw, base: str, found: dict[str, Info]) -> None:
        api = (await self._conn()).api
        subs = []
        async for r in _api.iter_children(api, node["id"]):
            name = f"{base}/{r['name']}"
            found[name] = _info.entry(name, r)
            if r["kind"] != "OBJECT":
                self._nodes.setdefault(name, r)
                subs.append(self._walk_node(r, name, found))
        await asyncio.gather(*subs)

    @staticmethod
    def _add_prefixes(base: str, found: dict[str, Info]) -> None:
        """Add the pseudo-directories between `base` and each object found."""
        start = len(base) + 1 if base else 0
        for name in [n for n, i in found.items() if i["type"] == "file"]:
            cut = name.find("/", start)
            while cut > 0:
                found.setdefault(name[:cut], _info.prefix(name[:cut]))
                cut = name.find("/", cut + 1)

    async def _exists(self, path: str, **kwargs: Any) -> bool:
        try:
            await self._info(path, **kwargs)
        except (FileNotFoundError, ValueError):
            return False
        return True
