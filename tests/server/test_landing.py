"""FAIR landing pages: HTML with schema.org JSON-LD, content negotiation, RO-Crate export."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from aos_fs.client import AOSClient
from tests.conftest import LiveServer
from tests.factories import payload, unique

ORCID = "0000-0002-1825-0097"


@cache
def schema_org() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(class → its superclasses incl. itself, property → classes in its domain) from the
    schema.org vocabulary that the rocrate package ships."""
    graph = json.loads(resources.files("rocrate").joinpath("data/schema.jsonld").read_text())
    graph = graph["@graph"]

    def ids(value: Any) -> set[str]:
        items = value if isinstance(value, list) else [value]
        return {i["@id"].removeprefix("schema:") for i in items if isinstance(i, dict)}

    parents: dict[str, set[str]] = {}
    domains: dict[str, set[str]] = {}
    for node in graph:
        name = node["@id"].removeprefix("schema:")
        types = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
        if "rdfs:Class" in types:
            parents[name] = ids(node.get("rdfs:subClassOf", []))
        if "rdf:Property" in types:
            domains[name] = ids(node.get("schema:domainIncludes", []))

    def ancestry(name: str) -> set[str]:
        out, todo = {name}, [name]
        while todo:
            for p in parents.get(todo.pop(), set()):
                if p not in out:
                    out.add(p)
                    todo.append(p)
        return out

    return {c: ancestry(c) for c in parents}, domains


def assert_valid_schema_org(node: dict[str, Any], expected_type: str | None = None) -> None:
    """Every type is a schema.org class and every property belongs to the node's type."""
    classes, domains = schema_org()
    kind = node["@type"]
    assert kind in classes, f"{kind} is not a schema.org class"
    if expected_type:
        assert expected_type in classes[kind]
    for key, value in node.items():
        if key.startswith("@"):
            continue
        assert key in domains, f"{key} is not a schema.org property"
        assert domains[key] & classes[kind], f"{key} does not apply to {kind}"
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and "@type" in item:
                assert_valid_schema_org(item)


@pytest.fixture(scope="module")
def public_dataset(live_server: LiveServer) -> dict[str, Any]:
    admin = AOSClient(live_server.url, live_server.admin_token)
    project = admin.create_project(unique("fair"), data_class="PUBLIC")
    dataset = admin.create_dataset(
        project.id,
        "plankton-2024",
        title="Plankton counts <2024>",
        description="Daily plankton counts from the North Sea station, as CSV.",
        authors=[{"name": "Ada Lovelace", "email": "ada@example.org", "orcid": ORCID}],
        data_license="CC-BY-4.0",
        key_values=[{"key": "station", "value": "helgoland"}],
    )
    s3 = boto3.client(
        "s3",
        endpoint_url=live_server.url,
        aws_access_key_id=live_server.access_key,
        aws_secret_access_key=live_server.secret_key,
        region_name="us-east-1",
    )
    files = {"counts.csv": b"day,count\n1,17\n2,23\n", "raw/sensor.bin": payload(70_000, seed=3)}
    for name, data in files.items():
        s3.put_object(Bucket=project.name, Key=f"plankton-2024/{name}", Body=data)
    return {"project": project, "dataset": dataset, "files": files, "admin": admin}


def json_ld_of(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match, "no JSON-LD in the page"
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_html_landing_page(live_server: LiveServer, public_dataset: dict[str, Any]) -> None:
    ds = public_dataset["dataset"]
    r = httpx.get(f"{live_server.url}/r/{ds.id}", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    page = r.text
    assert "Plankton counts &lt;2024&gt;" in page  # escaped, never raw markup
    assert "Ada Lovelace" in page and f"https://orcid.org/{ORCID}" in page
    assert "CC-BY-4.0" in page and "helgoland" in page
    assert "counts.csv" in page and 'id="citation"' in page
    doc = json_ld_of(page)
    assert doc["@type"] == "Dataset"
    assert doc["@id"] == f"{live_server.url}/r/{ds.id}"
    assert_valid_schema_org(doc, "Dataset")
    names = {d["name"] for d in doc["distribution"]}
    assert names == {"counts.csv", "raw/sensor.bin"}  # object names may hold "/"
    assert doc["creator"][0]["identifier"] == f"https://orcid.org/{ORCID}"


def test_content_negotiation(live_server: LiveServer, public_dataset: dict[str, Any]) -> None:
    ds = public_dataset["dataset"]
    url = f"{live_server.url}/r/{ds.id}"
    ld = httpx.get(url, headers={"Accept": "application/ld+json"})
    assert ld.headers["Content-Type"].startswith("application/ld+json")
    assert_valid_schema_org(ld.json(), "Dataset")
    dc = httpx.get(url, headers={"Accept": "application/vnd.datacite.datacite+json"}).json()
    assert dc["titles"] == [{"title": "Plankton counts <2024>"}]
    assert dc["rightsList"][0]["rightsIdentifier"] == "CC-BY-4.0"
    assert dc["creators"][0]["nameIdentifiers"][0]["nameIdentifierScheme"] == "ORCID"
    plain = httpx.get(url, headers={"Accept": "application/json"}).json()
    assert plain["id"] == ds.id and plain["name"] == "plankton-2024"
    weighted = httpx.get(url, headers={"Accept": "text/html;q=0.5, application/ld+json;q=0.9"})
    assert weighted.headers["Content-Type"].startswith("application/ld+json")
    assert httpx.get(url, params={"format": "datacite"}).json()["types"]["resourceTypeGeneral"]
    assert httpx.get(url, params={"format": "nope"}).status_code == 400


def test_object_landing_page(live_server: LiveServer, public_dataset: dict[str, Any]) -> None:
    admin: AOSClient = public_dataset["admin"]
    project = public_dataset["project"]
    obj = admin.resolve_one(f"{project.name}/plankton-2024/counts.csv")
    doc = httpx.get(f"{live_server.url}/r/{obj.id}", params={"format": "jsonld"}).json()
    assert doc["@type"] == "DataDownload"
    assert_valid_schema_org(doc, "MediaObject")
    body = public_dataset["files"]["counts.csv"]
    assert doc["sha256"] == hashlib.sha256(body).hexdigest()
    # The content URL is the S3 path, readable anonymously for PUBLIC data.
    assert httpx.get(doc["contentUrl"]).content == body
    page = httpx.get(f"{live_server.url}/r/{obj.id}").text
    assert "Versions" in page and 'pd.read_csv("aos://' in page


def test_visibility(live_server: LiveServer) -> None:
    admin = AOSClient(live_server.url, live_server.admin_token)
    private = admin.create_project(
        unique("priv"), data_class="PRIVATE", key_values=[{"key": "secret", "value": "s3kr1t"}]
    )
    confidential = admin.create_project(unique("conf"), data_class="CONFIDENTIAL")
    page = httpx.get(f"{live_server.url}/r/{private.id}").text
    assert private.name in page and "s3kr1t" not in page  # redacted for anonymous callers
    assert (
        "s3kr1t"
        in httpx.get(
            f"{live_server.url}/r/{private.id}",
            headers={"Authorization": f"Bearer {live_server.admin_token}"},
        ).text
    )
    r = httpx.get(f"{live_server.url}/r/{confidential.id}")
    assert r.status_code in (401, 404) and confidential.name not in r.text
    assert httpx.get(f"{live_server.url}/r/01ARZ3NDEKTSV4RRFFQ69G5FAV").status_code == 404


def test_ro_crate_export(
    live_server: LiveServer, public_dataset: dict[str, Any], tmp_path: Path
) -> None:
    from rocrate.rocrate import ROCrate

    ds = public_dataset["dataset"]
    r = httpx.get(f"{live_server.url}/r/{ds.id}/ro-crate")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        z.extractall(tmp_path)
    crate = ROCrate(tmp_path)
    assert crate.root_dataset["name"] == "Plankton counts <2024>"
    assert "CC-BY-4.0" in crate.root_dataset["license"].id
    files = {e.id: e for e in crate.get_entities() if "File" in e.type}
    assert set(files) == set(public_dataset["files"])
    for name, data in public_dataset["files"].items():
        assert (tmp_path / name).read_bytes() == data
        assert files[name]["sha256"] == hashlib.sha256(data).hexdigest()
    people = [e for e in crate.get_entities() if e.type == "Person"]
    assert people[0]["name"] == "Ada Lovelace"


@pytest.mark.browser
def test_landing_page_in_chromium(
    live_server: LiveServer, public_dataset: dict[str, Any], tmp_path: Path
) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    ds = public_dataset["dataset"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page()
            page.route(
                re.compile(r"^(?!http://127\.0\.0\.1).*"), lambda route: route.abort()
            )  # nothing leaves the machine
            page.goto(f"{live_server.url}/r/{ds.id}")
            assert page.title().startswith("Plankton counts <2024>")
            assert page.locator("h1").inner_text() == "Plankton counts <2024>"
            shot = Path("test-artifacts") / "landing-page.png"
            shot.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            doc = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
            assert_valid_schema_org(doc, "Dataset")
        finally:
            browser.close()


def _import(live_server: LiveServer, parent_id: str, body: bytes) -> httpx.Response:
    return httpx.post(
        f"{live_server.url}/api/v2/resources/{parent_id}/ro-crate",
        content=body,
        headers={
            "Authorization": f"Bearer {live_server.admin_token}",
            "Content-Type": "application/zip",
        },
        timeout=60,
    )


def test_ro_crate_round_trip(live_server: LiveServer, public_dataset: dict[str, Any]) -> None:
    """Export a dataset, import the crate elsewhere: an equal dataset with the same bytes."""
    admin: AOSClient = public_dataset["admin"]
    original = public_dataset["dataset"]
    crate = httpx.get(f"{live_server.url}/r/{original.id}/ro-crate").content
    target = admin.create_project(unique("reimport"))
    r = _import(live_server, target.id, crate)
    assert r.status_code == 201, r.text
    copy = admin.get(r.json()["id"])
    for field in ("name", "title", "description", "authors", "data_license", "key_values"):
        assert getattr(copy, field) == getattr(original, field), field
    s3 = boto3.client(
        "s3",
        endpoint_url=live_server.url,
        aws_access_key_id=live_server.access_key,
        aws_secret_access_key=live_server.secret_key,
        region_name="us-east-1",
    )
    for name, data in public_dataset["files"].items():
        got = s3.get_object(Bucket=target.name, Key=f"{copy.name}/{name}")["Body"].read()
        assert got == data


def test_ro_crate_import_refuses_damage(live_server: LiveServer) -> None:
    admin = AOSClient(live_server.url, live_server.admin_token)
    target = admin.create_project(unique("damaged"))
    assert _import(live_server, target.id, b"not a zip").status_code == 400
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("data.txt", b"hello")
    assert "ro-crate-metadata.json" in _import(live_server, target.id, buf.getvalue()).text
    metadata = {
        "@context": "https://w3id.org/ro/crate/1.1/context",
        "@graph": [
            {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "about": {"@id": "./"}},
            {"@id": "./", "@type": "Dataset", "name": "tampered", "hasPart": [{"@id": "a.txt"}]},
            {"@id": "a.txt", "@type": "File", "sha256": hashlib.sha256(b"original").hexdigest()},
        ],
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("ro-crate-metadata.json", json.dumps(metadata))
        z.writestr("a.txt", b"changed!")
    r = _import(live_server, target.id, buf.getvalue())
    assert r.status_code == 422 and r.json()["code"] == "integrity_error", r.text
    # Nothing half-imported is left live.
    assert admin.children(target.id).items == []
    anonymous = httpx.post(f"{live_server.url}/api/v2/resources/{target.id}/ro-crate", content=b"x")
    assert anonymous.status_code == 401
