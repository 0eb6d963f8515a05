"""`aos usage`, `quota`, `rules`, `snapshot`, `clone`, `archive` against a running `aos serve`."""

from __future__ import annotations

from pathlib import Path

from aos_fs.client import AOSClient
from tests.factories import unique

from .conftest import Aos


def test_governance_commands(aos: Aos, admin: AOSClient, tmp_path: Path) -> None:
    name = unique("cli-gov")
    project = admin.create_project(name)
    ds = admin.create_dataset(project.id, "tables")
    aos.ok(
        "rules", "add", f"{name}/tables", "csv-only",
        'kind != "OBJECT" || name.endswith(".csv")'.replace("endswith", "endsWith"),
        "only CSV files in this dataset",
    )  # fmt: skip
    assert [r.name for r in admin.governance.rules(ds.id)] == ["csv-only"]
    txt = tmp_path / "notes.txt"
    txt.write_text("not a table")
    message = aos.fails(4, "put", str(txt), f"aos://{name}/tables/notes.txt")
    assert "only CSV files in this dataset" in message

    csv = tmp_path / "t.csv"
    csv.write_bytes(b"a,b\n" * 200)
    aos.ok("put", str(csv), f"aos://{name}/tables/t.csv")
    aos.ok("quota", name, "--max-bytes", "1KiB")
    used = aos.ok("usage", name, "--json").json()
    assert (used["bytes"], used["objects"], used["max_bytes"]) == (800, 1, 1024)
    # S3's QuotaExceeded reaches fsspec as a plain OSError (exit 1), with the server's message.
    message = aos.fails(1, "put", str(csv), f"aos://{name}/tables/again.csv")
    assert "Quota exceeded" in message
    admin.governance.set_project_quota(project.id)  # no limits

    snap = aos.ok("snapshot", f"{name}/tables", "--name", "tables-v1", "--json").json()
    assert {"key": "aos.snapshot_of", "value": ds.id} in [
        {"key": kv["key"], "value": kv["value"]} for kv in snap["key_values"]
    ]
    other = admin.create_project(unique("cli-gov2"))
    aos.ok("clone", f"{name}/tables/t.csv", other.name)
    assert admin.resolve_one(f"{other.name}/t.csv").size == 800

    assert "archived" in aos.ok("archive", name).out
    message = aos.fails(4, "put", str(csv), f"aos://{name}/tables/later.csv")
    assert "archived" in message
