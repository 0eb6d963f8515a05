"""What clients were told: acknowledged writes, and the one write each client had in flight.

A key's acceptable states after a crash are its acknowledged state and, if a write to it was in
flight when the server died, that write's outcome. `ABSENT` stands for "no object" (never
written, or deleted).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

ABSENT = "absent"


@dataclass
class KeyState:
    acked: str = ABSENT  # md5 of the acknowledged content, or ABSENT
    pending: str | None = None  # outcome of an unacknowledged write: md5 or ABSENT

    def allowed(self) -> set[str]:
        return {self.acked} | ({self.pending} if self.pending is not None else set())


@dataclass
class LabelState:
    acked: set[str] = field(default_factory=set)
    pending: str | None = None


@dataclass
class Ledger:
    objects: dict[str, KeyState] = field(default_factory=dict)
    labels: dict[str, LabelState] = field(default_factory=dict)  # resource id -> label keys
    acknowledged: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def begin(self, key: str, outcome: str) -> None:
        with self.lock:
            self.objects.setdefault(key, KeyState()).pending = outcome

    def ack(self, key: str) -> None:
        with self.lock:
            state = self.objects[key]
            assert state.pending is not None
            state.acked, state.pending = state.pending, None
            self.acknowledged += 1

    def begin_label(self, resource_id: str, label: str) -> None:
        with self.lock:
            self.labels.setdefault(resource_id, LabelState()).pending = label

    def ack_label(self, resource_id: str) -> None:
        with self.lock:
            state = self.labels[resource_id]
            assert state.pending is not None
            state.acked.add(state.pending)
            state.pending = None
            self.acknowledged += 1

    def settle(self, key: str, observed: str) -> None:
        """After a check: what the restarted server shows becomes the acknowledged state."""
        self.objects[key] = KeyState(acked=observed)

    def settle_labels(self, resource_id: str, observed: set[str]) -> None:
        self.labels[resource_id] = LabelState(acked=observed)

    def live_keys(self, prefix: str) -> list[str]:
        with self.lock:
            return [
                k
                for k, s in self.objects.items()
                if k.startswith(prefix) and s.acked != ABSENT and s.pending is None
            ]
