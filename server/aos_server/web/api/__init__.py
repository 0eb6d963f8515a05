"""The JSON API sub-app mounted at /api/v2."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ... import __version__
from ...domain.permissions import ANONYMOUS, Actor
from ...keys import AUTH, SETTINGS
from . import (
    accounts,
    crates,
    data,
    endpoints,
    events,
    governance,
    hooks,
    oidc,
    resources,
    search,
    users,
    workspaces,
)
from .openapi import build_openapi
from .problems import problem, problem_middleware
from .routing import ACTOR, ApiRouter

ROUTERS: list[ApiRouter] = [
    resources.router,
    users.router,
    data.router,
    events.router,
    hooks.router,
    search.router,
    crates.router,
    governance.router,
    endpoints.router,
    accounts.router,
    workspaces.router,
    oidc.router,
]
# SECURITY: what a hook's callback token may call; every other route refuses it.
HOOK_CALLBACK_ROUTES = {
    ("PATCH", "/resources/{id}/key-values"),
    ("POST", "/resources/{id}/status"),
}
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
        if actor.purpose == "hook" and _route(request) not in HOOK_CALLBACK_ROUTES:
            return problem(
                403,
                "A hook callback token may only add key-values to its object "
                "(PATCH /resources/{id}/key-values) and set its status "
                "(POST /resources/{id}/status)",
                "permission_denied",
            )
    request[ACTOR] = actor
    response: web.StreamResponse = await handler(request)
    return response


def _route(request: web.Request) -> tuple[str, str]:
    """(method, path template) of the matched route, without the sub-app prefix."""
    resource = request.match_info.route.resource
    canonical = resource.canonical if resource is not None else request.path
    return request.method, canonical.removeprefix("/api/v2")


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
