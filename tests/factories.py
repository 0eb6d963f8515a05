"""Factories for tests: unique names, users with tokens, deterministic payloads."""

from __future__ import annotations

import random
import uuid

from aos_fs.client import AOSClient


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def make_user(admin: AOSClient, *, is_admin: bool = False) -> tuple[str, AOSClient]:
    """Create a user and return (user id, a client authenticated as that user)."""
    user = admin.create_user(unique("user"), is_admin=is_admin)
    token = admin.create_token("test", user_id=user.id)
    return user.id, admin.with_token(token.secret)


def payload(size: int, seed: int = 0) -> bytes:
    """Deterministic bytes of `size` (reproducible across runs)."""
    return random.Random(seed).randbytes(size)
