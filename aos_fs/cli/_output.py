"""Printing: JSON for scripts, aligned columns and sizes for people."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import click
from pydantic import BaseModel

from ._app import State


def plain(value: Any) -> Any:
    """`value` made JSON-friendly (models, datetimes, nested containers)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return value


def emit(state: State, data: Any, human: Callable[[], None] | None = None) -> None:
    """JSON on stdout with `--json`, else what `human` prints (default: the JSON too)."""
    if state.json or human is None:
        click.echo(json.dumps(plain(data), indent=2, ensure_ascii=False))
    else:
        human()


def size(n: int | None) -> str:
    """Bytes for people: 1.5 KiB, 200.0 MiB."""
    if n is None:
        return "-"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def when(value: datetime | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str] | None = None) -> None:
    """Left-aligned columns; the last column is not padded."""
    body = [[str(c) for c in row] for row in rows]
    lines = ([list(headers)] if headers else []) + body
    if not lines:
        return
    widths = [max(len(r[i]) for r in lines) for i in range(len(lines[0]) - 1)]
    for row in lines:
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=False)] + [row[-1]]
        click.echo("  ".join(cells).rstrip())


def fields(pairs: Iterable[tuple[str, Any]]) -> None:
    """`key: value` lines, aligned."""
    items = [(k, "-" if v is None or v == "" else str(v)) for k, v in pairs]
    width = max((len(k) for k, _ in items), default=0)
    for k, v in items:
        click.echo(f"{(k + ':').ljust(width + 1)} {v}")


def parse_size(text: str) -> int:
    """`16MiB`, `8M`, `5242880` → bytes."""
    raw = text.strip().lower().replace(" ", "")
    units = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    for suffix in ("ib", "b"):
        if raw.endswith(suffix) and raw[: -len(suffix)][-1:].isalpha():
            raw = raw[: -len(suffix)]
            break
    number = raw.rstrip("kmgb")
    unit = raw[len(number) :]
    if unit not in units or not number:
        raise click.BadParameter(f"{text!r} is not a size (e.g. 16MiB)")
    try:
        return int(float(number) * units[unit])
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not a size (e.g. 16MiB)") from exc


class SizeType(click.ParamType):  # type: ignore[type-arg]  # generic in newer click
    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_size(str(value))
        except click.BadParameter as exc:
            self.fail(str(exc.message), param, ctx)


SIZE = SizeType()
