"""Schemathesis against the live OpenAPI document: every operation, four kinds of caller.

Each generated case is sent as the admin, as a normal user, with no token and with a garbage
token. Whatever the caller, the server must not answer 5xx, must answer with a status and a
content type the document declares, with a body that matches the declared schema, and every
error must be problem+json with a non-empty `detail` and a `code`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from aos_fs.client import AOSClient
from aos_server.web.api import ROUTERS
from tests.conftest import LiveServer
from tests.factories import unique
from tests.fuzz.conftest import FUZZ_DERANDOMIZE, FUZZ_EXAMPLES


class ProblemShapeError(AssertionError):
    """An error response that is not problem+json with a `detail` and a `code`."""


def problem_json_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx of the JSON API is problem+json with a non-empty `detail` and a `code`."""
    if response.status_code < 400:
        return None
    values = {k.lower(): v for k, v in response.headers.items()}.get("content-type", [""])
    ctype = values[0] if isinstance(values, list) else values
    if not ctype.startswith("application/problem+json"):
        raise ProblemShapeError(f"{response.status_code} with Content-Type {ctype!r}")
    body = json.loads(response.content)
    if not (isinstance(body.get("detail"), str) and body["detail"].strip()):
        raise ProblemShapeError(f"{response.status_code} without a detail: {body!r}")
    if not (isinstance(body.get("code"), str) and body["code"]):
        raise ProblemShapeError(f"{response.status_code} without a code: {body!r}")
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    problem_json_errors,
]
SENT: Counter[str] = Counter()  # requests per caller, printed at the end of the module (-s)


@pytest.fixture(scope="module")
def callers(fuzz_server: LiveServer) -> Iterator[dict[str, dict[str, str]]]:
    """Headers for the four callers: admin, a normal user, nobody, and a token nobody issued."""
    with AOSClient(fuzz_server.url, fuzz_server.admin_token) as admin:
        user_id = admin.create_user(unique("fuzz"), is_admin=False).id
        user_token = admin.create_token("fuzz", user_id=user_id).secret
    yield {
        "admin": {"Authorization": f"Bearer {fuzz_server.admin_token}"},
        "user": {"Authorization": f"Bearer {user_token}"},
        "anonymous": {},
        "garbage": {"Authorization": "Bearer aos_not-a-token-that-was-ever-issued"},
    }
    print(f"\nOpenAPI fuzz: {sum(SENT.values())} requests, {dict(SENT)}")


@pytest.fixture(scope="module")
def api_schema(fuzz_server: LiveServer) -> Any:
    """The document as the running server serves it (loaded lazily, once per module)."""
    return schemathesis.openapi.from_url(f"{fuzz_server.url}/api/v2/openapi.json")


# One test per operation, named by its operationId; the cases come from the served document.
OPERATION_IDS = sorted(op.func.__name__ for r in ROUTERS for op in r.operations)


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_operation(operation_id: str, api_schema: Any, callers: dict[str, dict[str, str]]) -> None:
    operation = api_schema.find_operation_by_id(operation_id)

    @given(case=operation.as_strategy())
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=FUZZ_DERANDOMIZE,
    )
    def run(case: Any) -> None:
        for caller, headers in callers.items():
            response = case.call(headers=headers, timeout=30)
            SENT[caller] += 1
            case.validate_response(response, checks=CHECKS)

    run()
