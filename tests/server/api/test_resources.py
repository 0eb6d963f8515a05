"""Resources through the API: hierarchy rules, the DAG, metadata, listing, soft delete."""

from __future__ import annotations

import pytest

from aos_fs.client import AOSClient
from aos_fs.errors import AOSConflict, AOSInvalidInput, AOSNotFound
from aos_fs.models import Author, ExternalRelation
from tests.factories import unique


def test_allowed_chains(admin: AOSClient) -> None:
    p = admin.create_project(unique("chain"))
    c = admin.create_collection(p.id, "c")
    d = admin.create_dataset(c.id, "d")
    for parent in (p, c, d):  # P>O, P>C>O, P>C>D>O
        admin.create_object(parent.id, "o")
    admin.create_object(admin.create_dataset(p.id, "pd").id, "o")  # P>D>O
    with pytest.raises(AOSInvalidInput, match="cannot be placed"):
        admin.create_collection(c.id, "nested")
    with pytest.raises(AOSInvalidInput):
        admin.create_dataset(d.id, "nested")


def test_multi_parent_object_is_reachable_under_both_paths(admin: AOSClient) -> None:
    p = admin.create_project(unique("multi"))
    d1 = admin.create_dataset(p.id, "d1")
    d2 = admin.create_dataset(p.id, "d2")
    obj = admin.create_object(d1.id, "shared.csv")
    admin.add_relation(d2.id, obj.id, "BELONGS_TO")
    assert admin.resolve_one(f"{p.name}/d1/shared.csv").id == obj.id
    assert admin.resolve_one(f"{p.name}/d2/shared.csv").id == obj.id
    assert admin.get(p.id, stats=True).stats.count == 1  # type: ignore[union-attr]
    # Unlinking one parent keeps the object; the last parent cannot be unlinked.
    admin.remove_relation(d2.id, obj.id, "BELONGS_TO")
    with pytest.raises(AOSNotFound):
        admin.resolve(f"{p.name}/d2/shared.csv")
    with pytest.raises(AOSConflict, match="no other parent"):
        admin.remove_relation(d1.id, obj.id, "BELONGS_TO")


def test_cycles_and_self_edges_are_refused(admin: AOSClient) -> None:
    p = admin.create_project(unique("cycle"))
    c = admin.create_collection(p.id, "c")
    d = admin.create_dataset(c.id, "d")
    with pytest.raises(AOSConflict, match="cycle"):
        admin.add_relation(d.id, c.id, "BELONGS_TO")
    with pytest.raises(AOSConflict):
        admin.add_relation(d.id, d.id, "BELONGS_TO")
    with pytest.raises(AOSInvalidInput, match="root"):
        admin.add_relation(c.id, p.id, "BELONGS_TO")


def test_names_unique_among_siblings(admin: AOSClient) -> None:
    p = admin.create_project(unique("names"))
    admin.create_dataset(p.id, "same")
    with pytest.raises(AOSConflict, match="already exists"):
        admin.create_collection(p.id, "same")
    name = unique("taken")
    admin.create_project(name)
    with pytest.raises(AOSConflict, match="already exists"):
        admin.create_project(name)


def test_metadata_fields_and_license_inheritance(admin: AOSClient) -> None:
    p = admin.create_project(
        unique("meta"),
        title="Study",
        description="All of it",
        authors=[Author(name="Ada", orcid="0000-0002-1825-0097")],
        external_relations=[ExternalRelation(type="IDENTIFIER", target="doi:10.1234/abc")],
        metadata_license="CC0-1.0",
        data_license="CC-BY-4.0",
    )
    child = admin.create_dataset(p.id, "d")
    assert (child.metadata_license, child.data_license) == ("CC0-1.0", "CC-BY-4.0")
    with pytest.raises(AOSInvalidInput, match="Unknown license"):
        admin.create_dataset(p.id, "bad-license", data_license="Made-Up-1.0")
    admin.add_license("Made-Up-1.0", "A made-up license")
    assert "Made-Up-1.0" in {lic.tag for lic in admin.list_licenses()}
    updated = admin.update(child.id, name="renamed", description="new")
    assert (updated.name, updated.description) == ("renamed", "new")
    assert admin.resolve_one(f"{p.name}/renamed").id == child.id
    with pytest.raises(AOSInvalidInput, match="cannot be renamed"):
        admin.update(p.id, name=unique("other"))
    ext = admin.change_external_relations(child.id, add=[{"type": "URL", "target": "https://x"}])
    assert ext.external_relations[0].target == "https://x"


def test_children_are_paged_and_sorted(admin: AOSClient) -> None:
    p = admin.create_project(unique("pages"))
    names = [f"f{i:03d}" for i in range(57)]
    for name in reversed(names):
        admin.create_object(p.id, name)
    page = admin.children(p.id, limit=20)
    assert [r.name for r in page.items] == names[:20]
    assert page.next_cursor
    assert [r.name for r in admin.iter_children(p.id, page_size=7)] == names
    desc = admin.children(p.id, limit=5, order="desc")
    assert [r.name for r in desc.items] == names[::-1][:5]
    assert [r.name for r in admin.children(p.id, prefix="f05").items] == names[50:57]
    by_created = [r.name for r in admin.iter_children(p.id, sort="created_at")]
    assert by_created == names[::-1]
    with pytest.raises(AOSInvalidInput, match="cursor"):
        admin.children(p.id, cursor="garbage!")


def test_soft_delete_cascades_and_restores(admin: AOSClient) -> None:
    p = admin.create_project(unique("del"))
    c = admin.create_collection(p.id, "c")
    d = admin.create_dataset(c.id, "d")
    o = admin.create_object(d.id, "o")
    keeper = admin.create_dataset(p.id, "keeper")
    admin.add_relation(keeper.id, o.id, "BELONGS_TO")
    admin.delete(c.id)
    assert admin.get(d.id).status == "DELETED"
    assert admin.get(o.id).status != "DELETED"  # it still belongs to `keeper`
    with pytest.raises(AOSNotFound):
        admin.resolve(f"{p.name}/c")
    admin.create_collection(p.id, "c-new")
    restored = admin.restore(c.id)
    assert restored.status == "AVAILABLE"
    assert admin.resolve_one(f"{p.name}/c/d/o").id == o.id
    with pytest.raises(AOSConflict):
        admin.restore(c.id)


def test_deleted_project_name_is_reusable(admin: AOSClient) -> None:
    name = unique("reuse")
    first = admin.create_project(name)
    admin.delete(first.id)
    second = admin.create_project(name)
    assert second.id != first.id
    with pytest.raises(AOSConflict, match="renamed or deleted"):
        admin.restore(first.id)


def test_relations_of_other_types(admin: AOSClient) -> None:
    p = admin.create_project(unique("rels"))
    data = admin.create_object(p.id, "data.csv")
    meta = admin.create_object(p.id, "data.csv.meta.json")
    admin.add_relation(meta.id, data.id, "METADATA")
    admin.add_relation(meta.id, data.id, "CUSTOM", custom_type="describes")
    kinds = {(r.type, r.custom_type) for r in admin.relations(meta.id)}
    assert {("METADATA", None), ("CUSTOM", "describes")} <= kinds
    with pytest.raises(AOSInvalidInput, match="maintained by the service"):
        admin.add_relation(meta.id, data.id, "VERSION")


def test_resolve_object_names_with_slashes(admin: AOSClient) -> None:
    p = admin.create_project(unique("slash"))
    c = admin.create_collection(p.id, "c")
    d = admin.create_dataset(c.id, "d")
    obj = admin.create_object(d.id, "x/y/z.txt")
    chain = admin.resolve(f"{p.name}/c/d/x/y/z.txt")
    assert [r.kind for r in chain] == ["PROJECT", "COLLECTION", "DATASET", "OBJECT"]
    assert chain[-1].id == obj.id
    with pytest.raises(AOSNotFound, match="no child"):
        admin.resolve(f"{p.name}/c/missing/file")


def test_update_authors_round_trip(admin: AOSClient) -> None:
    project = admin.create_project(unique("authors"))
    authors = [{"name": "Ada Lovelace", "orcid": "0000-0002-1825-0097"}, {"name": "C. Babbage"}]
    updated = admin.update(project.id, authors=authors, title="With authors")
    assert [a.name for a in updated.authors] == ["Ada Lovelace", "C. Babbage"]
    assert admin.get(project.id).authors[0].orcid == "0000-0002-1825-0097"
