"""S3 XML documents: builders for responses, hardened parsers for request bodies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET

from aos_fs.models import ObjectVersion, Resource

from ...backends.metadata.base import PartRecord, UploadRecord
from ...domain.numbers import parse_uint
from ...services.listing import Entry
from .errors import S3Error
from .xmltext import xml_text

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
_HEADER = b'<?xml version="1.0" encoding="UTF-8"?>\n'
MAX_BODY = 2 << 20


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def _root(tag: str) -> ET.Element:
    return ET.Element(tag, xmlns=NS)


def _add(parent: ET.Element, tag: str, text: object | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = str(text).lower() if isinstance(text, bool) else xml_text(str(text))
    return el


def _doc(root: ET.Element) -> bytes:
    return _HEADER + ET.tostring(root)


def _owner(parent: ET.Element, owner: str, tag: str = "Owner") -> None:
    el = _add(parent, tag)
    _add(el, "ID", owner)
    _add(el, "DisplayName", owner)


def _enc(value: str, encoding: str | None) -> str:
    return quote(value, safe="/") if encoding == "url" else value


# -- parsing ----------------------------------------------------------------------------------
def parse(body: bytes) -> ET.Element:
    """Parse an untrusted request body (no entities, no DTDs, bounded size)."""
    if len(body) > MAX_BODY:
        raise S3Error("MalformedXML", "The XML document is too large")
    try:
        root = SafeET.fromstring(body)
    except Exception as exc:  # ParseError and defusedxml's DTD/entity refusals
        raise S3Error(
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our "
            "published schema",
        ) from exc
    for el in root.iter():  # drop namespaces: clients send them or not
        el.tag = el.tag.rsplit("}", 1)[-1]
    return root


def _text(el: ET.Element, tag: str, default: str = "") -> str:
    found = el.find(tag)
    return (found.text or "") if found is not None else default


def parse_versioning(body: bytes) -> str:
    return _text(parse(body), "Status")


def parse_delete(body: bytes) -> tuple[list[tuple[str, str | None]], bool]:
    root = parse(body)
    keys = []
    for obj in root.findall("Object"):
        key = _text(obj, "Key")
        if not key:
            raise S3Error("MalformedXML", "Every <Object> needs a <Key>")
        keys.append((key, _text(obj, "VersionId") or None))
    return keys, _text(root, "Quiet").lower() == "true"


def parse_tagging(body: bytes) -> dict[str, str]:
    tags: dict[str, str] = {}
    for tag in parse(body).iter("Tag"):
        key = _text(tag, "Key")
        if not key or key in tags:
            raise S3Error("InvalidTag", "Tag keys must be present and unique")
        tags[key] = _text(tag, "Value")
    return tags


def parse_complete_multipart(body: bytes) -> list[tuple[int, str]]:
    parts = []
    for part in parse(body).findall("Part"):
        number = parse_uint(_text(part, "PartNumber"))
        if number is None:
            raise S3Error("MalformedXML", "Every <Part> needs a numeric <PartNumber>")
        parts.append((number, _text(part, "ETag").strip('"')))
    return parts


@dataclass
class CORSRule:
    allowed_origins: list[str]
    allowed_methods: list[str]
    allowed_headers: list[str] = field(default_factory=list)
    expose_headers: list[str] = field(default_factory=list)
    max_age_seconds: int | None = None
    id: str | None = None


_CORS_METHODS = {"GET", "PUT", "POST", "DELETE", "HEAD"}


def parse_cors(body: bytes) -> list[CORSRule]:
    rules = []
    for el in parse(body).findall("CORSRule"):
        rule = CORSRule(
            allowed_origins=[e.text or "" for e in el.findall("AllowedOrigin")],
            allowed_methods=[(e.text or "").upper() for e in el.findall("AllowedMethod")],
            allowed_headers=[e.text or "" for e in el.findall("AllowedHeader")],
            expose_headers=[e.text or "" for e in el.findall("ExposeHeader")],
            max_age_seconds=int(m) if (m := _text(el, "MaxAgeSeconds")).isdigit() else None,
            id=_text(el, "ID") or None,
        )
        if not rule.allowed_origins or not rule.allowed_methods:
            raise S3Error("MalformedXML", "Each CORSRule needs AllowedOrigin and AllowedMethod")
        if bad := set(rule.allowed_methods) - _CORS_METHODS:
            raise S3Error("InvalidRequest", f"Found unsupported HTTP method in CORS config: {bad}")
        rules.append(rule)
    if not rules:
        raise S3Error("MalformedXML", "A CORSConfiguration needs at least one CORSRule")
    return rules


# -- building ---------------------------------------------------------------------------------
def cors(rules: Sequence[CORSRule]) -> bytes:
    root = _root("CORSConfiguration")
    for rule in rules:
        el = _add(root, "CORSRule")
        if rule.id:
            _add(el, "ID", rule.id)
        for tag, values in (
            ("AllowedOrigin", rule.allowed_origins),
            ("AllowedMethod", rule.allowed_methods),
            ("AllowedHeader", rule.allowed_headers),
            ("ExposeHeader", rule.expose_headers),
        ):
            for value in values:
                _add(el, tag, value)
        if rule.max_age_seconds is not None:
            _add(el, "MaxAgeSeconds", rule.max_age_seconds)
    return _doc(root)


def list_buckets(projects: Sequence[Resource], owner: str) -> bytes:
    root = _root("ListAllMyBucketsResult")
    _owner(root, owner)
    buckets = _add(root, "Buckets")
    for p in projects:
        b = _add(buckets, "Bucket")
        _add(b, "Name", p.name)
        _add(b, "CreationDate", iso(p.created_at))
    return _doc(root)


def location(region: str) -> bytes:
    root = _root("LocationConstraint")
    root.text = region or None
    return _doc(root)


def versioning(status: str) -> bytes:
    root = _root("VersioningConfiguration")
    _add(root, "Status", status)
    return _doc(root)


def _contents(parent: ET.Element, tag: str, key: str, res: Resource, enc: str | None) -> ET.Element:
    el = _add(parent, tag)
    _add(el, "Key", _enc(key, enc))
    _add(el, "LastModified", iso(res.updated_at))
    _add(el, "ETag", f'"{res.etag or ""}"')
    _add(el, "Size", res.size or 0)
    _add(el, "StorageClass", "STANDARD")
    return el


def list_objects(
    *,
    bucket: str,
    entries: Sequence[Entry],
    prefix: str,
    delimiter: str,
    max_keys: int,
    truncated: bool,
    encoding_type: str | None,
    v2: bool,
    start_after: str | None,
    continuation_token: str | None,
    next_continuation_token: str | None,
    marker: str | None,
    next_marker: str | None,
    fetch_owner: bool,
) -> bytes:
    root = _root("ListBucketResult")
    _add(root, "Name", bucket)
    _add(root, "Prefix", _enc(prefix, encoding_type))
    if v2:
        if start_after:
            _add(root, "StartAfter", _enc(start_after, encoding_type))
        if continuation_token:
            _add(root, "ContinuationToken", continuation_token)
        if next_continuation_token:
            _add(root, "NextContinuationToken", next_continuation_token)
        _add(root, "KeyCount", len(entries))
    else:
        _add(root, "Marker", _enc(marker or "", encoding_type))
        if next_marker:
            _add(root, "NextMarker", _enc(next_marker, encoding_type))
    _add(root, "MaxKeys", max_keys)
    if delimiter:
        _add(root, "Delimiter", _enc(delimiter, encoding_type))
    if encoding_type:
        _add(root, "EncodingType", encoding_type)
    _add(root, "IsTruncated", truncated)
    for entry in entries:
        if entry.resource is None:
            _add(_add(root, "CommonPrefixes"), "Prefix", _enc(entry.key, encoding_type))
        else:
            el = _contents(root, "Contents", entry.key, entry.resource, encoding_type)
            if fetch_owner or not v2:
                _owner(el, entry.resource.created_by or "")
    return _doc(root)


def list_versions(
    *,
    bucket: str,
    rows: Sequence[tuple[Entry, list[ObjectVersion]]],
    prefix: str,
    delimiter: str,
    max_keys: int,
    truncated: bool,
    key_marker: str,
    next_key_marker: str | None,
    encoding_type: str | None,
) -> bytes:
    root = _root("ListVersionsResult")
    _add(root, "Name", bucket)
    _add(root, "Prefix", _enc(prefix, encoding_type))
    _add(root, "KeyMarker", _enc(key_marker, encoding_type))
    _add(root, "VersionIdMarker", "")
    if next_key_marker:
        _add(root, "NextKeyMarker", _enc(next_key_marker, encoding_type))
        _add(root, "NextVersionIdMarker", "")
    _add(root, "MaxKeys", max_keys)
    if delimiter:
        _add(root, "Delimiter", delimiter)
    if encoding_type:
        _add(root, "EncodingType", encoding_type)
    _add(root, "IsTruncated", truncated)
    for entry, versions in rows:
        if entry.resource is None:
            _add(_add(root, "CommonPrefixes"), "Prefix", _enc(entry.key, encoding_type))
            continue
        for v in reversed(versions):  # newest first, as S3 lists them
            el = _add(root, "Version")
            _add(el, "Key", _enc(entry.key, encoding_type))
            _add(el, "VersionId", v.id)
            _add(el, "IsLatest", v.revision == versions[-1].revision)
            _add(el, "LastModified", iso(v.created_at))
            _add(el, "ETag", f'"{v.etag}"')
            _add(el, "Size", v.size)
            _add(el, "StorageClass", "STANDARD")
            _owner(el, v.created_by or "")
    return _doc(root)


def delete_result(
    deleted: Sequence[tuple[str, str | None]], errors: Sequence[tuple[str, str, str]]
) -> bytes:
    root = _root("DeleteResult")
    for key, version_id in deleted:
        el = _add(root, "Deleted")
        _add(el, "Key", key)
        if version_id:
            _add(el, "VersionId", version_id)
    for key, code, message in errors:
        el = _add(root, "Error")
        _add(el, "Key", key)
        _add(el, "Code", code)
        _add(el, "Message", message)
    return _doc(root)


def copy_object_result(etag: str, modified: datetime) -> bytes:
    root = _root("CopyObjectResult")
    _add(root, "ETag", f'"{etag}"')
    _add(root, "LastModified", iso(modified))
    return _doc(root)


def copy_part_result(etag: str, modified: datetime) -> bytes:
    root = _root("CopyPartResult")
    _add(root, "ETag", f'"{etag}"')
    _add(root, "LastModified", iso(modified))
    return _doc(root)


def tagging(tags: dict[str, str]) -> bytes:
    root = _root("Tagging")
    tag_set = _add(root, "TagSet")
    for key, value in tags.items():
        tag = _add(tag_set, "Tag")
        _add(tag, "Key", key)
        _add(tag, "Value", value)
    return _doc(root)


def acl(owner: str) -> bytes:
    root = _root("AccessControlPolicy")
    _owner(root, owner)
    grant = _add(_add(root, "AccessControlList"), "Grant")
    grantee = _add(grant, "Grantee")
    grantee.set("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
    grantee.set("xsi:type", "CanonicalUser")
    _add(grantee, "ID", owner)
    _add(grantee, "DisplayName", owner)
    _add(grant, "Permission", "FULL_CONTROL")
    return _doc(root)


def initiate_multipart(bucket: str, key: str, upload_id: str) -> bytes:
    root = _root("InitiateMultipartUploadResult")
    _add(root, "Bucket", bucket)
    _add(root, "Key", key)
    _add(root, "UploadId", upload_id)
    return _doc(root)


def complete_multipart(*, location: str, bucket: str, key: str, etag: str) -> bytes:
    root = _root("CompleteMultipartUploadResult")
    _add(root, "Location", location)
    _add(root, "Bucket", bucket)
    _add(root, "Key", key)
    _add(root, "ETag", f'"{etag}"')
    return _doc(root)


def list_parts(
    *,
    bucket: str,
    key: str,
    upload_id: str,
    parts: Sequence[PartRecord],
    part_number_marker: int,
    max_parts: int,
    truncated: bool,
    owner: str,
) -> bytes:
    root = _root("ListPartsResult")
    _add(root, "Bucket", bucket)
    _add(root, "Key", key)
    _add(root, "UploadId", upload_id)
    _owner(root, owner, "Initiator")
    _owner(root, owner)
    _add(root, "StorageClass", "STANDARD")
    _add(root, "PartNumberMarker", part_number_marker)
    if parts:
        _add(root, "NextPartNumberMarker", parts[-1].part_number)
    _add(root, "MaxParts", max_parts)
    _add(root, "IsTruncated", truncated)
    for p in parts:
        el = _add(root, "Part")
        _add(el, "PartNumber", p.part_number)
        _add(el, "LastModified", iso(p.created_at))
        _add(el, "ETag", f'"{p.etag}"')
        _add(el, "Size", p.size)
    return _doc(root)


def list_uploads(
    *,
    bucket: str,
    uploads: Sequence[UploadRecord],
    prefix: str,
    key_marker: str,
    upload_id_marker: str,
    max_uploads: int,
    truncated: bool,
) -> bytes:
    root = _root("ListMultipartUploadsResult")
    _add(root, "Bucket", bucket)
    _add(root, "KeyMarker", key_marker)
    _add(root, "UploadIdMarker", upload_id_marker)
    if truncated and uploads:
        _add(root, "NextKeyMarker", uploads[-1].key)
        _add(root, "NextUploadIdMarker", uploads[-1].id)
    _add(root, "Prefix", prefix)
    _add(root, "MaxUploads", max_uploads)
    _add(root, "IsTruncated", truncated)
    for u in uploads:
        el = _add(root, "Upload")
        _add(el, "Key", u.key)
        _add(el, "UploadId", u.id)
        _owner(el, u.user_id or "", "Initiator")
        _owner(el, u.user_id or "")
        _add(el, "StorageClass", "STANDARD")
        _add(el, "Initiated", iso(u.created_at))
    return _doc(root)
