"""`aos put`, `get`, `cp`, `mv`: files and whole folders, in parallel, with progress."""

from __future__ import annotations

import asyncio
import errno
import os
import posixpath
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..paths import AOSPath
from ._app import CLIError, Exit, State, json_option, open_fs, pass_state, run
from ._output import SIZE, emit, size
from ._resolve import display
from ._transfer import MiB, Progress, Throttle, Transfer, download, upload

if TYPE_CHECKING:
    from ..filesystem import AOSFileSystem


def transfer_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(1, 64),
            default=8,
            show_default=True,
            help="Files (and parts of a large file) moved at the same time.",
        ),
        click.option(
            "--part-size",
            type=SIZE,
            default=16 * MiB,
            show_default="16MiB",
            help="Part size of large files.",
        ),
        click.option(
            "--multipart-threshold",
            type=SIZE,
            default=64 * MiB,
            show_default="64MiB",
            help="Files from this size on go in resumable parts.",
        ),
        click.option(
            "--limit-rate",
            type=SIZE,
            default=None,
            metavar="SIZE",
            help="Average bytes per second for large files (e.g. 10MiB).",
        ),
        click.option("--no-progress", is_flag=True, help="No progress bar, even on a terminal."),
        click.option(
            "-r", "--recursive", is_flag=True, hidden=True, help="Folders are copied whole anyway."
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _progress(state: State, no_progress: bool, items: list[Transfer], verb: str) -> Progress:
    enabled = not state.json and not no_progress and sys.stderr.isatty()
    return Progress(enabled, sum(t.size for t in items), len(items), verb)


async def _gather(jobs: int, work: list[Coroutine[Any, Any, None]]) -> None:
    limit = asyncio.Semaphore(jobs)

    async def one(c: Coroutine[Any, Any, None]) -> None:
        async with limit:
            await c

    tasks = [asyncio.ensure_future(one(c)) for c in work]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()


def _summary(state: State, items: list[Transfer], verb: str, started: float) -> None:
    seconds = time.monotonic() - started
    total = sum(t.size for t in items)
    data = {
        "files": [
            {
                "source": str(t.local) if verb == "uploaded" else display(t.remote),
                "destination": display(t.remote) if verb == "uploaded" else str(t.local),
                "size": t.size,
                "parts": t.parts,
                "resumed": t.resumed,
            }
            for t in items
        ],
        "bytes": total,
        "seconds": round(seconds, 3),
    }
    rate = f"{size(int(total / seconds))}/s" if seconds > 0 else "-"
    resumed = sum(1 for t in items if t.resumed)
    note = f", {resumed} resumed" if resumed else ""
    emit(
        state,
        data,
        lambda: click.echo(
            f"{verb} {len(items)} files, {size(total)} in {seconds:.1f} s ({rate}){note}"
        ),
    )


def _resumable(work: Coroutine[Any, Any, list[Transfer]]) -> list[Transfer]:
    try:
        return run(work)
    except KeyboardInterrupt:
        raise CLIError(
            "interrupted; run the same command again to resume large files", Exit.INTERRUPTED
        ) from None


# -- put ----------------------------------------------------------------------------------------
async def _exists_dir(fs: AOSFileSystem, path: str) -> bool | None:
    """True: a directory, False: a file, None: nothing there."""
    try:
        return bool((await fs._info(path, refresh=True))["type"] == "directory")
    except FileNotFoundError:
        return None


def _plan_put(sources: tuple[Path, ...], dest: str, dest_is_dir: bool | None) -> list[Transfer]:
    into = dest_is_dir is True or dest.endswith("/") or len(sources) > 1
    if len(sources) > 1 and dest_is_dir is False:
        raise NotADirectoryError(errno.ENOTDIR, f"{display(dest)} is a file")
    base = AOSPath.parse(dest).plain
    items: list[Transfer] = []
    for src in sources:
        if not src.exists():
            raise FileNotFoundError(errno.ENOENT, f"No such local file or directory: {src}")
        name = src.resolve().name
        if src.is_dir():
            root = f"{base}/{name}" if into else base
            for dirpath, _dirs, files in os.walk(src):
                for fname in sorted(files):
                    local = Path(dirpath) / fname
                    rel = local.relative_to(src).as_posix()
                    items.append(Transfer(local, f"{root}/{rel}", local.stat().st_size))
        else:
            remote = f"{base}/{name}" if into else base
            items.append(Transfer(src, remote, src.stat().st_size))
    return items


async def _make_parents(fs: AOSFileSystem, items: list[Transfer]) -> None:
    """Create the collection/dataset levels first, so parallel writes do not race for them."""
    parents: set[str] = set()
    for t in items:
        segs = AOSPath.parse(t.remote).segments[:-1]
        if len(segs) > 1:
            parents.add("/".join(segs[:3]))
    for parent in sorted(parents):
        await fs._makedirs(parent, exist_ok=True)


@click.command("put")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.argument("dest")
@transfer_options
@json_option
@pass_state
def put(
    state: State,
    sources: tuple[Path, ...],
    dest: str,
    jobs: int,
    part_size: int,
    multipart_threshold: int,
    limit_rate: int | None,
    no_progress: bool,
    recursive: bool,
) -> None:
    """Upload local files and folders to DEST (project/collection/dataset/…).

    Into an existing directory (or DEST ending in /) each source keeps its name; otherwise DEST
    is the new name. Large files go in parallel parts and resume when run again.
    """
    started = time.monotonic()

    async def go() -> list[Transfer]:
        async with open_fs(state, max_concurrency=jobs) as fs:
            project = AOSPath.parse(dest).project
            if not project or await _exists_dir(fs, project) is None:
                raise FileNotFoundError(
                    errno.ENOENT,
                    f"No such project: aos://{project} (create it with `aos mkdir {project}`)",
                )
            items = _plan_put(sources, dest, await _exists_dir(fs, dest))
            await _make_parents(fs, items)
            progress = _progress(state, no_progress, items, "uploading")
            throttle = Throttle(limit_rate)

            async def one(t: Transfer) -> None:
                if t.size >= multipart_threshold:
                    await upload(fs, t, progress, part_size=part_size, jobs=jobs, throttle=throttle)
                else:
                    await fs._put_file(str(t.local), t.remote, callback=progress.callback())
                progress.file_done()

            try:
                await _gather(jobs, [one(t) for t in items])
            finally:
                progress.close()
            return items

    _summary(state, _resumable(go()), "uploaded", started)


# -- get ----------------------------------------------------------------------------------------
@click.command("get")
@click.argument("sources", nargs=-1, required=True)
@click.argument("dest", type=click.Path(path_type=Path))
@transfer_options
@json_option
@pass_state
def get(
    state: State,
    sources: tuple[str, ...],
    dest: Path,
    jobs: int,
    part_size: int,
    multipart_threshold: int,
    limit_rate: int | None,
    no_progress: bool,
    recursive: bool,
) -> None:
    """Download objects and directories (PATH or PATH@REVISION) to DEST on this machine.

    Into an existing folder (or DEST ending in /) each source keeps its name. Large files come
    in parallel ranges, resume when run again and are checked against their SHA-256.
    """
    started = time.monotonic()
    dest_is_dir = dest.is_dir() or str(dest).endswith(os.sep)
    into = dest_is_dir or len(sources) > 1
    if len(sources) > 1 and dest.exists() and not dest.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, f"{dest} is not a folder")

    async def go() -> list[Transfer]:
        async with open_fs(state, max_concurrency=jobs) as fs:
            items: list[Transfer] = []
            for src in sources:
                p = AOSPath.parse(src)
                info = await fs._info(str(p), refresh=True)
                name = posixpath.basename(p.plain)
                if info["type"] == "file":
                    local = dest / name if into else dest
                    items.append(Transfer(local, str(p), info["size"], meta=info))
                    continue
                root = dest / name if dest_is_dir else dest
                found = await fs._find(p.plain, detail=True)
                for rname, rinfo in found.items():
                    rel = rname[len(p.plain) :].lstrip("/")
                    items.append(Transfer(root / rel, rname, rinfo["size"], meta=rinfo))
            for t in items:
                t.local.parent.mkdir(parents=True, exist_ok=True)
            progress = _progress(state, no_progress, items, "downloading")
            throttle = Throttle(limit_rate)

            async def one(t: Transfer) -> None:
                if t.size >= multipart_threshold:
                    await download(
                        fs, t, progress, part_size=part_size, jobs=jobs, throttle=throttle
                    )
                else:
                    await fs._get_file(t.remote, str(t.local), callback=progress.callback())
                progress.file_done()

            try:
                await _gather(jobs, [one(t) for t in items])
            finally:
                progress.close()
            return items

    _summary(state, _resumable(go()), "downloaded", started)


# -- cp / mv ------------------------------------------------------------------------------------
async def _copy(fs: AOSFileSystem, src: str, dest: str, jobs: int) -> list[tuple[str, str]]:
    """Server-side copies (no bytes through this machine); returns (source, copy) names."""
    p = AOSPath.parse(src)
    info = await fs._info(str(p), refresh=True)
    dest_kind = await _exists_dir(fs, dest)
    base = AOSPath.parse(dest).plain
    name = posixpath.basename(p.plain)
    pairs: list[tuple[str, str]]
    if info["type"] == "file":
        target = f"{base}/{name}" if dest_kind is True or dest.endswith("/") else base
        pairs = [(str(p), target)]
    else:
        root = f"{base}/{name}" if dest_kind is True else base
        if root == p.plain or root.startswith(p.plain + "/"):
            raise ValueError(f"cannot copy {display(src)} into itself")
        found = await fs._find(p.plain)
        pairs = [(n, f"{root}/{n[len(p.plain) :].lstrip('/')}") for n in found]
    items = [Transfer(Path(a), b, 0) for a, b in pairs]
    await _make_parents(fs, items)
    await _gather(jobs, [fs._cp_file(a, b) for a, b in pairs])
    return pairs


def _cp_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("-j", "--jobs", type=click.IntRange(1, 64), default=8, show_default=True)(f)
    return click.option("-r", "--recursive", is_flag=True, hidden=True)(f)


@click.command("cp")
@click.argument("source")
@click.argument("dest")
@_cp_options
@json_option
@pass_state
def cp(state: State, source: str, dest: str, jobs: int, recursive: bool) -> None:
    """Copy an object or a directory within the store (server-side; SOURCE may be PATH@REV)."""

    async def go() -> list[tuple[str, str]]:
        async with open_fs(state, max_concurrency=jobs) as fs:
            return await _copy(fs, source, dest, jobs)

    pairs = run(go())
    emit(
        state,
        [{"source": display(a), "destination": display(b)} for a, b in pairs],
        lambda: click.echo(f"copied {len(pairs)} objects to {display(dest)}"),
    )


@click.command("mv")
@click.argument("source")
@click.argument("dest")
@_cp_options
@json_option
@pass_state
def mv(state: State, source: str, dest: str, jobs: int, recursive: bool) -> None:
    """Move an object or a directory: a server-side copy, then the source is deleted."""
    if AOSPath.parse(source).pinned:
        raise click.UsageError("revisions stay where they are; use `aos cp PATH@REV DEST`")

    async def go() -> list[tuple[str, str]]:
        async with open_fs(state, max_concurrency=jobs) as fs:
            pairs = await _copy(fs, source, dest, jobs)
            await fs._rm(AOSPath.parse(source).plain, recursive=True)
            return pairs

    pairs = run(go())
    emit(
        state,
        [{"source": display(a), "destination": display(b)} for a, b in pairs],
        lambda: click.echo(f"moved {len(pairs)} objects to {display(dest)}"),
    )
