"""fsspec info dicts from the API's resources and revisions.

Every entry has fsspec's `name`, `size` and `type`, plus what AOS knows: `kind` (PROJECT,
COLLECTION, DATASET, OBJECT, or PREFIX for a `/`-pseudo-directory inside object names), `id`, and
for objects `version_id`, `revision`, `ETag`, `md5`, `sha256`, `content_type`, `created` and
`mtime` (datetimes), `key_values`, `data_class` and `status`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

Info = dict[str, Any]
Raw = dict[str, Any]

CONTAINERS = frozenset({"PROJECT", "COLLECTION", "DATASET"})


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _common(name: str, r: Raw) -> Info:
    return {
        "name": name,
        "kind": r["kind"],
        "id": r["id"],
        "created": _time(r.get("created_at")),
        "mtime": _time(r.get("updated_at")),
        "title": r.get("title", ""),
        "data_class": r.get("data_class"),
        "status": r.get("status"),
        "key_values": {kv["key"]: kv.get("value", "") for kv in r.get("key_values") or ()},
    }


def directory(name: str, r: Raw) -> Info:
    """A project, collection or dataset."""
    info = _common(name, r)
    stats = r.get("stats") or {}
    info.update(size=0, type="directory", count=stats.get("count"), total_size=stats.get("size"))
    return info


def prefix(name: str) -> Info:
    """A pseudo-directory: a `/`-prefix shared by object names."""
    return {"name": name, "size": 0, "type": "directory", "kind": "PREFIX"}


def obj(name: str, r: Raw) -> Info:
    """An object, as its latest revision."""
    info = _common(name, r)
    hashes = r.get("hashes") or {}
    etag = r.get("etag")
    info.update(
        size=r.get("size") or 0,
        type="file",
        version_id=r.get("version_id"),
        revision=r.get("revision"),
        ETag=f'"{etag}"' if etag else None,
        md5=hashes.get("md5"),
        sha256=hashes.get("sha256"),
        content_type=r.get("content_type"),
    )
    return info


def revision(name: str, r: Raw, v: Raw) -> Info:
    """Object `r` as one of its revisions `v` (`name` carries the pin)."""
    info = obj(name, r)
    hashes = v.get("hashes") or {}
    info.update(
        size=v["size"],
        version_id=v["id"],
        revision=v["revision"],
        ETag=f'"{v["etag"]}"',
        md5=hashes.get("md5"),
        sha256=hashes.get("sha256"),
        content_type=v.get("content_type"),
        mtime=_time(v.get("created_at")),
        metadata=v.get("metadata") or {},
        latest=v["id"] == r.get("version_id"),
    )
    return info


def entry(name: str, r: Raw) -> Info:
    return directory(name, r) if r["kind"] in CONTAINERS else obj(name, r)


def listing(base: str, items: list[Raw], name_prefix: str) -> list[Info]:
    """The entries directly below `base`, from children whose names start with `name_prefix`.

    Object names with further `/` become one pseudo-directory per first segment.
    """
    out: list[Info] = []
    seen: set[str] = set()
    cut = len(name_prefix)
    head = f"{base}/" if base else ""
    for r in items:
        tail = r["name"][cut:]
        if r["kind"] != "OBJECT":
            out.append(directory(head + tail, r))
            seen.add(tail)
            continue
        first, slash, _ = tail.partition("/")
        if not slash:
            out.append(obj(head + tail, r))
        elif first not in seen:
            seen.add(first)
            out.append(prefix(head + first))
    return out
