"""Import an RO-Crate (a zip with ro-crate-metadata.json) as a new dataset.

The crate's root dataset becomes the dataset (name, description, authors, license, key-values
from `additionalProperty`); every File entity in the zip becomes an object, its bytes streamed
from the archive and checked against the crate's `sha256` where it states one.
"""

from __future__ import annotations

import asyncio
import json
import re
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aos_fs.models import Author, DatasetCreate, KeyValue, Kind, Resource

from ..backends.blobs.base import Verify
from ..domain.permissions import Actor
from ..errors import IntegrityError, InvalidInput
from .common import load
from .dag import GraphService
from .objects import ObjectService
from .resources import ResourceService

METADATA = "ro-crate-metadata.json"
READ = 1 << 20
_ORCID = re.compile(r"^https?://orcid\.org/(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")
_SPDX = re.compile(r"spdx\.org/licenses/([A-Za-z0-9.+-]+?)(?:\.html|\.json)?$")
_NAME_OK = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class CrateFileEntry:
    path: str
    sha256: str | None
    content_type: str


@dataclass
class ParsedCrate:
    dataset: DatasetCreate
    files: list[CrateFileEntry]


def _ids(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [i["@id"] for i in items if isinstance(i, dict) and "@id" in i]


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value) if value is not None else ""


def parse_crate(metadata: dict[str, Any], members: set[str], *, parent_id: str) -> ParsedCrate:
    """What to create, from a crate's metadata and the file names present in its zip."""
    graph = metadata.get("@graph")
    if not isinstance(graph, list):
        raise InvalidInput(f"{METADATA} has no @graph; is this an RO-Crate?")
    by_id = {e["@id"]: e for e in graph if isinstance(e, dict) and "@id" in e}
    descriptor = by_id.get(METADATA) or next(
        (e for e in by_id.values() if str(e["@id"]).endswith(METADATA)), None
    )
    if descriptor is None or not _ids(descriptor.get("about")):
        raise InvalidInput(f"{METADATA} has no metadata descriptor pointing at a root dataset")
    root = by_id.get(_ids(descriptor["about"])[0])
    if root is None:
        raise InvalidInput("The crate's root dataset is missing from its @graph")
    title = _text(root.get("name"))
    raw_name = _text(root.get("alternateName")) or title or "imported-crate"
    name = _NAME_OK.sub("-", raw_name).strip("-.")[:200] or "imported-crate"
    authors = []
    for pid in _ids(root.get("author")) + _ids(root.get("creator")):
        person = by_id.get(pid, {})
        orcid = _ORCID.match(pid)
        authors.append(
            Author(
                name=_text(person.get("name")) or pid,
                email=_text(person.get("email")) or None,
                orcid=orcid.group(1) if orcid else None,
            )
        )
    license_tag = None
    for lid in _ids(root.get("license")):
        entity = by_id.get(lid, {})
        license_tag = _text(entity.get("identifier")) or None
        if license_tag is None and (m := _SPDX.search(lid)):
            license_tag = m.group(1)
    if license_tag is None and isinstance(root.get("license"), str):
        license_tag = root["license"]
    key_values = []
    for kid in _ids(root.get("additionalProperty")):
        prop = by_id.get(kid, {})
        if prop.get("name"):
            key_values.append(KeyValue(key=_text(prop["name"]), value=_text(prop.get("value"))))
    files = []
    for entity in by_id.values():
        types = entity.get("@type")
        types = types if isinstance(types, list) else [types]
        path = str(entity["@id"])
        if "File" in types and path in members and path != METADATA:
            files.append(
                CrateFileEntry(
                    path=path,
                    sha256=_text(entity.get("sha256")).lower() or None,
                    content_type=_text(entity.get("encodingFormat")) or "binary/octet-stream",
                )
            )
    return ParsedCrate(
        dataset=DatasetCreate(
            name=name,
            parent_id=parent_id,
            title=title,
            description=_text(root.get("description")),
            authors=authors,
            key_values=key_values,
            data_license=license_tag,
        ),
        files=sorted(files, key=lambda f: f.path),
    )


async def _member_bytes(archive: zipfile.ZipFile, name: str) -> AsyncIterator[bytes]:
    f = await asyncio.to_thread(archive.open, name)
    try:
        while chunk := await asyncio.to_thread(f.read, READ):
            yield chunk
    finally:
        await asyncio.to_thread(f.close)


class CrateService:
    def __init__(
        self, resources: ResourceService, objects: ObjectService, graph: GraphService
    ) -> None:
        self.resources = resources
        self.objects = objects
        self.graph = graph

    async def import_zip(self, actor: Actor, parent_id: str, archive_path: Path) -> Resource:
        """Create a dataset below `parent_id` from the crate in `archive_path` (a zip file)."""
        try:
            archive = await asyncio.to_thread(zipfile.ZipFile, archive_path)
        except zipfile.BadZipFile as exc:
            raise InvalidInput("The upload is not a zip file; send an RO-Crate as .zip") from exc
        try:
            members = set(await asyncio.to_thread(archive.namelist))
            if METADATA not in members:
                raise InvalidInput(f"The zip holds no {METADATA} at its top level")
            raw = await asyncio.to_thread(archive.read, METADATA)
            try:
                metadata = json.loads(raw)
            except ValueError as exc:
                raise InvalidInput(f"{METADATA} is not valid JSON") from exc
            crate = parse_crate(metadata, members, parent_id=parent_id)
            dataset = await self.resources.create(actor, Kind.DATASET, crate.dataset)
            async with self.resources.meta.read() as s:
                chain = [dataset]
                while chain[-1].kind != Kind.PROJECT:
                    parents = sorted(await s.parent_ids(chain[-1].id))
                    chain.append(await load(s, parents[0]))
            project = chain[-1].name
            prefix = "/".join(r.name for r in reversed(chain[:-1]))
            try:
                for entry in crate.files:
                    await self.objects.put(
                        actor,
                        project,
                        f"{prefix}/{entry.path}",
                        _member_bytes(archive, entry.path),
                        content_type=entry.content_type,
                        verify=_sha256_check(entry),
                    )
            except BaseException:
                # All or nothing: a crate that fails half-way leaves no half a dataset behind
                # (soft-deleted, so an admin can still look at what arrived).
                await asyncio.shield(self.graph.delete(actor, dataset.id))
                raise
            return await self.resources.get(actor, dataset.id)
        finally:
            await asyncio.to_thread(archive.close)


def _sha256_check(entry: CrateFileEntry) -> Verify:
    def verify(md5_hex: str, sha256_hex: str) -> None:
        if entry.sha256 and entry.sha256 != sha256_hex:
            raise IntegrityError(
                f"{entry.path}: the crate states SHA-256 {entry.sha256}, the bytes have "
                f"{sha256_hex}; the archive is damaged or was changed"
            )

    return verify
