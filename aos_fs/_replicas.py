"""The `replicas` field of an object's info: where each revision's bytes are (per endpoint)."""

from __future__ import annotations

from typing import Any

from . import _requests as R
from ._api import _call
from .client import AsyncAOSClient

Raw = dict[str, Any]


async def of_object(api: AsyncAOSClient, object_id: str, version_id: str | None) -> list[Raw]:
    """Replica rows of revision `version_id` (all revisions when `None`): `endpoint_name`,
    `endpoint_id`, `status` (WAITING, RUNNING, FINISHED, ERROR), `attempts`, `error`."""
    rows: list[Raw] = await api._send(_call(f"/resources/{R.seg(object_id)}/replicas"))
    return [r for r in rows if version_id is None or r["version_id"] == version_id]
