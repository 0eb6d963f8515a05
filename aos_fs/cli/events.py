"""`aos events tail`: follow the event log as it grows."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import click

from ._app import State, json_option, pass_state, run
from ._resolve import is_id


@click.group("events")
def events() -> None:
    """Watch what happens in the store."""


@events.command("tail")
@click.option("--within", default=None, metavar="PATH", help="Only events below this path.")
@click.option("--type", "types", multiple=True, help="Only this event type (repeat).")
@click.option("--from-seq", type=int, default=None, help="Start at this sequence number.")
@click.option("--all", "from_start", is_flag=True, help="Start at the oldest event kept.")
@click.option("-n", "--count", type=int, default=None, help="Stop after this many events.")
@click.option("--timeout", type=float, default=None, help="Stop after this many idle seconds.")
@json_option
@pass_state
def tail(
    state: State,
    within: str | None,
    types: tuple[str, ...],
    from_seq: int | None,
    from_start: bool,
    count: int | None,
    timeout: float | None,
) -> None:
    """Print events as they happen (one JSON object a line with --json) until Ctrl-C."""
    if within is not None and not is_id(within):
        within = within.removeprefix("aos://").strip("/")

    async def go() -> int:
        seen = 0
        async with state.async_client() as api:
            consumer = await api.events.create_consumer(
                within=within,
                types=list(types),
                name="aos events tail",
                from_seq=from_seq,
                all=from_start,
            )
            try:
                async with api.events.subscribe(consumer_id=consumer.id) as sub:
                    click.echo("listening for events (Ctrl-C to stop)", err=True)
                    iterator = sub.__aiter__()
                    while count is None or seen < count:
                        try:
                            event = await asyncio.wait_for(iterator.__anext__(), timeout)
                        except TimeoutError:
                            break
                        seen += 1
                        _print(state, event.model_dump(mode="json"))
            finally:
                with contextlib.suppress(Exception):
                    await api.events.delete_consumer(consumer.id)
        return seen

    run(go())


def _print(state: State, event: dict[str, Any]) -> None:
    if state.json:
        click.echo(json.dumps(event, ensure_ascii=False))
        return
    data = event.get("data") or {}
    what = data.get("path") or data.get("name") or event.get("resource_id") or ""
    click.echo(f"{event['seq']:>8}  {event['time'][:19]}  {event['type']:<28} {what}")
