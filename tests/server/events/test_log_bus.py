"""The in-store event log (`AOS_EVENTS_URL=memory://`) against the EventBus contract."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aos_server.backends.metadata.base import MetadataStore
from aos_server.backends.metadata.sqlite import SqliteMetadataStore
from aos_server.events.bus import EventBus
from aos_server.events.log import StoreLogBus
from tests.contracts.event_bus import EventBusContract, MakeBus


class TestStoreLogBus(EventBusContract):
    @pytest.fixture
    async def meta(self, tmp_path: Path) -> AsyncIterator[MetadataStore]:
        store = SqliteMetadataStore(tmp_path / "aos.db")
        await store.open()
        yield store
        await store.close()

    @pytest.fixture
    async def make_bus(self, meta: MetadataStore) -> AsyncIterator[MakeBus]:
        buses: list[EventBus] = []

        async def make() -> EventBus:
            bus = StoreLogBus(meta, poll_interval=0.2)
            await bus.start()
            buses.append(bus)
            return bus

        yield make
        for bus in buses:
            await bus.close()
