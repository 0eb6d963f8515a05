"""A write that the database aborted to break a deadlock (`Busy`: rolled back, nothing stored) is
run again by the API when its input can be replayed, so the client sees one success, not a 503."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from aos_server.errors import Busy
from aos_server.keys import RESOURCES
from tests.conftest import LiveServer, admin_api
from tests.factories import unique


@pytest.fixture
def api(fresh_server: LiveServer) -> Iterator[httpx.Client]:
    with admin_api(fresh_server) as client:
        yield client


def abort_writes(server: LiveServer, times: int) -> list[int]:
    """Make the next `times` write transactions of the resource service fail with `Busy` after
    their statements ran: the store rolls them back, as PostgreSQL does with a deadlock victim."""
    service = server.app[RESOURCES]
    real_write = service.meta.write
    aborted: list[int] = []

    @asynccontextmanager
    async def write(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        async with real_write(*args, **kwargs) as session:
            yield session
            if len(aborted) < times:
                aborted.append(1)
                raise Busy(
                    "The database was busy with a conflicting write; nothing was stored, try again"
                )

    service.meta = _Patched(service.meta, write)
    return aborted


class _Patched:
    def __init__(self, store: Any, write: Any) -> None:
        self._store = store
        self.write = write

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_an_aborted_key_value_change_is_retried_once_stored(
    api: httpx.Client, fresh_server: LiveServer
) -> None:
    project = api.post("/projects", json={"name": unique("busy")}).json()
    aborted = abort_writes(fresh_server, times=2)
    change = {"add": [{"key": "station", "value": "north"}]}
    response = api.patch(f"/resources/{project['id']}/key-values", json=change)
    assert response.status_code == 200, response.text
    assert len(aborted) == 2
    stored = api.get(f"/resources/{project['id']}").json()
    assert [kv for kv in stored["key_values"] if kv["key"] == "station"] == [
        {"key": "station", "value": "north", **_extra(stored, "station")}
    ]
    events = api.get("/events", params={"within_id": project["id"]}).json()
    changes = [e for e in events["events"] if "key" in e["type"]]
    assert len(changes) == 1, changes  # the aborted attempts left no event behind


def test_busy_that_persists_reaches_the_client_as_503_busy(
    api: httpx.Client, fresh_server: LiveServer
) -> None:
    project = api.post("/projects", json={"name": unique("busy")}).json()
    abort_writes(fresh_server, times=100)
    change = {"add": [{"key": "station", "value": "south"}]}
    response = api.patch(f"/resources/{project['id']}/key-values", json=change)
    assert response.status_code == 503
    assert response.json()["code"] == "busy"
    assert "try again" in response.json()["detail"]
    stored = api.get(f"/resources/{project['id']}").json()
    assert not [kv for kv in stored["key_values"] if kv["key"] == "station"]


def _extra(resource: dict[str, Any], key: str) -> dict[str, Any]:
    kv = next(kv for kv in resource["key_values"] if kv["key"] == key)
    return {k: v for k, v in kv.items() if k not in ("key", "value")}
