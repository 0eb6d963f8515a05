"""DetailsPanel and PreviewPanel on real objects: hashes, versions, tables, images, text."""

from __future__ import annotations

import io

import pandas as pd

from aos_fs import AOSFileSystem
from aos_widgets import DetailsPanel, PreviewPanel, Session, code_for
from aos_widgets.browser import BrowserPanel

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8"
    "cfc0f01f0005000201a0e1e4b70000000049454e44ae426082"
)


async def test_details_of_an_object(session: Session, project: str, fs: AOSFileSystem) -> None:
    fs.pipe(f"aos://{project}/c/d/table.csv", b"a,b\n1,2\n")
    fs.pipe(f"aos://{project}/c/d/table.csv", b"a,b\n1,2\n3,4\n")  # revision 2
    browser, details = BrowserPanel(session), DetailsPanel(session)
    await browser.go(f"{project}/c/d")
    browser.select("table.csv")
    await details.tasks.join()
    assert "md5" in details.summary.value and "sha256" in details.summary.value
    assert "12 B" in details.summary.value
    versions, _, relations = details.extra.value.partition("<b>Relations</b>")
    assert "Versions" in versions and versions.count("<tr>") == 3  # header + 2 revisions
    assert "version" in relations  # revision 1 -> revision 2
    assert details.path_text.value == f"aos://{project}/c/d/table.csv"
    assert details.copy_path.text == details.path_text.value
    assert f'pd.read_csv("aos://{project}/c/d/table.csv")' in details.code.value
    await browser.up()
    browser.select("d")
    await details.tasks.join()
    assert "2 objects" not in details.summary.value  # only the latest revision counts
    assert "1 objects" in details.summary.value


def test_code_for() -> None:
    assert 'pd.read_parquet("aos://p/x.parquet")' in code_for("p/x.parquet")
    assert "fsspec.open" in code_for("p/blob.bin")
    assert 'sep="\\t"' in code_for("p/x.tsv")


async def test_previews(session: Session, project: str, fs: AOSFileSystem) -> None:
    base = f"aos://{project}/c/d"
    frame = pd.DataFrame({"x": range(100), "y": [f"r{i}" for i in range(100)]})
    buf = io.BytesIO()
    frame.to_parquet(buf)
    fs.pipe(f"{base}/t.parquet", buf.getvalue())
    fs.pipe(f"{base}/t.csv", frame.to_csv(index=False).encode())
    fs.pipe(f"{base}/p.png", PNG)
    fs.pipe(f"{base}/notes.md", b"# Hello <world>\n")
    fs.pipe(f"{base}/blob.bin", b"\x00" * 10)
    browser, preview = BrowserPanel(session), PreviewPanel(session)
    await browser.go(f"{project}/c/d")
    shown = {}
    for name in ["t.parquet", "t.csv", "p.png", "notes.md", "blob.bin"]:
        browser.select(name)
        await preview.tasks.join()
        shown[name] = preview.kind
        if name.startswith("t."):
            html = preview.body.children[0].value
            assert "<table" in html and "r19" in html and "r20" not in html
    assert shown == {
        "t.parquet": "parquet",
        "t.csv": "csv",
        "p.png": "image",
        "notes.md": "text",
        "blob.bin": "",
    }
    browser.select("notes.md")
    await preview.tasks.join()
    assert "&lt;world&gt;" in preview.body.children[0].value  # escaped
