"""Paths (or ids) given on the command line → resources of the API."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..paths import AOSPath
from ._app import CLIError, Exit

if TYPE_CHECKING:
    from ..client import AOSClient
    from ..models import Resource

_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def is_id(text: str) -> bool:
    """A resource id (a 26-letter ULID) rather than a path."""
    return bool(_ULID.match(text))


def display(path: str) -> str:
    """`p/k` as users write it: `aos://p/k`."""
    return f"aos://{AOSPath.parse(path)}"


def resolve(api: AOSClient, path: str) -> Resource:
    """The resource a path (project/…/name, with or without `aos://`) or id names."""
    if is_id(path):
        return api.get(path)
    return api.resolve_one(AOSPath.parse(path).plain)


def resource_id(api: AOSClient, path: str) -> str:
    return path if is_id(path) else resolve(api, path).id


def user_id(api: AOSClient, user: str) -> str:
    """A user id from an id or a user name (names need an admin to list users)."""
    if is_id(user):
        return user
    after: str | None = None
    while True:
        page = api.list_users(after=after, limit=1000)
        for u in page:
            if user in (u.name, u.email):
                return u.id
        if len(page) < 1000:
            raise CLIError(f"no user named {user!r}", Exit.NOT_FOUND)
        after = page[-1].name
