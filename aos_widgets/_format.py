"""Small text helpers shared by the panels: sizes, names, HTML tables."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from aos_fs import Resource


def size(n: int | None) -> str:
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def row_label(r: Resource) -> str:
    """One line of the listing: containers end with '/', objects show their size."""
    if r.kind.value.upper() == "OBJECT":
        return f"{r.name}    {size(r.size)}"
    return f"▸ {r.name}/"


def is_object(r: Resource | None) -> bool:
    return r is not None and r.kind.value.upper() == "OBJECT"


def table(rows: Iterable[Sequence[object]], header: Sequence[str] | None = None) -> str:
    """An escaped HTML table (the one widget per listing or details block)."""
    out = ['<table class="aos-table" style="border-collapse:collapse">']
    if header:
        out.append("<tr>" + "".join(f"<th align=left>{html.escape(h)}</th>" for h in header))
    for row in rows:
        cells = "".join(
            f'<td style="padding:0 1em 0 0;vertical-align:top">{html.escape(str(c))}</td>'
            for c in row
        )
        out.append(f"<tr>{cells}</tr>")
    out.append("</table>")
    return "".join(out)
