"""`TransferProgress`: per-file and total bars with speed, updated at most 5 times a second."""

from __future__ import annotations

import html
import time
from dataclasses import dataclass

import ipywidgets as W

from ._format import size
from ._tasks import Throttle


@dataclass
class _File:
    name: str
    size: int
    done: int = 0
    bar: W.IntProgress | None = None
    label: W.HTML | None = None
    state: str = "waiting"


class TransferProgress(W.VBox):
    """Plain `IntProgress` bars (they render in Voila, Lab, Notebook 7 and VS Code alike)."""

    MAX_ROWS = 20  # a batch of many files shows only its first rows, and the total

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, _File] = {}
        self.total_bar = W.IntProgress(min=0, max=1, value=0, layout=W.Layout(width="60%"))
        self.total_label = W.HTML()
        self.rows = W.VBox()
        self._throttle = Throttle(0.2)
        self._started = time.monotonic()
        self.children = [self.rows, W.HBox([self.total_bar, self.total_label])]
        self.layout.display = "none"

    def start(self, files: dict[str, tuple[str, int]]) -> None:
        """A new batch: {id: (name, size)}."""
        self.files = {k: _File(name, n) for k, (name, n) in files.items()}
        rows = []
        for f in list(self.files.values())[: self.MAX_ROWS]:
            f.bar = W.IntProgress(min=0, max=max(f.size, 1), value=0, layout=W.Layout(width="60%"))
            f.label = W.HTML()
            rows.append(W.HBox([f.bar, f.label]))
        self.rows.children = rows
        self.total_bar.max = max(sum(f.size for f in self.files.values()), 1)
        self.total_bar.bar_style = ""
        self._started = time.monotonic()
        self.layout.display = None
        self._render(force=True)

    def advance(self, key: str, done: int) -> None:
        f = self.files.get(key)
        if f is None:
            return
        f.done = min(done, f.size)
        f.state = "sending"
        self._render()

    def finish(self, key: str, state: str = "done") -> None:
        f = self.files.get(key)
        if f is None:
            return
        if state == "done":
            f.done = f.size
        f.state = state
        self._render(force=True)

    @property
    def done(self) -> int:
        return sum(f.done for f in self.files.values())

    @property
    def total(self) -> int:
        return sum(f.size for f in self.files.values())

    def _render(self, force: bool = False) -> None:
        if not self._throttle(force):
            return
        for f in self.files.values():
            if f.bar is None or f.label is None:
                continue
            f.bar.value = f.done
            f.bar.bar_style = {"done": "success", "failed": "danger", "cancelled": "warning"}.get(
                f.state, ""
            )
            f.label.value = (
                f"{html.escape(f.name)}: {size(f.done)} / {size(f.size)} <i>{f.state}</i>"
            )
        elapsed = max(time.monotonic() - self._started, 1e-6)
        self.total_bar.value = self.done
        states = {f.state for f in self.files.values()}
        if states <= {"done"}:
            self.total_bar.bar_style = "success"
        elif "failed" in states or "cancelled" in states:
            self.total_bar.bar_style = "warning"
        self.total_label.value = (
            f"total {size(self.done)} / {size(self.total)} · {size(int(self.done / elapsed))}/s"
        )
