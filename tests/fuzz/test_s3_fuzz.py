"""Raw HTTP requests at the S3 endpoint: odd methods, paths, queries, headers and bodies.

Whatever arrives, the endpoint answers without a server error, and every error is S3 XML
(`<Error>` with a `Code` S3 clients know, the status that code has, a `Message` and a
`RequestId`). Two answers are not S3 XML by design: a request the HTTP parser itself rejects
(broken framing) gets aiohttp's plain 400 before any S3 code runs, and a body shorter than its
`Content-Length` may end with the connection closed unanswered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, note, settings

from aos_server.web.s3.errors import STATUS
from tests.conftest import LiveServer, boto3_s3
from tests.fuzz.conftest import FUZZ_DERANDOMIZE, FUZZ_EXAMPLES
from tests.fuzz.s3_requests import BUCKET, RawRequest, RawResponse, raw_requests, send, wire

CASES = 30 * FUZZ_EXAMPLES
SEEN: Counter[str] = Counter()  # statuses
CODES: Counter[str] = Counter()  # S3 error codes and special answers


@pytest.fixture(scope="module")
def s3_target(fuzz_server: LiveServer) -> Iterator[tuple[str, int]]:
    s3 = boto3_s3(fuzz_server, retries={"max_attempts": 1})
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="exists/a", Body=b"0123456789")
    host, port = fuzz_server.url.removeprefix("http://").split(":")
    yield host, int(port)
    print(
        f"S3 fuzz: {sum(SEEN.values())} requests; statuses {dict(SEEN.most_common())}; "
        f"errors {dict(CODES.most_common())}"
    )


def check(request: RawRequest, response: RawResponse | None) -> None:
    if response is None:
        assert request.short_body, "the server closed the connection without an answer"
        SEEN["none"] += 1
        return
    SEEN[str(response.status)] += 1
    assert response.status < 500 or response.status == 501, response
    if response.status < 400:
        return
    if "x-amz-request-id" not in response.headers:
        # Only the HTTP parser answers without S3's request id: a 400 for broken framing.
        assert response.status == 400, response
        assert response.headers.get("content-type", "").startswith("text/plain"), response
        CODES["plain 400 from the HTTP parser"] += 1
        return
    if request.method == "HEAD":
        assert not response.body
        return
    assert response.headers.get("content-type", "").startswith("application/xml"), response
    root = ET.fromstring(response.body)  # noqa: S314 - our own server's answer
    assert root.tag == "Error", response.body
    code = root.findtext("Code")
    assert code in STATUS, f"unknown S3 error code {code!r}"
    assert STATUS[code] == response.status, f"{code} with status {response.status}"
    assert (root.findtext("Message") or "").strip(), response.body
    assert root.findtext("RequestId") == response.headers["x-amz-request-id"]
    CODES[code] += 1


@pytest.mark.timeout(60 + CASES // 20)
@settings(
    max_examples=CASES,
    derandomize=FUZZ_DERANDOMIZE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(request=raw_requests())
def test_s3_endpoint_answers_every_request_with_s3_xml(
    s3_target: tuple[str, int], request: RawRequest
) -> None:
    host, port = s3_target
    data = wire(request, f"{host}:{port}")
    note(f"sent: {data!r}")
    check(request, send(host, port, data, half_close=request.short_body))
