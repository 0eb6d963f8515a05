"""The byte path of the panels: S3 multipart on the service's endpoint, driven from the kernel.

Kernel-side uploads stream a file in parts; browser uploads get presigned part URLs and the
kernel completes (or aborts) the upload. Keys are created once per session through the API,
scoped by the session's token.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import s3fs
from botocore.exceptions import ClientError

from aos_fs import AsyncAOSClient

MiB = 1 << 20
MIN_PART = 8 * MiB  # S3 allows 5 MiB; 8 MiB keeps 10,000 parts enough for 78 GiB
MAX_PARTS = 10_000
Progress = Callable[[int], None]


def part_size_for(size: int) -> int:
    """The part size for `size` bytes: at least 8 MiB, and few enough parts for S3."""
    return max(MIN_PART, math.ceil(size / MAX_PARTS / MiB) * MiB)


def split(target: str, name: str) -> tuple[str, str]:
    """`project/a/b` + `file.csv` -> (`project`, `a/b/file.csv`)."""
    project, _, rest = target.strip("/").partition("/")
    if not project:
        raise ValueError("Open a project (or a collection or dataset in it) before uploading")
    name = name.replace("\\", "/").lstrip("/")
    if not name:
        raise ValueError("The file needs a name")
    return project, f"{rest}/{name}" if rest else name


@dataclass
class BrowserPlan:
    """What the page needs to send one file straight to S3 in parts."""

    bucket: str
    key: str
    upload_id: str
    part_size: int
    urls: list[str] = field(default_factory=list)


class Transfers:
    """S3 operations for one session on one event loop."""

    def __init__(self, api: AsyncAOSClient) -> None:
        self._api = api
        self._fs: s3fs.S3FileSystem | None = None
        self._lock = asyncio.Lock()

    async def _s3(self) -> Any:
        async with self._lock:
            if self._fs is None:
                me = await self._api.whoami()
                keys = await self._api.create_s3_credentials(
                    token_id=me.token.id if me.token else None
                )
                fs = s3fs.S3FileSystem(
                    key=keys.access_key_id,
                    secret=keys.secret_access_key,
                    endpoint_url=self._api.url,
                    asynchronous=True,
                    skip_instance_cache=True,
                    use_listings_cache=False,
                    client_kwargs={"region_name": "us-east-1"},
                )
                await fs.set_session()
                self._fs = fs
        return self._fs.s3

    async def close(self) -> None:
        if self._fs is not None:
            s3, self._fs = self._fs, None
            with contextlib.suppress(Exception):
                await s3.s3.close()

    # -- whole objects --------------------------------------------------------------------------
    async def put_bytes(self, bucket: str, key: str, data: bytes, content_type: str = "") -> None:
        s3 = await self._s3()
        extra = {"ContentType": content_type} if content_type else {}
        await s3.put_object(Bucket=bucket, Key=key, Body=data, **extra)

    async def upload_file(
        self,
        local: str,
        bucket: str,
        key: str,
        *,
        progress: Progress | None = None,
        concurrency: int = 4,
    ) -> int:
        """Upload a file from the kernel's disk; cancelling aborts the multipart upload."""
        size = await asyncio.to_thread(os.path.getsize, local)
        s3 = await self._s3()
        if size < MIN_PART:
            data = await asyncio.to_thread(_read, local, 0, size)
            await s3.put_object(Bucket=bucket, Key=key, Body=data)
            if progress:
                progress(size)
            return size
        part = part_size_for(size)
        upload_id = await self.start_multipart(bucket, key)
        try:
            numbers = list(range(1, math.ceil(size / part) + 1))
            gate = asyncio.Semaphore(concurrency)
            done = 0

            async def one(n: int) -> dict[str, Any]:
                nonlocal done
                async with gate:
                    start = (n - 1) * part
                    data = await asyncio.to_thread(_read, local, start, min(part, size - start))
                    r = await s3.upload_part(
                        Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=data
                    )
                    done += len(data)
                    if progress:
                        progress(done)
                    return {"PartNumber": n, "ETag": r["ETag"]}

            parts = await asyncio.gather(*(one(n) for n in numbers))
            await s3.complete_multipart_upload(
                Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            await asyncio.shield(self.abort(bucket, key, upload_id))
            raise
        return size

    # -- multipart pieces (also for the browser) ------------------------------------------------
    async def start_multipart(self, bucket: str, key: str) -> str:
        s3 = await self._s3()
        r = await s3.create_multipart_upload(Bucket=bucket, Key=key)
        return str(r["UploadId"])

    async def plan_browser_upload(
        self, bucket: str, key: str, size: int, *, expires: int = 3600
    ) -> BrowserPlan:
        """Start a multipart upload and presign one URL per part for the page."""
        s3 = await self._s3()
        part = part_size_for(size)
        upload_id = await self.start_multipart(bucket, key)
        plan = BrowserPlan(bucket, key, upload_id, part)
        for n in range(1, max(1, math.ceil(size / part)) + 1):
            plan.urls.append(
                await s3.generate_presigned_url(
                    "upload_part",
                    Params={"Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": n},
                    ExpiresIn=expires,
                )
            )
        return plan

    async def complete(self, plan: BrowserPlan) -> int:
        """Complete from the server's own list of parts (the page need not read ETags)."""
        s3 = await self._s3()
        listed = await s3.list_parts(Bucket=plan.bucket, Key=plan.key, UploadId=plan.upload_id)
        parts = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in listed["Parts"]]
        if len(parts) != len(plan.urls):
            raise OSError(f"Only {len(parts)} of {len(plan.urls)} parts of {plan.key} arrived")
        await s3.complete_multipart_upload(
            Bucket=plan.bucket,
            Key=plan.key,
            UploadId=plan.upload_id,
            MultipartUpload={"Parts": parts},
        )
        return sum(int(p["Size"]) for p in listed["Parts"])

    async def abort(self, bucket: str, key: str, upload_id: str) -> None:
        s3 = await self._s3()
        with contextlib.suppress(ClientError):
            await s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)

    # -- CORS for the page's origin -------------------------------------------------------------
    async def allow_origin(self, bucket: str, origin: str) -> bool:
        """Add a CORS rule letting `origin` GET/PUT this project; False if one already did.

        Existing rules are kept (PutBucketCors replaces the whole configuration).
        """
        s3 = await self._s3()
        try:
            rules = (await s3.get_bucket_cors(Bucket=bucket)).get("CORSRules", [])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchCORSConfiguration":
                raise
            rules = []
        for rule in rules:
            origins = rule.get("AllowedOrigins", [])
            if (origin in origins or "*" in origins) and "PUT" in rule.get("AllowedMethods", []):
                return False
        rules.append(
            {
                "AllowedOrigins": [origin],
                "AllowedMethods": ["GET", "PUT", "HEAD"],
                "AllowedHeaders": ["*"],
                "ExposeHeaders": ["ETag"],
                "MaxAgeSeconds": 3000,
            }
        )
        await s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
        return True


def _read(path: str, start: int, length: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(start)
        return f.read(length)
