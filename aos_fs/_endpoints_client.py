"""Typed client methods for data endpoints and replicas (mixed into `AOSClient`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _requests as R
from .endpoints import Endpoint, EndpointCreated, ProjectEndpoint, Replica


class EndpointMethods:
    """`AOSClient` methods over /endpoints, /projects/{id}/endpoints and replicas."""

    if TYPE_CHECKING:

        def _send(self, c: R.Call[Any]) -> Any: ...  # the client's own

    def list_endpoints(self) -> list[Endpoint]:
        """Every data endpoint, with its status (ONLINE, OFFLINE, NEW) and last heartbeat."""
        return self._send(R.call("GET", "/endpoints", list[Endpoint]))  # type: ignore[no-any-return]

    def create_endpoint(self, name: str, *, public_url: str = "") -> EndpointCreated:
        """Create an endpoint (admins); the returned `credential` is shown only once."""
        body = {"name": name, "public_url": public_url}
        return self._send(R.call("POST", "/endpoints", EndpointCreated, body=body))  # type: ignore[no-any-return]

    def delete_endpoint(self, endpoint_id: str) -> None:
        self._send(R.call("DELETE", f"/endpoints/{R.seg(endpoint_id)}"))

    def project_endpoints(self, project_id: str) -> list[ProjectEndpoint]:
        path = f"/projects/{R.seg(project_id)}/endpoints"
        return self._send(R.call("GET", path, list[ProjectEndpoint]))  # type: ignore[no-any-return]

    def place_project(
        self, project_id: str, endpoint_id: str, *, prefixes: list[str] | None = None
    ) -> ProjectEndpoint:
        """Keep the project on an endpoint: all of it, or only the subtrees in `prefixes`."""
        body = {"mode": "PARTIAL", "prefixes": prefixes} if prefixes else {"mode": "FULL"}
        path = f"/projects/{R.seg(project_id)}/endpoints/{R.seg(endpoint_id)}"
        return self._send(R.call("PUT", path, ProjectEndpoint, body=body))  # type: ignore[no-any-return]

    def unplace_project(self, project_id: str, endpoint_id: str) -> None:
        self._send(
            R.call("DELETE", f"/projects/{R.seg(project_id)}/endpoints/{R.seg(endpoint_id)}")
        )

    def replicas(self, object_id: str) -> list[Replica]:
        """Per revision and endpoint: WAITING, RUNNING, FINISHED or ERROR (with the error)."""
        path = f"/resources/{R.seg(object_id)}/replicas"
        return self._send(R.call("GET", path, list[Replica]))  # type: ignore[no-any-return]
