"""Typed API routes: each handler declares its body, query and response models once; the same
declaration validates requests, serialises responses and produces the OpenAPI document."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from ...busy import retry_busy
from ...domain.permissions import ANONYMOUS, Actor
from .problems import validation_problem

Handler = Callable[..., Awaitable[Any]]
ACTOR = web.RequestKey("actor", Actor)
_PATH_PARAM = re.compile(r"{(\w+)}")


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: Any
    status: int
    func: Handler

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)


class ApiRouter:
    """Collects operations; `install()` adds them to an aiohttp app."""

    def __init__(self) -> None:
        self.operations: list[Operation] = []

    def op(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        tag: str,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: Any = None,
        status: int = 200,
    ) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            self.operations.append(
                Operation(method, path, summary, tag, body, query, response, status, func)
            )
            return func

        return register

    def install(self, app: web.Application) -> None:
        for op in self.operations:
            app.router.add_route(op.method, op.path, _make_handler(op))


def actor_of(request: web.Request) -> Actor:
    actor: Actor = request.get(ACTOR, ANONYMOUS)  # Request.get has no RequestKey overload
    return actor


async def _call(op: Operation, request: web.Request, kwargs: dict[str, Any]) -> Any:
    """Run the operation; a write that PostgreSQL aborted to break a deadlock runs again when
    its input can be replayed (a parsed JSON body or none; a streamed body is gone once read)."""
    if op.body is None and request.body_exists:
        return await op.func(request, actor_of(request), **kwargs)
    return await retry_busy(lambda: op.func(request, actor_of(request), **kwargs))


def _make_handler(op: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    adapter = TypeAdapter(op.response) if op.response is not None else None

    async def handler(request: web.Request) -> web.StreamResponse:
        kwargs: dict[str, Any] = {name: request.match_info[name] for name in op.path_params}
        if op.query is not None:
            try:
                kwargs["query"] = op.query.model_validate(dict(request.query))
            except ValidationError as exc:
                return validation_problem(exc, "query string")
        if op.body is not None:
            # SECURITY: refuse a declared oversize body before reading any of it.
            declared = request.content_length
            if declared is not None and declared > request.client_max_size:
                raise web.HTTPRequestEntityTooLarge(request.client_max_size, declared)
            raw = await request.read()
            try:
                data = json.loads(raw or b"null")
            except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
                from ...errors import InvalidInput

                raise InvalidInput(
                    "The request body is not valid JSON; send a JSON object with "
                    "`Content-Type: application/json`"
                ) from None
            try:
                kwargs["body"] = op.body.model_validate(data)
            except ValidationError as exc:
                return validation_problem(exc, "request body")
        result = await _call(op, request, kwargs)
        if isinstance(result, web.StreamResponse):
            return result
        if adapter is None or result is None:
            return web.Response(status=204)
        return web.Response(
            status=op.status,
            body=adapter.dump_json(result, exclude_none=False),
            content_type="application/json",
        )

    handler.__name__ = op.func.__name__
    return handler
