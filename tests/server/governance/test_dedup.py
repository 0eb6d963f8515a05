"""Deduplication: identical content is stored once per endpoint, and deleting a copy keeps it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.client import BaseClient

from aos_fs.client import AOSClient
from tests.factories import payload, unique

from .conftest import Server, _server


def test_identical_blobs_are_stored_once_and_deleting_one_keeps_the_other(
    admin: AOSClient, s3: BaseClient, server: Server
) -> None:
    a, b = unique("dd-a"), unique("dd-b")
    admin.create_project(a)
    admin.create_project(b)
    body = payload(300_000, seed=42) + unique().encode()
    before = set(server.blob_files())
    s3.put_object(Bucket=a, Key="one.bin", Body=body)
    s3.put_object(Bucket=b, Key="x/two.bin", Body=body)  # another project, same endpoint
    s3.put_object(Bucket=a, Key="one.bin", Body=body)  # a new revision, same content
    new = set(server.blob_files()) - before
    assert len(new) == 1  # stored once
    # …invisible to users: each object has its own revisions, hashes and ETag.
    two = admin.resolve_one(f"{b}/x/two.bin")
    assert two.size == len(body) and two.revision == 1
    assert len(admin.versions(admin.resolve_one(f"{a}/one.bin").id)) == 2

    # Multipart uploads are deduplicated at completion too.
    up = s3.create_multipart_upload(Bucket=b, Key="mp.bin")
    part = s3.upload_part(Bucket=b, Key="mp.bin", UploadId=up["UploadId"], PartNumber=1, Body=body)
    s3.complete_multipart_upload(
        Bucket=b,
        Key="mp.bin",
        UploadId=up["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert set(server.blob_files()) - before == new

    # Deleting copies keeps the bytes for the others, even after the sweeper ran.
    s3.delete_object(Bucket=a, Key="one.bin")
    s3.delete_object(Bucket=b, Key="mp.bin")
    server.sweep()
    assert set(server.blob_files()) - before == new
    assert s3.get_object(Bucket=b, Key="x/two.bin")["Body"].read() == body


def test_different_content_is_not_shared(admin: AOSClient, s3: BaseClient, server: Server) -> None:
    name = unique("dd-c")
    admin.create_project(name)
    before = set(server.blob_files())
    # Above the inline size (smaller objects keep their bytes in the database, not in files).
    s3.put_object(Bucket=name, Key="p.bin", Body=payload(20_000, seed=1))
    s3.put_object(Bucket=name, Key="q.bin", Body=payload(20_000, seed=2))
    assert len(set(server.blob_files()) - before) == 2


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _server(tmp_path_factory.mktemp("aos-sealed"), encrypt=True)


def test_encrypted_blobs_are_shared_only_within_a_project(sealed: Server) -> None:
    s3 = sealed.s3()
    with sealed.admin() as admin:
        a, b = unique("enc-a"), unique("enc-b")
        admin.create_project(a)
        admin.create_project(b)
    body = payload(100_000, seed=7)
    s3.put_object(Bucket=a, Key="1.bin", Body=body)
    s3.put_object(Bucket=a, Key="2.bin", Body=body)
    files: list[Path] = sealed.blob_files()
    assert len(files) == 1 and files[0].name.endswith(".sealed")
    assert body[:64] not in files[0].read_bytes()  # encrypted at rest
    s3.put_object(Bucket=b, Key="3.bin", Body=body)  # another project: its own sealed blob
    assert len(sealed.blob_files()) == 2
    for bucket, key in ((a, "1.bin"), (a, "2.bin"), (b, "3.bin")):
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body


def test_small_blobs_are_written_anew(admin: AOSClient, s3: BaseClient, server: Server) -> None:
    """Below the threshold a lookup would cost more than the bytes it saves."""
    name = unique("dd-s")
    admin.create_project(name)
    before = set(server.blob_files())
    for key in ("s1", "s2"):  # above the inline size, below the dedup threshold
        s3.put_object(Bucket=name, Key=key, Body=b"small and identical" * 1000)
    assert len(set(server.blob_files()) - before) == 2
