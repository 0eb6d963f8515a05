"""Retries of a deadlock victim (`Busy`) do not multiply when retry layers nest: a revision
commit retries on its own, and an API route around it (a crate import) does not run it again."""

from __future__ import annotations

import pytest

from aos_server.busy import ATTEMPTS, retry_busy
from aos_server.errors import AlreadyExists, Busy
from aos_server.services.write_plan import retry_name_races


class _Commit:
    """A stand-in revision commit: fails with the given errors in turn, then succeeds."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "committed"


async def test_busy_and_lost_races_are_retried_until_the_commit_goes_through() -> None:
    commit = _Commit(Busy("deadlock"), AlreadyExists("race"), Busy("deadlock"))
    assert await retry_name_races(commit)() == "committed"
    assert commit.calls == 4


async def test_a_busy_that_persists_is_tried_a_bounded_number_of_times_in_all() -> None:
    commit = _Commit(*[Busy("deadlock") for _ in range(1000)])
    route = retry_name_races(commit)
    with pytest.raises(Busy) as raised:
        await retry_busy(route)  # the API route's layer around the commit's own
    assert raised.value.retried
    assert commit.calls == ATTEMPTS  # not ATTEMPTS * ATTEMPTS, nor 16 * ATTEMPTS


async def test_an_outer_layer_alone_still_retries() -> None:
    calls = 0

    async def flaky() -> int:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise Busy("deadlock")
        return calls

    assert await retry_busy(flaky) == 3
