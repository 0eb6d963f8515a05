"""S3-style key listings over the resource hierarchy (prefix, delimiter, start-after, paging).

A project's keys are the paths of its objects (DESIGN §3). Keys come out in UTF-8 byte order, as
S3 lists them, without materialising the whole tree: large nodes (datasets full of objects) are
streamed from the store page by page, starting after the requested key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from aos_fs.models import Kind, Resource

from ..backends.metadata.base import MetadataSession

_PAGE = 1000
_MAX = "\U0010ffff"


@dataclass(frozen=True, slots=True)
class Entry:
    """One listing line: an object under `key`, or a common prefix (`resource` is None)."""

    key: str
    resource: Resource | None = None

    @property
    def is_prefix(self) -> bool:
        return self.resource is None


def _sort_key(res: Resource) -> bytes:
    name = res.name + ("/" if res.kind != Kind.OBJECT else "")
    return name.encode()


def _could_match(key_prefix: str, prefix: str) -> bool:
    """Can any key starting with `key_prefix` start with `prefix`?"""
    return key_prefix.startswith(prefix) or prefix.startswith(key_prefix)


async def _children(
    s: MetadataSession, node: Resource, name_prefix: str, after: str
) -> AsyncIterator[Resource]:
    """Children of `node` in key order, names starting with `name_prefix`, keys after `after`."""
    if node.kind == Kind.DATASET:
        # Only objects below a dataset: the store's name order is the key order; stream it.
        cursor: tuple[object, str] | None = None
        if after:
            cursor = (after, _MAX)
        while True:
            page = await s.list_children(
                node.id, after=cursor, limit=_PAGE, prefix=name_prefix or None
            )
            for child in page:
                yield child
            if len(page) < _PAGE:
                return
            cursor = (page[-1].name, page[-1].id)
    else:
        found: list[Resource] = []
        cursor = None
        while True:
            page = await s.list_children(
                node.id, after=cursor, limit=_PAGE, prefix=name_prefix or None
            )
            found += page
            if len(page) < _PAGE:
                break
            cursor = (page[-1].name, page[-1].id)
        for child in sorted(found, key=_sort_key):
            yield child


async def iter_keys(
    s: MetadataSession,
    project: Resource,
    *,
    prefix: str = "",
    delimiter: str = "",
    start_after: str = "",
) -> AsyncIterator[Entry]:
    """Yield objects and common prefixes of `project` in key order, after `start_after`."""
    last_prefix: str | None = None
    if delimiter and start_after.endswith(delimiter):
        # Continuing after a common prefix: skip everything below it.
        start_after += _MAX
    async for key, res in _walk(s, project, "", prefix, start_after):
        if delimiter:
            cut = key.find(delimiter, len(prefix))
            if cut >= 0:
                common = key[: cut + len(delimiter)]
                if common != last_prefix and common > start_after:
                    last_prefix = common
                    yield Entry(common)
                continue
        yield Entry(key, res)


async def _walk(
    s: MetadataSession, node: Resource, base: str, prefix: str, after: str
) -> AsyncIterator[tuple[str, Resource]]:
    # Narrow the store query to names that can still match the prefix.
    rest = prefix[len(base) :] if prefix.startswith(base) else ""
    name_prefix = rest.split("/", 1)[0] if node.kind != Kind.DATASET else rest
    after_rest = after[len(base) :] if after.startswith(base) else ""
    async for child in _children(
        s, node, name_prefix, after_rest if node.kind == Kind.DATASET else ""
    ):
        if child.kind == Kind.OBJECT:
            key = base + child.name
            if key.startswith(prefix) and key > after:
                yield key, child
            continue
        sub = base + child.name + "/"
        if not _could_match(sub, prefix):
            continue
        if after and not after.startswith(sub) and sub + _MAX <= after:
            continue  # the whole subtree lies before the continuation point
        async for item in _walk(s, child, sub, prefix, after):
            yield item
