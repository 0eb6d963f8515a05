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


def test_documentation_site_builds_without_warnings(tmp_path: Path) -> None:
    """The mkdocs site (every page in the nav, every link between pages) builds in strict mode."""
    import subprocess
    import sys

    result = subprocess.run(  # noqa: S603 - a fixed command line
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=DOCS.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "search" / "index.html").exists()
