"""docs/cli.md stays true: every command and every exit code is documented."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from aos_fs.cli import Exit, cli

DOC = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text()


def _commands(group: click.Group, prefix: str = "aos") -> list[str]:
    out = []
    for name, command in group.commands.items():
        out.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            out += _commands(command, f"{prefix} {name}")
    return out


@pytest.mark.parametrize("command", _commands(cli))
def test_every_command_is_documented(command: str) -> None:
    assert f"`{command}" in DOC


@pytest.mark.parametrize("code", list(Exit))
def test_every_exit_code_is_documented(code: Exit) -> None:
    assert f"| {int(code)} |" in DOC
