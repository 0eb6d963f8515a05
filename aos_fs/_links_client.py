"""Typed client methods for presigned URLs and bundles (mixed into both clients)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _requests as R


class LinkMethods:
    """`AOSClient` methods for presigned URLs and bundles."""

    if TYPE_CHECKING:

        def _send(self, c: R.Call[R.T]) -> R.T: ...  # the client's own

    def presign(
        self,
        path: str,
        *,
        method: str = "GET",
        expires_in: int = 3600,
        version_id: str | None = None,
    ) -> dict[str, Any]:
        """A presigned S3 URL for `project/key` (a GET may name a version)."""
        return self._send(R.presign(path, method, expires_in, version_id))

    def create_bundle(
        self,
        resource_ids: list[str],
        *,
        format: str = "tar.gz",
        expires_in: int = 3600,
        once: bool = False,
    ) -> dict[str, Any]:
        """A link streaming the resources as one `.tar.gz` or `.zip` (`url`, `expires_at`)."""
        return self._send(R.create_bundle(resource_ids, format, expires_in, once))


class AsyncLinkMethods:
    """The same for `AsyncAOSClient` (see `LinkMethods`)."""

    if TYPE_CHECKING:

        async def _send(self, c: R.Call[R.T]) -> R.T: ...  # the client's own

    async def presign(
        self,
        path: str,
        *,
        method: str = "GET",
        expires_in: int = 3600,
        version_id: str | None = None,
    ) -> dict[str, Any]:
        """A presigned S3 URL for `project/key` (a GET may name a version)."""
        return await self._send(R.presign(path, method, expires_in, version_id))

    async def create_bundle(
        self,
        resource_ids: list[str],
        *,
        format: str = "tar.gz",
        expires_in: int = 3600,
        once: bool = False,
    ) -> dict[str, Any]:
        """A link streaming the resources as one `.tar.gz` or `.zip` (`url`, `expires_at`)."""
        return await self._send(R.create_bundle(resource_ids, format, expires_in, once))
