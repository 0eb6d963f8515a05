"""Text that XML 1.0 can carry: S3 answers echo request input (keys, prefixes, messages)."""

from __future__ import annotations

import re

# Characters XML 1.0 forbids even as references; an expat-based client (boto3, s3fs) refuses a
# document holding one, so a request's control character would turn its answer unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """`value` with every character XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)
