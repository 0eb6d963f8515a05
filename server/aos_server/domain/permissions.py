"""Permission levels and the actor (who is asking) that every service call starts from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum


class Level(IntEnum):
    """Permission levels, ordered: each level includes everything below it."""

    NONE = 0
    READ = 1
    APPEND = 2
    WRITE = 3
    ADMIN = 4

    @classmethod
    def parse(cls, value: str | int) -> Level:
        if isinstance(value, int):
            return cls(value)
        return cls[value.upper()]


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of a service method: a user (possibly through a scoped token) or anonymous."""

    user_id: str | None = None
    is_admin: bool = False
    token_id: str | None = None
    # A scoped token reaches only this resource (and what lies below it) ...
    scope_id: str | None = None
    # ... and never above this level, whatever the holder has.
    ceiling: Level = Level.ADMIN
    expires_at: datetime | None = None
    # Hook callback tokens may do exactly a few things; see services.auth.
    purpose: str = "user"
    # Service accounts: nothing outside their scope is visible, not even PUBLIC data.
    confined: bool = False

    @property
    def anonymous(self) -> bool:
        return self.user_id is None

    @property
    def global_admin(self) -> bool:
        """True for a global admin acting through an unscoped, full-level token."""
        return self.is_admin and self.scope_id is None and self.ceiling == Level.ADMIN


ANONYMOUS = Actor()
