"""`aos://` paths: one place that turns `project/key@revision` into a value and back.

A path names a project, then a key below it (DESIGN §3: collections and datasets by position,
then an object name that may contain `/`). A revision of an object is pinned with a suffix on
the last segment:

- `aos://proj/coll/ds/table.csv@3` — revision 3 (revisions count from 1),
- `aos://proj/coll/ds/table.csv@01J…` — the revision with that version id (a 26-letter ULID, the
  S3 `versionId`).

Without a suffix a path means the latest revision. Only a trailing `@<digits>` or `@<ULID>` is a
pin; any other `@` is part of the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

PROTOCOL = "aos"
_PIN = re.compile(r"@(?:(?P<revision>[1-9][0-9]{0,17})|(?P<version_id>[0-9A-HJKMNP-TV-Z]{26}))\Z")


def strip_protocol(path: str) -> str:
    """`aos://p/k` → `p/k`, without surrounding slashes."""
    if path.startswith(f"{PROTOCOL}://"):
        path = path[len(PROTOCOL) + 3 :]
    elif path.startswith(f"{PROTOCOL}::"):
        path = path[len(PROTOCOL) + 2 :]
    return path.strip("/")


@dataclass(frozen=True, slots=True)
class AOSPath:
    """A parsed path: `project`, `key` below it, and at most one revision pin."""

    project: str = ""
    key: str = ""
    revision: int | None = None
    version_id: str | None = None

    @classmethod
    def parse(
        cls, path: str, *, revision: int | None = None, version_id: str | None = None
    ) -> AOSPath:
        """Parse `[aos://]project/key[@rev]`; `revision`/`version_id` may pin it instead.

        Raises `ValueError` when the path and the keywords pin different revisions.
        """
        rest = strip_protocol(path)
        found_rev: int | None = None
        found_vid: str | None = None
        match = _PIN.search(rest)
        if match:
            rest = rest[: match.start()]
            if match["revision"]:
                found_rev = int(match["revision"])
            else:
                found_vid = match["version_id"]
        for given, found, what in (
            (revision, found_rev, "revision"),
            (version_id, found_vid, "version_id"),
        ):
            if given is not None and found is not None and given != found:
                raise ValueError(
                    f"{path!r} pins {what} {found} but {what}={given!r} was passed; give one"
                )
        project, _, key = rest.partition("/")
        parsed = cls(
            project,
            key.strip("/"),
            revision if revision is not None else found_rev,
            version_id if version_id is not None else found_vid,
        )
        if parsed.revision is not None and parsed.version_id is not None:
            raise ValueError(f"{path!r}: pin a revision number or a version id, not both")
        if parsed.pinned and not parsed.key:
            raise ValueError(f"{path!r}: only objects have revisions")
        return parsed

    @property
    def pinned(self) -> bool:
        return self.revision is not None or self.version_id is not None

    @property
    def pin(self) -> str:
        """The suffix (`@3`, `@01J…`) or ``""``."""
        if self.revision is not None:
            return f"@{self.revision}"
        if self.version_id is not None:
            return f"@{self.version_id}"
        return ""

    @property
    def plain(self) -> str:
        """`project/key` without the pin."""
        return f"{self.project}/{self.key}" if self.key else self.project

    @property
    def segments(self) -> list[str]:
        return [self.project, *self.key.split("/")] if self.key else [self.project]

    def latest(self) -> AOSPath:
        return replace(self, revision=None, version_id=None)

    def __str__(self) -> str:
        return self.plain + self.pin
