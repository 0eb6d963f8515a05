"""Non-negative decimal integers from untrusted text (headers, query strings, XML, paths)."""

from __future__ import annotations

# Larger than any size, count or part number the store deals in; longer inputs saturate here.
SATURATED = 2**63 - 1
_MAX_DIGITS = 18


def parse_uint(raw: str) -> int | None:
    """`raw` as a non-negative integer, or `None` unless it is ASCII digits only.

    `str.isdigit()` also accepts digits such as '²' that `int()` refuses, and `int()` refuses
    more than 4300 digits; both used to surface as server errors. Values with more than 18
    significant digits saturate to `SATURATED`, so a bound check still refuses or clamps them.
    """
    if not raw or not raw.isascii() or not raw.isdigit():
        return None
    significant = raw.lstrip("0")
    return SATURATED if len(significant) > _MAX_DIGITS else int(significant or "0")
