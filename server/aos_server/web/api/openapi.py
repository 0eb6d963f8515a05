"""The OpenAPI 3.1 document, generated from the routes' declared models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import TypeAdapter

from ... import __version__
from .problems import TITLES
from .routing import Operation

_REF = "#/components/schemas/{model}"


class _Schemas:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def of(self, tp: Any, mode: str) -> dict[str, Any]:
        schema = TypeAdapter(tp).json_schema(ref_template=_REF, mode=mode)  # type: ignore[arg-type]
        self.components.update(schema.pop("$defs", {}))
        title = schema.get("title")
        if isinstance(tp, type) and title and schema.get("type") == "object":
            name = re.sub(r"\W", "_", title)
            self.components[name] = schema
            return {"$ref": _REF.format(model=name)}
        return schema


def _error_responses(problem_ref: dict[str, str], *, with_body: bool) -> dict[str, Any]:
    """Every error is problem+json: the statuses any operation may answer, 413 where a body is
    read, and `default` for the rarer ones (410 expired link, 412, 416, 501 backend lacks it)."""
    content = {"application/problem+json": {"schema": problem_ref}}
    statuses = [400, 401, 403, 404, 409, *([413] if with_body else []), 422]
    responses: dict[str, Any] = {
        str(status): {"description": TITLES[status], "content": content} for status in statuses
    }
    responses["401"]["headers"] = {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with (`Bearer`)",
            "schema": {"type": "string"},
        }
    }
    responses["default"] = {"description": "Any other error", "content": content}
    return responses


def build_openapi(operations: list[Operation], *, server_url: str) -> dict[str, Any]:
    schemas = _Schemas()
    problem_ref = {"$ref": _REF.format(model="Problem")}
    from aos_fs.models import Problem

    schemas.of(Problem, "serialization")
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        item: dict[str, Any] = {
            "summary": op.summary,
            "operationId": op.func.__name__,
            "tags": [op.tag],
            "parameters": [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                for p in op.path_params
            ],
        }
        if op.query is not None:
            for name, field in op.query.model_fields.items():
                # A model field always has an annotation; None is the type checker's "unknown".
                annotation = Any if field.annotation is None else field.annotation
                param_schema = TypeAdapter(annotation).json_schema()
                item["parameters"].append(
                    {
                        "name": name,
                        "in": "query",
                        "required": field.is_required(),
                        "description": field.description or "",
                        "schema": param_schema,
                    }
                )
        if op.body is not None:
            item["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schemas.of(op.body, "validation")}},
            }
        responses: dict[str, Any] = {}
        if op.response is not None:
            responses[str(op.status)] = {
                "description": "OK",
                "content": {
                    "application/json": {"schema": schemas.of(op.response, "serialization")}
                },
            }
        else:
            responses["204"] = {"description": "Done"}
        responses.update(_error_responses(problem_ref, with_body=op.body is not None))
        item["responses"] = responses
        paths.setdefault(op.path, {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "AOS-Py API",
            "version": __version__,
            "description": "Research-data object store: projects, collections, datasets and "
            "objects with metadata, permissions and versions. Object bytes move through the "
            "S3-compatible endpoint on the same host.",
        },
        "servers": [{"url": f"{server_url}/api/v2"}],
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}, {}],
        "paths": paths,
    }
