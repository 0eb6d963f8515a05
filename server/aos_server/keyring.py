"""The master key: seals secrets the service must be able to read back (S3 secret keys)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import IntegrityError, InvalidInput


class Keyring:
    """AES-256-GCM sealing with keys derived from one master key per purpose."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise InvalidInput("The master key must be 32 bytes (base64 of 32 random bytes)")
        self._master = master_key

    @classmethod
    def load_or_create(cls, path: Path) -> Keyring:
        """Read `path`, or create it with a fresh random key (mode 0600) on first start."""
        if path.exists():
            return cls(base64.b64decode(path.read_text().strip()))
        # SECURITY: a data directory made here is private (0700): other users on the host
        # cannot read the database or the blobs inside it.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = os.urandom(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(base64.b64encode(key).decode() + "\n")
        return cls(key)

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose, so no two uses share key material."""
        return hmac.new(self._master, purpose.encode(), hashlib.sha256).digest()

    def seal(self, plaintext: bytes, purpose: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + AESGCM(self.derive(purpose)).encrypt(nonce, plaintext, purpose.encode())

    def unseal(self, sealed: bytes, purpose: str) -> bytes:
        try:
            return AESGCM(self.derive(purpose)).decrypt(sealed[:12], sealed[12:], purpose.encode())
        except Exception as exc:  # InvalidTag: wrong master key or tampered row
            raise IntegrityError(
                "A sealed secret could not be opened: the master key differs from the one it "
                "was sealed with, or the stored value was altered"
            ) from exc
