"""What the portable SQL session needs from a database connection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from .rows import Row


class UniqueViolation(Exception):
    """Raised by a connection when a statement breaks a unique constraint."""


class SQLConnection(Protocol):
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...
    async def write(
        self,
        sql: str,
        params: Sequence[Any] = (),
        *,
        unique: Callable[[], Exception] | None = None,
    ) -> None:
        """A statement whose outcome matters only as success or failure: a connection may run
        it later (in order) and raise its error at a later statement of the same session.
        `unique` makes the error raised when it breaks a unique constraint."""

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...
