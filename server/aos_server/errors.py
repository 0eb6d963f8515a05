"""Domain errors with stable codes; the web edges map them to HTTP statuses and S3 codes."""

from __future__ import annotations

from typing import ClassVar


class AOSError(Exception):
    """Base of every error the service raises on purpose; `code` is stable and documented."""

    code: ClassVar[str] = "internal"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(AOSError):
    code = "not_found"


class ProjectNotFound(NotFound):
    code = "project_not_found"


class ResourceNotFound(NotFound):
    code = "resource_not_found"


class ObjectNotFound(NotFound):
    code = "object_not_found"


class VersionNotFound(NotFound):
    code = "version_not_found"


class UserNotFound(NotFound):
    code = "user_not_found"


class Gone(AOSError):
    """A link that existed but no longer works (expired, or its one use is spent)."""

    code = "gone"


class AlreadyExists(AOSError):
    code = "already_exists"


class Conflict(AOSError):
    """The request contradicts the current state (a cycle, a non-empty container, …)."""

    code = "conflict"


class Unauthenticated(AOSError):
    code = "unauthenticated"


class PermissionDenied(AOSError):
    code = "permission_denied"


class InvalidInput(AOSError):
    code = "invalid_input"


class PreconditionFailed(AOSError):
    code = "precondition_failed"


class RangeNotSatisfiable(AOSError):
    code = "range_not_satisfiable"


class TooLarge(AOSError):
    code = "too_large"


class Unavailable(AOSError):
    """The capability exists, but not with this server's configuration (e.g. its backend)."""

    code = "unavailable"


class IntegrityError(AOSError):
    """Stored or received bytes do not match their recorded or declared checksum."""

    code = "integrity_error"


class StorageFull(AOSError):
    """The server's disk (or quota) is full: nothing was stored, earlier data is intact."""

    code = "insufficient_storage"


class Archived(PermissionDenied):
    """A write to an archived project, or into a snapshot: both are read-only for good."""

    code = "read_only"


class QuotaExceeded(PermissionDenied):
    """The write would take a project or user past a limit an admin set."""

    code = "quota_exceeded"


class RuleViolation(PermissionDenied):
    """A write rule of the project or endpoint refuses the write; the message is the rule's."""

    code = "rule_violation"


class Busy(AOSError):
    """The database gave up a transaction to break a lock cycle with another (a deadlock);
    nothing was written, and the same request made again succeeds."""

    code = "busy"
    retried = False  # set once a retry layer gave up on it (`busy.retry_busy`)
