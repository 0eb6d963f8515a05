"""Run a write again when the database aborted it to break a deadlock.

`Busy` means PostgreSQL chose this transaction as a deadlock victim and rolled it back: nothing
was stored, and the same call made again plans anew over what the other writer committed. Only
calls whose input can be replayed may be retried (a parsed body, a spooled file).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from .errors import Busy

ATTEMPTS = 6
T = TypeVar("T")


async def retry_busy(call: Callable[[], Awaitable[T]], *, attempts: int = ATTEMPTS) -> T:
    """Await `call()`; on `Busy`, pause a short random time (growing) and call it again.

    Layers nest (an API route around a revision commit that retries on its own): a `Busy` that
    one layer gave up on is marked, and no outer layer runs it again, so the attempts add up to
    `attempts`, not to its powers.
    """
    for attempt in range(attempts):
        try:
            return await call()
        except Busy as exc:
            if exc.retried or attempt == attempts - 1:
                exc.retried = True
                raise
            await asyncio.sleep(random.uniform(0.005, 0.05) * (attempt + 1))  # noqa: S311 (jitter)
    raise AssertionError("unreachable")
