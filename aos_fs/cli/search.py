"""`aos search`: ranked full-text search over what you may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from ._api import request
from ._app import State, json_option, pass_state
from ._output import emit, table
from ._resolve import resource_id


@click.command("search")
@click.argument("words", nargs=-1)
@click.option("--kind", default=None, help="Comma-separated kinds, e.g. DATASET,OBJECT.")
@click.option("--data-class", default=None, help="Comma-separated data classes.")
@click.option("--license", "license_", default=None, help="SPDX id (metadata or data license).")
@click.option("--kv", "kv", multiple=True, metavar="KEY[=VALUE]", help="Key-value filter (repeat).")
@click.option("--created-after", type=click.DateTime(), default=None)
@click.option("--created-before", type=click.DateTime(), default=None)
@click.option("--within", default=None, metavar="PATH", help="Only below this path.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@json_option
@pass_state
def search(
    state: State,
    words: tuple[str, ...],
    kind: str | None,
    data_class: str | None,
    license_: str | None,
    kv: tuple[str, ...],
    created_after: datetime | None,
    created_before: datetime | None,
    within: str | None,
    limit: int,
) -> None:
    """Find resources whose metadata match all WORDS and the filters, best first."""
    items: list[dict[str, Any]] = []
    with state.client() as api:
        params: dict[str, Any] = {
            "q": " ".join(words),
            "kind": kind,
            "data_class": data_class,
            "license": license_,
            "kv": ",".join(kv) or None,
            "created_after": created_after.isoformat() if created_after else None,
            "created_before": created_before.isoformat() if created_before else None,
            "within": resource_id(api, within) if within else None,
        }
        cursor: str | None = None
        while len(items) < limit:
            page = request(
                api,
                "GET",
                "/search",
                params={**params, "limit": min(100, limit - len(items)), "cursor": cursor},
            )
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                break
    rows = [
        (
            i["resource"]["kind"],
            f"{i['score']:.2f}",
            f"aos://{i['path']}" if i.get("path") else i["resource"]["id"],
            i["resource"].get("title") or "",
        )
        for i in items
    ]
    emit(state, items, lambda: table(rows, ["KIND", "SCORE", "PATH", "TITLE"]))
