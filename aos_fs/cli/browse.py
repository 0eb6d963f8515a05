"""`aos ls`, `tree`, `info`, `mkdir`, `rm`, `versions`: the hierarchy as directories and files."""

from __future__ import annotations

import errno
from typing import Any

import click

from ._app import State, json_option, open_fs, pass_state, run
from ._output import emit, fields, size, table, when
from ._resolve import display

Info = dict[str, Any]


def _label(info: Info) -> str:
    name = str(info["name"]).rsplit("/", 1)[-1] or str(info["name"])
    return f"{name}/" if info["type"] == "directory" else name


@click.command("ls")
@click.argument("path", required=False, default="")
@click.option("-l", "--long", "long_", is_flag=True, help="Kind, size, revision, time and name.")
@json_option
@pass_state
def ls(state: State, path: str, long_: bool) -> None:
    """List projects, or what is directly below PATH (project/collection/dataset/…)."""

    async def go() -> list[Info]:
        async with open_fs(state) as fs:
            return list(await fs._ls(path, detail=True, refresh=True))

    entries = run(go())

    def human() -> None:
        if not long_:
            for e in entries:
                click.echo(_label(e) if path else e["name"])
            return
        rows = [
            (
                e.get("kind", "-"),
                size(e["size"]) if e["type"] == "file" else "-",
                f"@{e['revision']}" if e.get("revision") else "-",
                when(e.get("mtime")),
                _label(e) if path else e["name"],
            )
            for e in entries
        ]
        table(rows, ["KIND", "SIZE", "REV", "MODIFIED", "NAME"])

    emit(state, entries, human)


@click.command("tree")
@click.argument("path")
@click.option("-L", "--depth", type=int, default=None, help="Descend at most this many levels.")
@json_option
@pass_state
def tree(state: State, path: str, depth: int | None) -> None:
    """Show everything below PATH as a tree."""

    async def go() -> dict[str, Info]:
        async with open_fs(state) as fs:
            info = await fs._info(path, refresh=True)
            if info["type"] != "directory":
                return {info["name"]: info}
            found: dict[str, Info] = await fs._find(
                path, maxdepth=depth, withdirs=True, detail=True
            )
            found.setdefault(info["name"], info)
            return found

    found = run(go())
    root = min(found, key=len)

    def human() -> None:
        click.echo(display(root))
        children: dict[str, list[str]] = {}
        for name in sorted(found):
            if name != root:
                children.setdefault(name.rsplit("/", 1)[0], []).append(name)
        files = dirs = 0

        def walk(node: str, indent: str) -> None:
            nonlocal files, dirs
            kids = children.get(node, [])
            for i, kid in enumerate(kids):
                last = i == len(kids) - 1
                info = found[kid]
                extra = f"  ({size(info['size'])})" if info["type"] == "file" else ""
                click.echo(f"{indent}{'└── ' if last else '├── '}{_label(info)}{extra}")
                if info["type"] == "directory":
                    dirs += 1
                    walk(kid, indent + ("    " if last else "│   "))
                else:
                    files += 1

        walk(root, "")
        click.echo(f"\n{dirs} directories, {files} files")

    emit(state, found, human)


@click.command("info")
@click.argument("path")
@json_option
@pass_state
def info(state: State, path: str) -> None:
    """Everything known about one path: kind, id, size, hashes, licenses, key-values, stats."""

    async def go() -> Info:
        async with open_fs(state) as fs:
            found: Info = await fs._info(path, refresh=True)
            if found.get("id"):
                api = (await fs._conn()).api
                resource = await api.get(found["id"], stats=found["type"] == "directory")
                found["resource"] = resource.model_dump(mode="json")
            return found

    found = run(go())

    def human() -> None:
        r = found.get("resource") or {}
        stats = r.get("stats") or {}
        hashes = r.get("hashes") or {}
        pairs: list[tuple[str, Any]] = [
            ("path", display(found["name"])),
            ("kind", found.get("kind")),
            ("id", found.get("id")),
            ("title", r.get("title")),
            ("description", r.get("description")),
            ("status", r.get("status")),
            ("data class", r.get("data_class")),
            ("metadata license", r.get("metadata_license")),
            ("data license", r.get("data_license")),
            ("created", when(r.get("created_at"))),
            ("updated", when(r.get("updated_at"))),
        ]
        if found["type"] == "file":
            pairs += [
                ("size", f"{size(found['size'])} ({found['size']} bytes)"),
                ("revision", found.get("revision")),
                ("version id", found.get("version_id")),
                ("content type", found.get("content_type")),
                ("md5", hashes.get("md5")),
                ("sha256", hashes.get("sha256")),
            ]
        elif stats:
            pairs += [("objects", stats.get("count")), ("total size", size(stats.get("size")))]
        for kv in r.get("key_values") or []:
            pairs.append((f"kv {kv['key']}", f"{kv.get('value', '')}  [{kv['variant']}]"))
        fields([(k, v) for k, v in pairs if v is not None])

    emit(state, found, human)


@click.command("mkdir")
@click.argument("path")
@click.option("-p", "--parents", is_flag=True, help="Create missing parents; no error if present.")
@click.option("--dataset", is_flag=True, help="Make a dataset directly below the project.")
@click.option("--title", default=None, help="Title of the new resource.")
@click.option("--description", default=None, help="Description of the new resource.")
@click.option("--license", "license_", default=None, help="Data license (SPDX id).")
@click.option(
    "--data-class",
    type=click.Choice(["PUBLIC", "PRIVATE", "WORKSPACE", "CONFIDENTIAL"], case_sensitive=False),
    default=None,
    help="Data class of the new resource.",
)
@json_option
@pass_state
def mkdir(
    state: State,
    path: str,
    parents: bool,
    dataset: bool,
    title: str | None,
    description: str | None,
    license_: str | None,
    data_class: str | None,
) -> None:
    """Create a project (one level), collection (two) or dataset (three, or --dataset).

    Below a dataset, directories are `/`-prefixes of object names: they need no creating.
    """
    extra = {
        "title": title,
        "description": description,
        "data_license": license_,
        "data_class": data_class.upper() if data_class else None,
    }
    extra = {k: v for k, v in extra.items() if v is not None}

    async def go() -> Info:
        async with open_fs(state) as fs:
            try:
                await fs._mkdir(
                    path,
                    create_parents=parents,
                    kind="dataset" if dataset else None,
                    **extra,
                )
            except FileExistsError:
                if not parents:
                    raise
            created: Info = await fs._info(path, refresh=True)
            return created

    made = run(go())
    emit(
        state, made, lambda: click.echo(f"{made.get('kind', 'directory').lower()} {display(path)}")
    )


@click.command("rm")
@click.argument("paths", nargs=-1, required=True)
@click.option("-r", "--recursive", is_flag=True, help="Remove directories and what they hold.")
@json_option
@pass_state
def rm(state: State, paths: tuple[str, ...], recursive: bool) -> None:
    """Delete objects, or (with -r) directories. Deletion is soft: admins can restore."""

    async def go() -> list[str]:
        async with open_fs(state) as fs:
            for p in paths:
                found = await fs._info(p, refresh=True)  # FileNotFoundError → exit 3
                if found["type"] == "directory" and not recursive:
                    raise IsADirectoryError(errno.EISDIR, f"{display(p)} is a directory; use rm -r")
            await fs._rm(list(paths), recursive=recursive)
            return [display(p) for p in paths]

    removed = run(go())

    def human() -> None:
        for p in removed:
            click.echo(f"removed {p}")

    emit(state, {"removed": removed}, human)


@click.command("versions")
@click.argument("path")
@json_option
@pass_state
def versions(state: State, path: str) -> None:
    """Every revision of an object, oldest first (address one as PATH@N)."""

    async def go() -> list[Info]:
        async with open_fs(state) as fs:
            return list(await fs._versions(path))

    revs = run(go())
    rows = [
        (
            f"@{v['revision']}",
            v["version_id"],
            size(v["size"]),
            when(v.get("mtime")),
            (v.get("sha256") or v.get("md5") or "-")[:16],
            "latest" if v.get("latest") else "",
        )
        for v in revs
    ]
    emit(state, revs, lambda: table(rows, ["REV", "VERSION ID", "SIZE", "CREATED", "HASH", ""]))
