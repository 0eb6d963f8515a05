"""Routes for signing in with OIDC: device code (CLI, notebooks) and browser (PKCE) flows."""

from __future__ import annotations

import html
import secrets

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from aos_fs.account_models import (
    BrowserSignIn,
    DevicePoll,
    DeviceSignIn,
    OIDCProvider,
    SignInResult,
)

from ...domain.permissions import Actor
from ...keys import OIDC, SETTINGS
from ...services.oidc import BROWSER_FLOW_SECONDS
from .routing import ApiRouter

router = ApiRouter()
TAG = "sign-in"
COOKIE = "aos_oidc_binding"


class CallbackQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")  # providers add their own (iss, session_state)
    state: str
    code: str | None = None
    error: str | None = None
    error_description: str | None = None


def _callback_url(request: web.Request, provider: str) -> str:
    base = request.config_dict[SETTINGS].public_url or str(request.url.origin())
    return f"{base.rstrip('/')}/api/v2/auth/oidc/{provider}/callback"


@router.op(
    "GET",
    "/auth/oidc",
    summary="The OIDC providers one can sign in with",
    tag=TAG,
    response=list[OIDCProvider],
)
async def providers(request: web.Request, actor: Actor) -> list[OIDCProvider]:
    return request.config_dict[OIDC].list()


@router.op(
    "POST",
    "/auth/oidc/{provider}/device",
    summary="Start a device-code sign-in: show the user code and URL, then poll",
    tag=TAG,
    response=DeviceSignIn,
    status=201,
)
async def device_start(request: web.Request, actor: Actor, provider: str) -> DeviceSignIn:
    return await request.config_dict[OIDC].device_start(provider)


@router.op(
    "POST",
    "/auth/oidc/{provider}/device/poll",
    summary="Poll a device-code sign-in; once done, the answer holds an AOS token",
    tag=TAG,
    body=DevicePoll,
    response=SignInResult,
)
async def device_poll(
    request: web.Request, actor: Actor, provider: str, body: DevicePoll
) -> SignInResult:
    return await request.config_dict[OIDC].device_poll(provider, body.flow_id)


@router.op(
    "POST",
    "/auth/oidc/{provider}/authorize",
    summary="Start a browser sign-in (authorization code with PKCE): open the URL",
    tag=TAG,
    response=BrowserSignIn,
    status=201,
)
async def authorize(request: web.Request, actor: Actor, provider: str) -> BrowserSignIn:
    return await request.config_dict[OIDC].authorize(provider, _callback_url(request, provider))


@router.op(
    "GET",
    "/auth/oidc/{provider}/login",
    summary="Browser sign-in: redirects to the provider, which returns to /callback",
    tag=TAG,
)
async def login(request: web.Request, actor: Actor, provider: str) -> web.StreamResponse:
    binding = secrets.token_urlsafe(32)
    start = await request.config_dict[OIDC].authorize(
        provider, _callback_url(request, provider), binding=binding
    )
    response = web.Response(
        status=302, headers={"Location": start.authorization_url, "Cache-Control": "no-store"}
    )
    # Not a credential: it only ties the sign-in to this browser (see OIDCService.authorize).
    response.set_cookie(
        COOKIE,
        binding,
        max_age=BROWSER_FLOW_SECONDS,
        path=f"/api/v2/auth/oidc/{provider}/",
        httponly=True,
        samesite="Lax",
        secure=request.secure,
    )
    return response


@router.op(
    "GET",
    "/auth/oidc/{provider}/callback",
    summary="Where the provider returns the browser; shows the new AOS token once",
    tag=TAG,
    query=CallbackQuery,
)
async def callback(
    request: web.Request, actor: Actor, provider: str, query: CallbackQuery
) -> web.StreamResponse:
    from ...errors import PermissionDenied

    if query.error or not query.code:
        raise PermissionDenied(
            f"The sign-in was not completed: {query.error_description or query.error}"
        )
    result = await request.config_dict[OIDC].callback(
        provider, query.state, query.code, binding=request.cookies.get(COOKIE)
    )
    name = html.escape(result.user.name if result.user else "")
    if result.token is None:
        body = f"<p>{html.escape(result.detail)}</p>"
    else:
        secret = html.escape(result.token.secret)
        body = (
            f"<p>Signed in as <b>{name}</b>. Your AOS token (shown once):</p>"
            f'<pre id="aos-token">{secret}</pre>'
            "<p>Use it as <code>AOS_TOKEN</code>, or run <code>aos login URL</code> and paste "
            "it.</p>"
        )
    page = f"<!doctype html><html><head><title>AOS sign-in</title></head><body>{body}</body></html>"
    # SECURITY: the page carries a secret: never cached, never framed.
    return web.Response(
        text=page,
        content_type="text/html",
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )
