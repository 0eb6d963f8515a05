"""Byte ranges as values (RFC 9110 §14): one parser, three kinds, one resolver."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from ..errors import InvalidInput, RangeNotSatisfiable
from .numbers import parse_uint

_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)")


class _Range(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ByteRange(_Range):
    """Bytes `start` through `end`, both included."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class OffsetRange(_Range):
    """Everything from `start` to the end."""

    start: int = Field(ge=0)


class SuffixRange(_Range):
    """The last `length` bytes."""

    length: int = Field(ge=0)


RangeSpec = ByteRange | OffsetRange | SuffixRange


def parse_range_header(value: str) -> RangeSpec:
    """Parse one `bytes=` range; several ranges in one header are refused."""
    match = _RANGE.fullmatch(value.strip().replace(" ", ""))
    if match is None:
        raise InvalidInput(
            f"Unsupported Range header {value!r}: use one range such as bytes=0-1023, "
            "bytes=1024- or bytes=-512"
        )
    first, last = match.groups()
    # Huge positions saturate (they are past the end of any object) instead of failing int().
    start, end = parse_uint(first), parse_uint(last)
    if start is not None and end is not None:
        if end < start:
            raise InvalidInput(f"Range {value!r} ends before it starts")
        return ByteRange(start=start, end=end)
    if start is not None:
        return OffsetRange(start=start)
    if end is not None:
        return SuffixRange(length=end)
    raise InvalidInput(f"Range {value!r} names no bytes")


def resolve(spec: RangeSpec, size: int) -> tuple[int, int]:
    """(offset, length) of `spec` within an object of `size` bytes.

    Raises `RangeNotSatisfiable` when no byte of the range exists.
    """
    if isinstance(spec, SuffixRange):
        if spec.length == 0:
            raise RangeNotSatisfiable("A suffix range of 0 bytes selects nothing")
        length = min(spec.length, size)
        if length == 0:
            raise RangeNotSatisfiable("The object is empty")
        return size - length, length
    if spec.start >= size:
        raise RangeNotSatisfiable(f"The range starts at {spec.start}, the object has {size} bytes")
    end = size - 1 if isinstance(spec, OffsetRange) else min(spec.end, size - 1)
    return spec.start, end - spec.start + 1
