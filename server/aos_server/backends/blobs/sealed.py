"""Sealed blob format: independently compressed and/or encrypted chunks, so a range read opens
only the chunks it needs.

    header  b"AOS1" | flags u8 | chunk_size u32 | salt 16B | wrapped_key_len u16 | wrapped_key
    records (u32 length | sealed chunk)*            one per `chunk_size` bytes of plaintext
    index   sealed(u64 offsets... | u64 plaintext size)
    footer  u32 index length | b"AOSI"

Chunk i is encrypted with AES-256-GCM under a random per-blob data key, nonce = i, and the blob's
salt plus i as associated data (chunks cannot be swapped or reordered); the index is sealed too,
so truncation is detected. The data key is stored only wrapped by the store's master key.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import BinaryIO

import zstandard
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ...errors import IntegrityError

MAGIC = b"AOS1"
FOOTER = b"AOSI"
CHUNK = 1 << 20
COMPRESS = 1
ENCRYPT = 2
_INDEX_NONCE = b"\xff" * 12
_HEADER = struct.Struct(">4sBI16sH")


@dataclass
class Sealer:
    flags: int
    salt: bytes
    data_key: bytes | None

    @classmethod
    def new(cls, *, compress: bool, encrypt: bool) -> Sealer:
        flags = (COMPRESS if compress else 0) | (ENCRYPT if encrypt else 0)
        return cls(flags, os.urandom(16), AESGCM.generate_key(256) if encrypt else None)

    def header(self, master: bytes | None) -> bytes:
        wrapped = b""
        if self.data_key is not None:
            if master is None:
                raise IntegrityError("Encryption at rest needs a master key")
            nonce = os.urandom(12)
            wrapped = nonce + AESGCM(master).encrypt(
                nonce, self.data_key, b"aos-blob-key" + self.salt
            )
        return _HEADER.pack(MAGIC, self.flags, CHUNK, self.salt, len(wrapped)) + wrapped

    def _aad(self, index: int) -> bytes:
        return self.salt + index.to_bytes(8, "big")

    def seal(self, index: int, plain: bytes) -> bytes:
        data = plain
        if self.flags & COMPRESS:
            data = zstandard.ZstdCompressor(level=3, write_checksum=True).compress(data)
        if self.data_key is not None:
            data = AESGCM(self.data_key).encrypt(index.to_bytes(12, "big"), data, self._aad(index))
        return data

    def unseal(self, index: int, sealed: bytes) -> bytes:
        data = sealed
        if self.data_key is not None:
            try:
                data = AESGCM(self.data_key).decrypt(
                    index.to_bytes(12, "big"), data, self._aad(index)
                )
            except InvalidTag as exc:
                raise IntegrityError(
                    f"Chunk {index} of a stored blob fails authentication"
                ) from exc
        if self.flags & COMPRESS:
            try:
                data = zstandard.ZstdDecompressor().decompress(data, max_output_size=CHUNK)
            except zstandard.ZstdError as exc:
                raise IntegrityError(f"Chunk {index} of a stored blob is corrupt") from exc
        return data

    def seal_index(self, offsets: list[int], size: int) -> bytes:
        raw = struct.pack(f">{len(offsets)}QQ", *offsets, size)
        if self.data_key is not None:
            return AESGCM(self.data_key).encrypt(_INDEX_NONCE, raw, self.salt + b"index")
        return raw

    def unseal_index(self, raw: bytes) -> tuple[list[int], int]:
        if self.data_key is not None:
            try:
                raw = AESGCM(self.data_key).decrypt(_INDEX_NONCE, raw, self.salt + b"index")
            except InvalidTag as exc:
                raise IntegrityError("The index of a stored blob fails authentication") from exc
        values = struct.unpack(f">{len(raw) // 8}Q", raw)
        return list(values[:-1]), values[-1]


class SealedWriter:
    """Buffers plaintext into whole chunks and writes sealed records (runs in a worker thread)."""

    def __init__(self, f: BinaryIO, sealer: Sealer, master: bytes | None) -> None:
        self.f = f
        self.sealer = sealer
        self.buf = bytearray()
        self.offsets: list[int] = []
        self.size = 0
        self.f.write(sealer.header(master))

    def write(self, data: bytes) -> None:
        self.buf += data
        while len(self.buf) >= CHUNK:
            self._record(bytes(self.buf[:CHUNK]))
            del self.buf[:CHUNK]

    def _record(self, plain: bytes) -> None:
        self.offsets.append(self.f.tell())
        sealed = self.sealer.seal(len(self.offsets) - 1, plain)
        self.f.write(struct.pack(">I", len(sealed)) + sealed)
        self.size += len(plain)

    def close(self) -> None:
        if self.buf:
            self._record(bytes(self.buf))
            self.buf.clear()
        index = self.sealer.seal_index(self.offsets, self.size)
        self.f.write(index + struct.pack(">I", len(index)) + FOOTER)


class SealedReader:
    """Random access to a sealed blob file (blocking; call from a worker thread)."""

    def __init__(self, f: BinaryIO, master: bytes | None) -> None:
        self.f = f
        magic, flags, chunk, salt, klen = _HEADER.unpack(f.read(_HEADER.size))
        if magic != MAGIC or chunk != CHUNK:
            raise IntegrityError("A stored blob has an unknown format")
        data_key = None
        if flags & ENCRYPT:
            wrapped = f.read(klen)
            if master is None:
                raise IntegrityError("This blob is encrypted and no master key is configured")
            try:
                data_key = AESGCM(master).decrypt(
                    wrapped[:12], wrapped[12:], b"aos-blob-key" + salt
                )
            except InvalidTag as exc:
                raise IntegrityError(
                    "The blob's data key cannot be unwrapped: wrong master key, or tampering"
                ) from exc
        self.sealer = Sealer(flags, salt, data_key)
        f.seek(-8, os.SEEK_END)
        ilen, footer = struct.unpack(">I4s", f.read(8))
        if footer != FOOTER:
            raise IntegrityError("A stored blob is truncated (no index)")
        f.seek(-8 - ilen, os.SEEK_END)
        self.offsets, self.size = self.sealer.unseal_index(f.read(ilen))
        self.unsealed = 0  # chunks opened so far (lets tests prove ranges stay cheap)

    def chunk(self, index: int) -> bytes:
        self.f.seek(self.offsets[index])
        (length,) = struct.unpack(">I", self.f.read(4))
        self.unsealed += 1
        return self.sealer.unseal(index, self.f.read(length))
