"""The docs stay true: every setting, error code and route is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from aos_server import errors
from aos_server.settings import Settings
from aos_server.web.api import ROUTERS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _codes() -> list[str]:
    found = []
    for obj in vars(errors).values():
        if isinstance(obj, type) and issubclass(obj, errors.AOSError):
            found.append(obj.code)
    return sorted(set(found))


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`AOS_{name.upper()}`" in (DOCS / "settings.md").read_text()


@pytest.mark.parametrize("code", _codes())
def test_every_error_code_is_documented(code: str) -> None:
    assert f"`{code}`" in (DOCS / "errors.md").read_text()


@pytest.mark.parametrize(
    "route", [f"| {op.method} | `{op.path}` |" for r in ROUTERS for op in r.operations]
)
def test_every_route_is_documented(route: str) -> None:
    assert route in (DOCS / "api.md").read_text()


def test_readme_starts_with_the_two_commands() -> None:
    readme = (DOCS.parent / "README.md").read_text()
    head = readme[: readme.index("## ")]
    assert "make serve" in head
    assert "make test" in head
    assert "make test" in (DOCS.parent / ".ci" / "run").read_text()
