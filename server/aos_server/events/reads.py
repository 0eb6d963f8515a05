"""Reading the event log without a consumer: the same for every bus, since the metadata store
holds the log (events are appended in the transaction of their change)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from ..backends.metadata.base import EventRecord, MetadataStore


class StoreLogReads:
    """`EventBus.read` and `EventBus.seq_before`, answered from the store's log."""

    meta: MetadataStore

    async def read(
        self,
        after_seq: int,
        *,
        types: Sequence[str] = (),
        within: str | None = None,
        limit: int = 1000,
    ) -> AsyncIterator[EventRecord]:
        async with self.meta.read() as s:
            head = await s.head_seq()
        sent = 0
        while sent < limit and after_seq < head:
            async with self.meta.read() as s:
                rows = await s.find_events(
                    after_seq=after_seq,
                    upto_seq=head,
                    types=types,
                    within=within,
                    limit=min(500, limit - sent),
                )
            if not rows:
                return
            for row in rows:
                yield row
                sent += 1
                after_seq = row.seq

    async def seq_before(self, when: datetime) -> int:
        async with self.meta.read() as s:
            return await s.seq_before(when)
