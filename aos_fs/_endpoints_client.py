"""Typed client methods for data endpoints and replicas (mixed into both clients)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _requests as R
from .endpoints import Endpoint, EndpointCreated, ProjectEndpoint, Replica


def _list() -> R.Call[list[Endpoint]]:
    return R.call("GET", "/endpoints", list[Endpoint])


def _create(name: str, public_url: str) -> R.Call[EndpointCreated]:
    body = {"name": name, "public_url": public_url}
    return R.call("POST", "/endpoints", EndpointCreated, body=body)


def _delete(endpoint_id: str) -> R.Call[None]:
    return R.call("DELETE", f"/endpoints/{R.seg(endpoint_id)}")


def _placements(project_id: str) -> R.Call[list[ProjectEndpoint]]:
    return R.call("GET", f"/projects/{R.seg(project_id)}/endpoints", list[ProjectEndpoint])


def _placement(project_id: str, endpoint_id: str) -> str:
    return f"/projects/{R.seg(project_id)}/endpoints/{R.seg(endpoint_id)}"


def _place(
    project_id: str, endpoint_id: str, prefixes: list[str] | None
) -> R.Call[ProjectEndpoint]:
    body = {"mode": "PARTIAL", "prefixes": prefixes} if prefixes else {"mode": "FULL"}
    return R.call("PUT", _placement(project_id, endpoint_id), ProjectEndpoint, body=body)


def _replicas(object_id: str) -> R.Call[list[Replica]]:
    return R.call("GET", f"/resources/{R.seg(object_id)}/replicas", list[Replica])


class EndpointMethods:
    """`AOSClient` methods over /endpoints, /projects/{id}/endpoints and replicas."""

    if TYPE_CHECKING:

        def _send(self, c: R.Call[R.T]) -> R.T: ...  # the client's own

    def list_endpoints(self) -> list[Endpoint]:
        """Every data endpoint, with its status (ONLINE, OFFLINE, NEW) and last heartbeat."""
        return self._send(_list())

    def create_endpoint(self, name: str, *, public_url: str = "") -> EndpointCreated:
        """Create an endpoint (admins); the returned `credential` is shown only once."""
        return self._send(_create(name, public_url))

    def delete_endpoint(self, endpoint_id: str) -> None:
        self._send(_delete(endpoint_id))

    def project_endpoints(self, project_id: str) -> list[ProjectEndpoint]:
        return self._send(_placements(project_id))

    def place_project(
        self, project_id: str, endpoint_id: str, *, prefixes: list[str] | None = None
    ) -> ProjectEndpoint:
        """Keep the project on an endpoint: all of it, or only the subtrees in `prefixes`."""
        return self._send(_place(project_id, endpoint_id, prefixes))

    def unplace_project(self, project_id: str, endpoint_id: str) -> None:
        self._send(R.call("DELETE", _placement(project_id, endpoint_id)))

    def replicas(self, object_id: str) -> list[Replica]:
        """Per revision and endpoint: WAITING, RUNNING, FINISHED or ERROR (with the error)."""
        return self._send(_replicas(object_id))


class AsyncEndpointMethods:
    """The same for `AsyncAOSClient` (see `EndpointMethods`)."""

    if TYPE_CHECKING:

        async def _send(self, c: R.Call[R.T]) -> R.T: ...  # the client's own

    async def list_endpoints(self) -> list[Endpoint]:
        return await self._send(_list())

    async def create_endpoint(self, name: str, *, public_url: str = "") -> EndpointCreated:
        return await self._send(_create(name, public_url))

    async def delete_endpoint(self, endpoint_id: str) -> None:
        await self._send(_delete(endpoint_id))

    async def project_endpoints(self, project_id: str) -> list[ProjectEndpoint]:
        return await self._send(_placements(project_id))

    async def place_project(
        self, project_id: str, endpoint_id: str, *, prefixes: list[str] | None = None
    ) -> ProjectEndpoint:
        return await self._send(_place(project_id, endpoint_id, prefixes))

    async def unplace_project(self, project_id: str, endpoint_id: str) -> None:
        await self._send(R.call("DELETE", _placement(project_id, endpoint_id)))

    async def replicas(self, object_id: str) -> list[Replica]:
        return await self._send(_replicas(object_id))
