"""The S3 checksum family (CRC32, CRC32C, CRC64NVME, SHA1, SHA256), computed incrementally."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable

from awscrt import checksums as crt

from .errors import S3Error

ALGORITHMS = ("crc32", "crc32c", "crc64nvme", "sha1", "sha256")


class Checksum:
    """One running checksum; `.b64()` gives the value as S3 headers carry it."""

    def __init__(self, algorithm: str) -> None:
        if algorithm not in ALGORITHMS:
            raise S3Error("InvalidRequest", f"Unsupported checksum algorithm {algorithm!r}")
        self.algorithm = algorithm
        self._crc = 0
        self._hash = hashlib.new(algorithm) if algorithm.startswith("sha") else None
        crc: dict[str, tuple[Callable[[bytes, int], int], int]] = {
            "crc32": (crt.crc32, 4),
            "crc32c": (crt.crc32c, 4),
            "crc64nvme": (crt.crc64nvme, 8),
        }
        self._crc_fn, self._width = crc.get(algorithm, (crt.crc32, 4))

    def update(self, data: bytes) -> None:
        if self._hash is not None:
            self._hash.update(data)
        else:
            self._crc = self._crc_fn(data, self._crc)

    def digest(self) -> bytes:
        if self._hash is not None:
            return self._hash.digest()
        return self._crc.to_bytes(self._width, "big")

    def b64(self) -> str:
        return base64.b64encode(self.digest()).decode()


def decode_b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise S3Error("InvalidDigest", f"The {what} you specified is not valid base64") from exc
