"""`UploadPanel`: upload files of any size into the browser's current location.

Three ways in, because notebook frontends limit what one websocket message carries:
small files through ipywidgets' `FileUpload` (8 MiB each at most), any size through the
chunked uploader (the page sends 8 MiB parts straight to S3 with presigned URLs), and
any size from a path on the kernel's disk. Every transfer is an asyncio task: the kernel
stays free, progress is throttled, and Cancel stops the bytes and aborts the upload.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import os
import time
from typing import Any

import ipywidgets as W

from ._format import size
from ._frontend import BrowserUploader
from ._progress import TransferProgress
from ._s3 import BrowserPlan, split
from ._session import Session
from ._tasks import StatusLine, Tasks, on_click

SMALL_LIMIT = 8 * 1024 * 1024  # below the 10 MiB websocket message limit of Jupyter servers


class UploadPanel(W.VBox):
    """Uploads into the location shown by the browser (a project, collection or dataset)."""

    def __init__(self, session: Session, *, concurrency: int = 3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.concurrency = concurrency
        self.status = StatusLine()
        self.tasks = Tasks(self.status)
        self.progress = TransferProgress()
        self.plans: dict[str, BrowserPlan] = {}
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}

        self.target = W.HTML()
        self.small = W.FileUpload(multiple=True, description="Small files")
        self.small_note = W.HTML("<small>at most 8 MiB each (notebook message limit)</small>")
        self.uploader = BrowserUploader(label="Any size: sent in 8 MiB parts straight to the store")
        self.local_path = W.Text(
            placeholder="path on the kernel's disk (file or folder)", layout=W.Layout(width="28em")
        )
        self.local_button = W.Button(description="Upload from kernel", icon="upload")
        self.cancel_button = W.Button(description="Cancel", icon="stop", button_style="warning")

        self.small.observe(self._on_small_change, "value")
        self.uploader.on_message(self.handle_page_message)
        self.local_button.on_click(
            on_click(self.tasks, lambda: self.upload_path(self.local_path.value))
        )
        self.cancel_button.on_click(lambda _: self.cancel())
        session.observe(self._on_path_change, "path")
        self.children = [
            self.target,
            W.HBox([self.small, self.small_note]),
            self.uploader,
            W.HBox([self.local_path, self.local_button]),
            W.HBox([self.cancel_button]),
            self.progress,
            self.status,
        ]
        self.add_class("aos-upload")
        self._on_path_change({})

    # -- actions --------------------------------------------------------------------------------
    async def upload_small(self, files: list[dict[str, Any]]) -> int:
        """Upload `FileUpload`-style dicts (name, content, type); returns the files sent."""
        target = self._target()
        too_big = [f["name"] for f in files if len(f["content"]) > SMALL_LIMIT]
        if too_big:
            raise ValueError(
                f"{', '.join(too_big)}: over 8 MiB; use the 'Any size' uploader or a kernel path"
            )
        batch = {f["name"]: (f["name"], len(f["content"])) for f in files}
        self.progress.start(batch)
        t = self.session.transfers
        for f in files:
            bucket, key = split(target, f["name"])
            await t.put_bytes(bucket, key, bytes(f["content"]), f.get("type") or guess_type(key))
            self.progress.finish(f["name"])
        return self._done(len(files))

    async def upload_path(self, path: str) -> int:
        """Upload a file, or a folder's files, from the kernel's disk; returns the files sent."""
        path = await asyncio.to_thread(os.path.expanduser, path.strip())
        target = self._target()
        if not path or not await asyncio.to_thread(os.path.exists, path):
            raise FileNotFoundError(f"No such file or folder on the kernel's disk: {path!r}")
        pairs = await asyncio.to_thread(_walk, path)
        self.progress.start({local: (name, n) for local, name, n in pairs})
        t = self.session.transfers
        for local, name, _ in pairs:
            bucket, key = split(target, name)
            try:
                await t.upload_file(
                    local,
                    bucket,
                    key,
                    concurrency=self.concurrency,
                    progress=lambda done, k=local: self.progress.advance(k, done),
                )
            except asyncio.CancelledError:
                self.progress.finish(local, "cancelled")
                raise
            self.progress.finish(local)
        return self._done(len(pairs))

    async def upload_from_page(self, files: list[dict[str, Any]], origin: str) -> int:
        """Upload files the page offered: plan parts, let the page send them, then complete."""
        target = self._target()
        project = target.split("/", 1)[0]
        t = self.session.transfers
        try:
            if origin and await t.allow_origin(project, origin):
                self.status.info(f"Allowed {origin} to upload to {project} (CORS rule added)")
        except Exception as exc:
            raise PermissionError(
                f"Browser uploads need a CORS rule for {origin} on {project}, and adding one "
                f"failed ({exc}); ask a project admin, or upload from a kernel path"
            ) from exc
        self.progress.start({f["id"]: (f["name"], int(f["size"])) for f in files})
        loop = asyncio.get_running_loop()
        for f in files:
            fid = f["id"]
            bucket, key = split(target, f["name"])
            plan = await t.plan_browser_upload(bucket, key, int(f["size"]))
            self.plans[fid] = plan
            waiter: asyncio.Future[dict[str, Any]] = loop.create_future()
            self._waiting[fid] = waiter
            try:
                self.uploader.send(
                    {
                        "type": "plan",
                        "id": fid,
                        "part_size": plan.part_size,
                        "urls": plan.urls,
                        "concurrency": self.concurrency,
                    }
                )
                outcome = await waiter
                if outcome["type"] != "done":
                    raise OSError(f"{f['name']}: {outcome.get('error') or outcome['type']}")
                await t.complete(plan)
            except BaseException:
                self.progress.finish(fid, "cancelled" if waiter.cancelled() else "failed")
                await asyncio.shield(t.abort(plan.bucket, plan.key, plan.upload_id))
                raise
            finally:
                self._waiting.pop(fid, None)
                self.plans.pop(fid, None)
            self.progress.finish(fid)
        return self._done(len(files))

    def cancel(self) -> None:
        """Stop every transfer of this panel now (the page aborts its requests too)."""
        with contextlib.suppress(Exception):
            self.uploader.send({"type": "cancel"})
        self.tasks.cancel()

    def handle_page_message(self, msg: dict[str, Any]) -> None:
        """What the page says: 'selected' files, 'progress', and 'done'/'failed'/'cancelled'."""
        kind = msg.get("type")
        if kind == "selected":
            self.tasks.spawn(self.upload_from_page(list(msg["files"]), str(msg.get("origin", ""))))
        elif kind == "progress":
            self.progress.advance(str(msg["id"]), int(msg["loaded"]))
        elif kind in ("done", "failed", "cancelled"):
            waiter = self._waiting.get(str(msg["id"]))
            if waiter is not None and not waiter.done():
                waiter.get_loop().call_soon_threadsafe(_settle, waiter, msg)

    # -- internals ------------------------------------------------------------------------------
    def _target(self) -> str:
        if not self.session.path:
            raise ValueError("Open a project (or a collection or dataset in it) to upload into")
        return self.session.path

    def _done(self, count: int) -> int:
        elapsed = max(time.monotonic() - self.progress._started, 1e-6)
        self.status.ok(
            f"Uploaded {count} file{'s' if count != 1 else ''} ({size(self.progress.total)}) "
            f"in {elapsed:.1f} s"
        )
        self.session.touch()
        return count

    def _on_small_change(self, change: dict[str, Any]) -> None:
        files = [dict(f) for f in change["new"]]
        if files:
            self.tasks.spawn(self._small_then_clear(files))

    async def _small_then_clear(self, files: list[dict[str, Any]]) -> None:
        try:
            await self.upload_small(files)
        finally:
            self.small.value = ()

    def _on_path_change(self, _: dict[str, Any]) -> None:
        where = self.session.path
        self.target.value = (
            f"Uploads go to <code>aos://{where}/</code>"
            if where
            else "<i>Open a project, collection or dataset in the browser to upload into it</i>"
        )
        self.uploader.disabled = not where


def _settle(waiter: asyncio.Future[dict[str, Any]], msg: dict[str, Any]) -> None:
    if not waiter.done():
        waiter.set_result(msg)


def _walk(path: str) -> list[tuple[str, str, int]]:
    """(local path, name relative to the upload, size) for a file or every file in a folder."""
    if os.path.isfile(path):
        return [(path, os.path.basename(path), os.path.getsize(path))]
    base = os.path.basename(os.path.normpath(path))
    found = []
    for root, _, names in os.walk(path):
        for n in sorted(names):
            local = os.path.join(root, n)
            rel = os.path.relpath(local, path).replace(os.sep, "/")
            found.append((local, f"{base}/{rel}", os.path.getsize(local)))
    return found


def guess_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
