"""Metadata on paths: title, description, licenses, data class, key-values, and revisions.

Mixed into `AOSFileSystem`; each method has a coroutine form (`_metadata`) for async use and a
blocking one (`metadata`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from fsspec.asyn import sync_wrapper  # type: ignore[import-untyped]

from . import _api, _info
from .models import KeyValue, KeyValueVariant, Resource

if TYPE_CHECKING:
    from ._conn import Conn
    from .paths import AOSPath

Info = dict[str, Any]


class MetadataMixin:
    """Read and change what AOS records about a path."""

    if TYPE_CHECKING:

        async def _conn(self) -> Conn: ...
        async def _info(self, path: str, refresh: bool = False, **kwargs: Any) -> Info: ...
        def _parse(self, path: str, **kwargs: Any) -> AOSPath: ...
        def invalidate_cache(self, path: str | None = None) -> None: ...

    async def _resource(self, path: str) -> Resource:
        info = await self._info(self._parse(path).plain, refresh=True)
        if "id" not in info:
            raise ValueError(
                f"aos://{info['name']} is a prefix of object names, not a resource; "
                "metadata lives on projects, collections, datasets and objects"
            )
        resource: Resource = await (await self._conn()).api.get(info["id"])
        return resource

    async def _metadata(self, path: str) -> dict[str, Any]:
        """Title, description, licenses, data class, authors and key-values of a path.

        Returns
        -------
        dict
            ``id``, ``kind``, ``title``, ``description``, ``metadata_license``,
            ``data_license``, ``data_class``, ``status``, ``authors`` (list of dicts) and
            ``key_values`` (list of ``{"key", "value", "variant"}``).
        """
        r = await self._resource(path)
        return r.model_dump(
            mode="json",
            include={
                "id",
                "kind",
                "title",
                "description",
                "metadata_license",
                "data_license",
                "data_class",
                "status",
                "authors",
                "key_values",
                "external_relations",
            },
        )

    async def _set_metadata(
        self,
        path: str,
        *,
        title: str | None = None,
        description: str | None = None,
        license: str | None = None,
        metadata_license: str | None = None,
        data_class: str | None = None,
        authors: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        """Change the given fields (others stay); `license` is the data license (SPDX id).

        A data class may only be relaxed toward PUBLIC; the server refuses tightening it.
        """
        changes = {
            "title": title,
            "description": description,
            "data_license": license,
            "metadata_license": metadata_license,
            "data_class": data_class,
            "authors": authors,
        }
        r = await self._resource(path)
        await (await self._conn()).api.update(
            r.id, **{k: v for k, v in changes.items() if v is not None}
        )
        self.invalidate_cache(self._parse(path).plain)
        return await self._metadata(path)

    async def _key_values(self, path: str) -> dict[str, str]:
        """Key-values of a path as ``{key: value}`` (for repeated keys, the last one)."""
        r = await self._resource(path)
        return {kv.key: kv.value for kv in r.key_values}

    async def _set_key_values(
        self,
        path: str,
        values: Mapping[str, str] | None = None,
        *,
        remove: Iterable[str] = (),
    ) -> dict[str, str]:
        """Set labels (replacing a key's earlier value) and remove keys; returns them all."""
        values = dict(values or {})
        gone = set(remove) | set(values)
        r = await self._resource(path)
        api = (await self._conn()).api
        old = [kv for kv in r.key_values if kv.key in gone and kv.variant == KeyValueVariant.LABEL]
        if old:
            await api.remove_key_values(r.id, old)
        if values:
            await api.add_key_values(
                r.id, [KeyValue(key=k, value=str(v)) for k, v in values.items()]
            )
        self.invalidate_cache(self._parse(path).plain)
        return await self._key_values(path)

    async def _versions(self, path: str) -> list[Info]:
        """Every revision of an object, oldest first, each an info dict named ``path@N``."""
        p = self._parse(path)
        info = await self._info(p.plain, refresh=True)
        if info["type"] != "file":
            raise IsADirectoryError(f"aos://{p.plain} is a directory; only objects have versions")
        api = (await self._conn()).api
        obj = await api.get(info["id"])
        raw = obj.model_dump(mode="json")
        return [
            _info.revision(f"{p.plain}@{v['revision']}", raw, v)
            for v in await _api.versions(api, info["id"])
        ]

    metadata = sync_wrapper(_metadata)
    set_metadata = sync_wrapper(_set_metadata)
    key_values = sync_wrapper(_key_values)
    set_key_values = sync_wrapper(_set_key_values)
    versions = sync_wrapper(_versions)

    def getxattr(self, path: str, attr: str) -> str:
        """One key-value (s3fs-style name)."""
        return self.key_values(path)[attr]  # type: ignore[no-any-return]

    def setxattr(self, path: str, copy_kwargs: Any = None, **kw_args: str) -> None:
        """Set key-values (s3fs-style name)."""
        self.set_key_values(path, kw_args)
