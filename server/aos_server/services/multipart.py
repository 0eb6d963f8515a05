"""Multipart uploads: parts staged per upload, assembled into one revision on completion."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING

from aos_fs.models import Hashes

from ..backends.metadata.base import MetadataStore, PartRecord, UploadRecord
from ..domain.ids import new_id
from ..domain.permissions import Actor
from ..errors import AOSError, InvalidInput, NotFound, PermissionDenied
from .common import now
from .objects import ObjectService, StoredObject
from .write_plan import WriteCondition

if TYPE_CHECKING:
    from ..backends.blobs.base import BlobStore, Verify

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PARTS = 10_000


class NoSuchUpload(NotFound):
    code = "upload_not_found"


class InvalidPart(AOSError):
    """A completion names a part that was not uploaded, or with another ETag."""

    code = "invalid_part"


class InvalidPartOrder(AOSError):
    code = "invalid_part_order"


class EntityTooSmall(AOSError):
    code = "entity_too_small"


def multipart_etag(part_md5s: Sequence[str]) -> str:
    """The S3 multipart ETag: MD5 of the concatenated binary part MD5s, then `-<count>`."""
    digest = hashlib.md5(b"".join(bytes.fromhex(m) for m in part_md5s), usedforsecurity=False)
    return f"{digest.hexdigest()}-{len(part_md5s)}"


class MultipartService:
    def __init__(self, meta: MetadataStore, blobs: BlobStore, objects: ObjectService) -> None:
        self.meta = meta
        self.blobs = blobs
        self.objects = objects

    async def create(
        self,
        actor: Actor,
        project: str,
        key: str,
        *,
        content_type: str,
        metadata: Mapping[str, str],
        checksum_algorithm: str | None = None,
    ) -> UploadRecord:
        plan = await self.objects.check_write(actor, project, key, content_type=content_type)
        upload = UploadRecord(
            id=new_id(),
            project_id=plan.project.id,
            key=key,
            user_id=actor.user_id,
            token_id=actor.token_id,
            content_type=content_type,
            metadata=dict(metadata),
            checksum_algorithm=checksum_algorithm,
            created_at=now(),
        )
        async with self.meta.write() as s:
            await s.insert_upload(upload)
        return upload

    async def get(self, actor: Actor, upload_id: str, project: str, key: str) -> UploadRecord:
        """The upload, if it belongs to `project/key` and to the caller."""
        async with self.meta.read() as s:
            upload = await s.get_upload(upload_id)
            proj = await s.get_project_by_name(project)
        if upload is None or proj is None or upload.project_id != proj.id or upload.key != key:
            raise NoSuchUpload(
                f"No multipart upload {upload_id!r} for {project}/{key}: it was completed, "
                "aborted or never created"
            )
        if upload.user_id != actor.user_id and not actor.global_admin:
            raise PermissionDenied("This multipart upload belongs to another user")
        return upload

    async def upload_part(
        self,
        actor: Actor,
        upload: UploadRecord,
        part_number: int,
        body: AsyncIterator[bytes],
        *,
        checksums: Mapping[str, str] | None = None,
        verify: Verify | None = None,
    ) -> PartRecord:
        if not 1 <= part_number <= MAX_PARTS:
            raise InvalidInput(f"Part numbers run from 1 to {MAX_PARTS}, not {part_number}")
        info = await self.blobs.stage_part(upload.id, part_number, body, verify=verify)
        part = PartRecord(
            upload_id=upload.id,
            part_number=part_number,
            size=info.size,
            etag=info.md5,
            checksums=dict(checksums or {}),
            created_at=now(),
        )
        async with self.meta.write() as s:
            if await s.get_upload(upload.id) is None:
                raise NoSuchUpload(f"The multipart upload {upload.id!r} was aborted meanwhile")
            await s.put_part(part)
        return part

    async def parts(
        self, upload: UploadRecord, *, after: int = 0, limit: int = 1000
    ) -> list[PartRecord]:
        async with self.meta.read() as s:
            return await s.list_parts(upload.id, after=after, limit=limit)

    async def complete(
        self,
        actor: Actor,
        upload: UploadRecord,
        project: str,
        requested: Sequence[tuple[int, str]],
        *,
        condition: WriteCondition | None = None,
    ) -> StoredObject:
        """Assemble the named parts (in order, ETags matching) into a new revision."""
        if condition is not None:
            await self.objects.check_write(actor, project, upload.key, condition)
        if not requested:
            raise InvalidInput("A multipart completion must name at least one part")
        numbers = [n for n, _ in requested]
        if numbers != sorted(set(numbers)):
            raise InvalidPartOrder("Parts must be listed in ascending order, each once")
        async with self.meta.read() as s:
            stored = {p.part_number: p for p in await s.list_parts(upload.id)}
        chosen: list[PartRecord] = []
        for number, etag in requested:
            part = stored.get(number)
            if part is None or part.etag != etag.strip('"').lower():
                raise InvalidPart(
                    f"Part {number} was not uploaded, or its ETag differs from {etag}; "
                    "list the parts with ListParts and retry"
                )
            chosen.append(part)
        for part in chosen[:-1]:
            if part.size < MIN_PART_SIZE:
                raise EntityTooSmall(
                    f"Part {part.part_number} has {part.size} bytes; every part but the last "
                    "needs at least 5 MiB"
                )
        staged = await self.blobs.assemble(
            upload.id,
            numbers,
            compress=self.objects.compress,
            encrypt=self.objects.encrypt,
        )
        etag = multipart_etag([p.etag for p in chosen])
        project_id = upload.project_id
        blob_key, fresh = await self.objects.store_staged(staged, project_id)
        try:
            result = await self.objects.commit_revision(
                actor,
                project,
                upload.key,
                blob_key=blob_key,
                size=staged.size,
                hashes=Hashes(md5=staged.md5, sha256=staged.sha256),
                etag=etag,
                content_type=upload.content_type,
                metadata=upload.metadata,
                parts=[p.size for p in chosen],
                condition=condition,
                new_blob=fresh,
            )
        except Exception:
            if fresh:  # a reused blob belongs to other revisions too
                await self.blobs.delete(blob_key)
            raise
        # On cancellation the blob stays: the commit may have gone through (commits are not
        # cancellable); if it did not, the sweeper removes the unreferenced blob later.
        async with self.meta.write() as s:
            await s.delete_upload(upload.id)
        await self.blobs.abort_upload(upload.id)
        return result

    async def abort(self, upload: UploadRecord) -> None:
        async with self.meta.write() as s:
            await s.delete_upload(upload.id)
        await self.blobs.abort_upload(upload.id)

    async def list(
        self,
        actor: Actor,
        project_id: str,
        *,
        prefix: str = "",
        after: tuple[str, str] | None = None,
        limit: int = 1000,
    ) -> list[UploadRecord]:
        async with self.meta.read() as s:
            uploads = await s.list_uploads(project_id, prefix=prefix, after=after, limit=limit)
        return [u for u in uploads if u.user_id == actor.user_id or actor.global_admin]
