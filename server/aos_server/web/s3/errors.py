"""S3 errors: codes, statuses and the XML body every S3 client understands."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from ... import errors
from ...storage_full import as_storage_full
from .xmltext import xml_text

STATUS: dict[str, int] = {
    "AccessDenied": 403,
    "AccessForbidden": 403,
    "SignatureDoesNotMatch": 403,
    "InvalidAccessKeyId": 403,
    "RequestTimeTooSkewed": 403,
    "ExpiredToken": 400,
    "NoSuchBucket": 404,
    "NoSuchKey": 404,
    "NoSuchVersion": 404,
    "NoSuchUpload": 404,
    "NoSuchCORSConfiguration": 404,
    "NoSuchTagSet": 404,
    "NoSuchBucketPolicy": 404,
    "NoSuchLifecycleConfiguration": 404,
    "ServerSideEncryptionConfigurationNotFoundError": 404,
    "BucketAlreadyExists": 409,
    "BucketAlreadyOwnedByYou": 409,
    "BucketNotEmpty": 409,
    "OperationAborted": 409,
    "InvalidBucketName": 400,
    "InvalidArgument": 400,
    "InvalidRequest": 400,
    "BadRequest": 400,
    "InvalidDigest": 400,
    "BadDigest": 400,
    "XAmzContentSHA256Mismatch": 400,
    "InvalidPart": 400,
    "InvalidPartOrder": 400,
    "InvalidPartNumber": 416,
    "EntityTooSmall": 400,
    "EntityTooLarge": 400,
    "MalformedXML": 400,
    "IncompleteBody": 400,
    "InvalidChunkSizeError": 400,
    "InvalidTag": 400,
    "KeyTooLongError": 400,
    "AuthorizationHeaderMalformed": 400,
    "AuthorizationQueryParametersError": 400,
    "MissingContentLength": 411,
    "PreconditionFailed": 412,
    "NotModified": 304,
    "InvalidRange": 416,
    "MethodNotAllowed": 405,
    "NotImplemented": 501,
    "InternalError": 500,
    "SlowDown": 503,
    "InsufficientStorage": 507,
    "QuotaExceeded": 403,
}

# AOSError class -> S3 code; the most specific class in the MRO wins.
FROM_AOS: dict[type[errors.AOSError], str] = {
    errors.ProjectNotFound: "NoSuchBucket",
    errors.ObjectNotFound: "NoSuchKey",
    errors.VersionNotFound: "NoSuchVersion",
    errors.NotFound: "NoSuchKey",
    errors.AlreadyExists: "OperationAborted",
    errors.Conflict: "InvalidRequest",
    errors.Unauthenticated: "AccessDenied",
    errors.PermissionDenied: "AccessDenied",
    errors.InvalidInput: "InvalidArgument",
    errors.PreconditionFailed: "PreconditionFailed",
    errors.RangeNotSatisfiable: "InvalidRange",
    errors.TooLarge: "EntityTooLarge",
    errors.IntegrityError: "BadDigest",
    errors.StorageFull: "InsufficientStorage",
    errors.Busy: "SlowDown",
}
# Codes of service-specific errors that have an S3 name of their own.
FROM_CODE = {
    "upload_not_found": "NoSuchUpload",
    "invalid_part": "InvalidPart",
    "invalid_part_order": "InvalidPartOrder",
    "entity_too_small": "EntityTooSmall",
    "quota_exceeded": "QuotaExceeded",
}


class S3Error(Exception):
    """An error answered as S3 XML: `<Error><Code/><Message/><Resource/><RequestId/></Error>`."""

    def __init__(self, code: str, message: str, **extra: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra
        self.status = STATUS.get(code, 400)
        self.headers: dict[str, str] = {}

    @classmethod
    def from_aos_error(cls, exc: errors.AOSError) -> S3Error:
        code = FROM_CODE.get(exc.code)
        if code is None:
            code = next(
                (FROM_AOS[c] for c in type(exc).__mro__ if c in FROM_AOS),
                "InternalError",
            )
        # S3 names the failed condition (clients map If-None-Match to "file exists").
        extra = {"condition": str(exc.details["condition"])} if "condition" in exc.details else {}
        return cls(code, exc.message, **extra)

    @classmethod
    def from_exception(cls, exc: BaseException) -> S3Error:
        if isinstance(exc, S3Error):
            return exc
        if isinstance(exc, errors.AOSError):
            return cls.from_aos_error(exc)
        if (full := as_storage_full(exc)) is not None:
            return cls.from_aos_error(full)
        return cls("InternalError", "We encountered an internal error. Please try again.")


def error_xml(err: S3Error, resource: str, request_id: str) -> bytes:
    root = ET.Element("Error")
    ET.SubElement(root, "Code").text = err.code
    ET.SubElement(root, "Message").text = xml_text(err.message)
    for key, value in err.extra.items():
        ET.SubElement(root, "".join(p.title() for p in key.split("_"))).text = xml_text(value)
    ET.SubElement(root, "Resource").text = xml_text(resource)
    ET.SubElement(root, "RequestId").text = request_id
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root)
