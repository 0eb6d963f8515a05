"""The JSON API sub-app mounted at /api/v2."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ... import __version__
from ...domain.permissions import ANONYMOUS, Actor
from ...keys import AUTH, SETTINGS
from . import data, resources, users
from .openapi import build_openapi
from .problems import problem, problem_middleware
from .routing import ACTOR, ApiRouter

ROUTERS: list[ApiRouter] = [resources.router, users.router, data.router]
_OPENAPI = web.AppKey("openapi", dict)


@web.middleware
async def auth_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Bearer token → Actor; no header means anonymous (each route decides what that may do)."""
    header = request.headers.get("Authorization")
    actor: Actor = ANONYMOUS
    if header:
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            return problem(
                401,
                "Send the token as `Authorization: Bearer <token>`",
                "unauthenticated",
            )
        actor = await request.config_dict[AUTH].authenticate(credential.strip())
    request[ACTOR] = actor
    response: web.StreamResponse = await handler(request)
    return response


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[_OPENAPI])


async def info(request: web.Request) -> web.Response:
    return web.json_response({"name": "aos-py", "version": __version__, "api": "v2"})


def build_api(parent: web.Application) -> web.Application:
    # Middlewares run outside-in: problems wraps auth, so a bad token is a problem+json too.
    api = web.Application(
        middlewares=[problem_middleware, auth_middleware], client_max_size=8 << 20
    )
    operations = [op for r in ROUTERS for op in r.operations]
    api[_OPENAPI] = build_openapi(operations, server_url=parent[SETTINGS].base_url)
    api.router.add_get("/openapi.json", openapi)
    api.router.add_get("/info", info)
    for r in ROUTERS:
        r.install(api)
    return api
