"""FAIR views of a resource: schema.org JSON-LD, DataCite JSON, a citation, RO-Crate metadata.

Pure functions over what the caller may see; the web layer loads the inputs with permissions
checked and chooses the representation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aos_fs.models import (
    DataClass,
    ExternalRelationType,
    Kind,
    License,
    ObjectVersion,
    Resource,
)

SCHEMA_CONTEXT = "https://schema.org/"
RO_CRATE_CONTEXT = "https://w3id.org/ro/crate/1.1/context"
RO_CRATE_SPEC = "https://w3id.org/ro/crate/1.1"
PUBLISHER = "AOS-Py"


@dataclass
class Landing:
    """Everything a landing page shows of one resource (already filtered for the caller)."""

    resource: Resource
    url: str  # the persistent landing URL, /r/<id>
    base_url: str  # the service's public URL
    path: str | None  # project/…/name, for download instructions
    licenses: dict[str, License]
    children: list[Resource] = field(default_factory=list)
    children_truncated: bool = False
    versions: list[ObjectVersion] = field(default_factory=list)

    def license(self, tag: str) -> License:
        return self.licenses.get(tag) or License(tag=tag, name=tag, url="")

    def child_url(self, child: Resource) -> str:
        return f"{self.base_url}/r/{child.id}"

    def download_url(self, child: Resource | None = None) -> str | None:
        """The S3 URL of an object (anonymous GET works only for PUBLIC data)."""
        if self.path is None:
            return None
        path = self.path if child is None else f"{self.path}/{child.name}"
        return f"{self.base_url}/{path}"


def _license_id(lic: License) -> str:
    return lic.url or f"https://spdx.org/licenses/{lic.tag}.html"


def _people(res: Resource) -> list[dict[str, Any]]:
    out = []
    for a in res.authors:
        person: dict[str, Any] = {"@type": "Person", "name": a.name}
        if a.email:
            person["email"] = a.email
        if a.orcid:
            person["@id"] = f"https://orcid.org/{a.orcid}"
            person["identifier"] = f"https://orcid.org/{a.orcid}"
        out.append(person)
    return out


def _keywords(res: Resource) -> list[str]:
    return [f"{kv.key}: {kv.value}" if kv.value else kv.key for kv in res.key_values]


def _identifiers(landing: Landing) -> list[str]:
    ids = [landing.url]
    for ext in landing.resource.external_relations:
        if ext.type in (ExternalRelationType.IDENTIFIER, ExternalRelationType.URL):
            ids.append(ext.target)
    return ids


def schema_org(landing: Landing) -> dict[str, Any]:
    """schema.org JSON-LD: a Dataset for containers, a DataDownload for an object."""
    res = landing.resource
    lic = landing.license(res.data_license)
    doc: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "DataDownload" if res.kind == Kind.OBJECT else "Dataset",
        "@id": landing.url,
        "url": landing.url,
        "identifier": _identifiers(landing),
        "name": res.title or res.name,
        "alternateName": res.name,
        "description": res.description or f"{res.kind.value.title()} {res.name!r} in AOS-Py",
        "license": _license_id(lic),
        "dateCreated": res.created_at.isoformat(),
        "dateModified": res.updated_at.isoformat(),
        "isAccessibleForFree": res.data_class == DataClass.PUBLIC,
        "publisher": {"@type": "Organization", "name": PUBLISHER},
    }
    if people := _people(res):
        doc["creator"] = people
    if keywords := _keywords(res):
        doc["keywords"] = keywords
    if res.kind == Kind.OBJECT:
        doc["encodingFormat"] = res.content_type or "application/octet-stream"
        doc["contentSize"] = f"{res.size or 0} B"
        if res.revision:
            doc["version"] = str(res.revision)
        if url := landing.download_url():
            doc["contentUrl"] = url
        if res.hashes and res.hashes.sha256:
            doc["sha256"] = res.hashes.sha256
        return doc
    downloads = []
    parts = []
    for child in landing.children:
        if child.kind == Kind.OBJECT:
            item: dict[str, Any] = {
                "@type": "DataDownload",
                "@id": landing.child_url(child),
                "name": child.name,
                "encodingFormat": child.content_type or "application/octet-stream",
                "contentSize": f"{child.size or 0} B",
            }
            if url := landing.download_url(child):
                item["contentUrl"] = url
            if child.hashes and child.hashes.sha256:
                item["sha256"] = child.hashes.sha256
            downloads.append(item)
        else:
            parts.append({"@type": "Dataset", "@id": landing.child_url(child), "name": child.name})
    if downloads:
        doc["distribution"] = downloads
    if parts:
        doc["hasPart"] = parts
    return doc


def datacite(landing: Landing) -> dict[str, Any]:
    """DataCite JSON (the REST API's attribute layout, metadata schema 4)."""
    res = landing.resource
    lic = landing.license(res.data_license)
    dois = [
        e.target.removeprefix("https://doi.org/").removeprefix("doi:")
        for e in res.external_relations
        if e.type == ExternalRelationType.IDENTIFIER
        and (e.target.startswith(("10.", "doi:", "https://doi.org/")))
    ]
    return {
        "id": res.id,
        "doi": dois[0] if dois else None,
        "url": landing.url,
        "identifiers": [{"identifier": landing.url, "identifierType": "URL"}],
        "creators": [
            {
                "name": a.name,
                "nameType": "Personal",
                "nameIdentifiers": [
                    {
                        "nameIdentifier": f"https://orcid.org/{a.orcid}",
                        "nameIdentifierScheme": "ORCID",
                        "schemeUri": "https://orcid.org",
                    }
                ]
                if a.orcid
                else [],
            }
            for a in res.authors
        ],
        "titles": [{"title": res.title or res.name}],
        "publisher": PUBLISHER,
        "publicationYear": res.created_at.year,
        "types": {
            "resourceTypeGeneral": "Dataset",
            "resourceType": res.kind.value.title(),
        },
        "subjects": [{"subject": k} for k in _keywords(res)],
        "dates": [
            {"date": res.created_at.date().isoformat(), "dateType": "Created"},
            {"date": res.updated_at.date().isoformat(), "dateType": "Updated"},
        ],
        "sizes": [f"{res.size} bytes"] if res.kind == Kind.OBJECT and res.size else [],
        "formats": [res.content_type] if res.kind == Kind.OBJECT and res.content_type else [],
        "version": str(res.revision) if res.kind == Kind.OBJECT and res.revision else None,
        "rightsList": [
            {
                "rights": lic.name,
                "rightsUri": _license_id(lic),
                "rightsIdentifier": lic.tag,
                "rightsIdentifierScheme": "SPDX",
            }
        ],
        "descriptions": (
            [{"description": res.description, "descriptionType": "Abstract"}]
            if res.description
            else []
        ),
        "schemaVersion": "http://datacite.org/schema/kernel-4",
    }


def citation(landing: Landing) -> str:
    """A citation in the common Author (Year). Title. Publisher. URL form."""
    res = landing.resource
    authors = "; ".join(a.name for a in res.authors) or "Anonymous"
    version = f" (version {res.revision})" if res.kind == Kind.OBJECT and res.revision else ""
    return (
        f"{authors} ({res.created_at.year}). {res.title or res.name}{version}. "
        f"{PUBLISHER}. {landing.url}"
    )


@dataclass(frozen=True)
class CrateFile:
    path: str  # relative to the crate root
    size: int
    content_type: str
    sha256: str | None
    modified: str


def ro_crate(landing: Landing, files: list[CrateFile]) -> dict[str, Any]:
    """ro-crate-metadata.json for a dataset (or collection) and the files packed with it."""
    res = landing.resource
    lic = landing.license(res.data_license)
    people = []
    for n, a in enumerate(res.authors):
        person: dict[str, Any] = {
            "@id": f"https://orcid.org/{a.orcid}" if a.orcid else f"#author-{n}",
            "@type": "Person",
            "name": a.name,
        }
        if a.email:
            person["email"] = a.email
        people.append(person)
    properties = [
        {"@id": f"#kv-{n}", "@type": "PropertyValue", "name": kv.key, "value": kv.value}
        for n, kv in enumerate(res.key_values)
    ]
    root: dict[str, Any] = {
        "@id": "./",
        "@type": "Dataset",
        "name": res.title or res.name,
        "alternateName": res.name,
        "description": res.description or f"{res.kind.value.title()} {res.name!r} in AOS-Py",
        "datePublished": res.created_at.isoformat(),
        "license": {"@id": _license_id(lic)},
        "identifier": landing.url,
        "url": landing.url,
        "hasPart": [{"@id": f.path} for f in files],
    }
    if people:
        root["author"] = [{"@id": p["@id"]} for p in people]
    if properties:
        root["additionalProperty"] = [{"@id": p["@id"]} for p in properties]
    graph: list[dict[str, Any]] = [
        {
            "@id": "ro-crate-metadata.json",
            "@type": "CreativeWork",
            "conformsTo": {"@id": RO_CRATE_SPEC},
            "about": {"@id": "./"},
        },
        root,
        {
            "@id": _license_id(lic),
            "@type": "CreativeWork",
            "name": lic.name,
            "identifier": lic.tag,
        },
        *people,
        *properties,
    ]
    for f in files:
        entity: dict[str, Any] = {
            "@id": f.path,
            "@type": "File",
            "name": f.path.rsplit("/", 1)[-1],
            "contentSize": str(f.size),
            "encodingFormat": f.content_type,
            "dateModified": f.modified,
        }
        if f.sha256:
            entity["sha256"] = f.sha256
        graph.append(entity)
    return {"@context": RO_CRATE_CONTEXT, "@graph": graph}
