"""`aos meta get|set`: titles, licenses, data classes and key-values of a path."""

from __future__ import annotations

from typing import Any

import click

from ._app import CLIError, Exit, State, json_option, open_fs, pass_state, run
from ._output import emit, fields


@click.group("meta")
def meta() -> None:
    """Read and change metadata: title, description, licenses, data class, key-values."""


@meta.command("get")
@click.argument("path")
@click.argument("key", required=False)
@json_option
@pass_state
def meta_get(state: State, path: str, key: str | None) -> None:
    """Show PATH's metadata, or only the value of key-value KEY."""

    async def go() -> dict[str, Any]:
        async with open_fs(state) as fs:
            return dict(await fs._metadata(path))

    data = run(go())
    if key is not None:
        values = [kv["value"] for kv in data["key_values"] if kv["key"] == key]
        if not values:
            raise CLIError(f"no key-value {key!r} on {path}", Exit.NOT_FOUND)
        emit(state, {"key": key, "value": values[-1]}, lambda: click.echo(values[-1]))
        return

    def human() -> None:
        pairs: list[tuple[str, Any]] = [
            (k, data.get(k))
            for k in (
                "kind",
                "id",
                "title",
                "description",
                "data_class",
                "metadata_license",
                "data_license",
                "status",
            )
        ]
        pairs += [("author", a.get("name")) for a in data.get("authors") or []]
        pairs += [
            (f"kv {kv['key']}", f"{kv.get('value', '')}  [{kv['variant']}]")
            for kv in data["key_values"]
        ]
        fields(pairs)

    emit(state, data, human)


def _pairs(items: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="KEY=VALUE")
        out[key] = value
    return out


@meta.command("set")
@click.argument("path")
@click.argument("key_values", nargs=-1, metavar="[KEY=VALUE]...")
@click.option("--remove", "remove", multiple=True, metavar="KEY", help="Remove a key (repeat).")
@click.option("--title", default=None)
@click.option("--description", default=None)
@click.option("--license", "license_", default=None, help="Data license (SPDX id).")
@click.option("--metadata-license", default=None, help="Metadata license (SPDX id).")
@click.option(
    "--data-class",
    type=click.Choice(["PUBLIC", "PRIVATE", "WORKSPACE", "CONFIDENTIAL"], case_sensitive=False),
    default=None,
    help="Only relaxing toward PUBLIC is allowed.",
)
@json_option
@pass_state
def meta_set(
    state: State,
    path: str,
    key_values: tuple[str, ...],
    remove: tuple[str, ...],
    title: str | None,
    description: str | None,
    license_: str | None,
    metadata_license: str | None,
    data_class: str | None,
) -> None:
    """Set labels KEY=VALUE (replacing a key's earlier value), remove keys, change fields."""
    values = _pairs(key_values)
    changes = {
        "title": title,
        "description": description,
        "license": license_,
        "metadata_license": metadata_license,
        "data_class": data_class.upper() if data_class else None,
    }
    if not values and not remove and all(v is None for v in changes.values()):
        raise click.UsageError("nothing to change: give KEY=VALUE, --remove or a field option")

    async def go() -> dict[str, Any]:
        async with open_fs(state) as fs:
            if any(v is not None for v in changes.values()):
                await fs._set_metadata(
                    path,
                    title=title,
                    description=description,
                    license=license_,
                    metadata_license=metadata_license,
                    data_class=changes["data_class"],
                )
            if values or remove:
                await fs._set_key_values(path, values, remove=remove)
            return dict(await fs._metadata(path))

    data = run(go())
    emit(state, data, lambda: click.echo(f"updated {path}"))
