"""Routes for users, service accounts, tokens, S3 credentials and licenses."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from aos_fs.models import (
    CreatedToken,
    License,
    LicenseCreate,
    S3Credentials,
    S3CredentialsCreate,
    ServiceAccountCreate,
    Token,
    TokenCreate,
    User,
    UserCreate,
    WhoAmI,
)

from ...domain.permissions import Actor
from ...errors import PermissionDenied, Unauthenticated
from ...keys import AUTH, META
from .routing import ApiRouter

router = ApiRouter()


class UsersQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    after: str | None = Field(default=None, description="Name of the last user of the last page")
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


class TokensQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: str | None = Field(default=None, description="Another user's (admins, SA managers)")


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool | None = None
    is_admin: bool | None = None


@router.op(
    "GET", "/whoami", summary="The caller and the token in use", tag="users", response=WhoAmI
)
async def whoami(request: web.Request, actor: Actor) -> WhoAmI:
    user, token = await request.config_dict[AUTH].whoami(actor)
    return WhoAmI(user=user, token=token)


@router.op(
    "GET",
    "/users",
    summary="List users (admins)",
    tag="users",
    query=UsersQuery,
    response=list[User],
)
async def list_users(request: web.Request, actor: Actor, query: UsersQuery) -> list[User]:
    return await request.config_dict[AUTH].list_users(actor, after=query.after, limit=query.limit)


@router.op(
    "POST",
    "/users",
    summary="Create a user (admins)",
    tag="users",
    body=UserCreate,
    response=User,
    status=201,
)
async def create_user(request: web.Request, actor: Actor, body: UserCreate) -> User:
    return await request.config_dict[AUTH].create_user(actor, body)


@router.op(
    "GET",
    "/users/{id}",
    summary="Get a user (yourself, or anyone for admins)",
    tag="users",
    response=User,
)
async def get_user(request: web.Request, actor: Actor, id: str) -> User:
    return await request.config_dict[AUTH].get_user(actor, id)


@router.op(
    "PATCH",
    "/users/{id}",
    summary="Activate, deactivate or promote a user (admins)",
    tag="users",
    body=UserChange,
    response=User,
)
async def change_user(request: web.Request, actor: Actor, id: str, body: UserChange) -> User:
    return await request.config_dict[AUTH].set_user_state(
        actor, id, active=body.active, is_admin=body.is_admin
    )


@router.op(
    "POST",
    "/service-accounts",
    summary="Create a service account for a project (project admins)",
    tag="users",
    body=ServiceAccountCreate,
    response=User,
    status=201,
)
async def create_service_account(
    request: web.Request, actor: Actor, body: ServiceAccountCreate
) -> User:
    return await request.config_dict[AUTH].create_service_account(actor, body)


@router.op(
    "GET",
    "/tokens",
    summary="List your tokens (secrets are never shown again)",
    tag="tokens",
    query=TokensQuery,
    response=list[Token],
)
async def list_tokens(request: web.Request, actor: Actor, query: TokensQuery) -> list[Token]:
    return await request.config_dict[AUTH].list_tokens(actor, query.user_id)


@router.op(
    "POST",
    "/tokens",
    summary="Create a token; the secret is in this response only",
    tag="tokens",
    body=TokenCreate,
    response=CreatedToken,
    status=201,
)
async def create_token(request: web.Request, actor: Actor, body: TokenCreate) -> CreatedToken:
    return await request.config_dict[AUTH].create_token(actor, body)


@router.op("DELETE", "/tokens/{id}", summary="Revoke a token", tag="tokens")
async def delete_token(request: web.Request, actor: Actor, id: str) -> None:
    await request.config_dict[AUTH].delete_token(actor, id)


@router.op(
    "GET",
    "/s3-credentials",
    summary="Your S3 access keys",
    tag="tokens",
    response=list[S3Credentials],
)
async def list_s3(request: web.Request, actor: Actor) -> list[S3Credentials]:
    return await request.config_dict[AUTH].list_s3_credentials(actor)


@router.op(
    "POST",
    "/s3-credentials",
    summary="Create S3 keys (the secret is shown once)",
    tag="tokens",
    body=S3CredentialsCreate,
    response=S3Credentials,
    status=201,
)
async def create_s3(request: web.Request, actor: Actor, body: S3CredentialsCreate) -> S3Credentials:
    return await request.config_dict[AUTH].create_s3_credentials(actor, body)


@router.op("DELETE", "/s3-credentials/{access_key_id}", summary="Revoke S3 keys", tag="tokens")
async def delete_s3(request: web.Request, actor: Actor, access_key_id: str) -> None:
    await request.config_dict[AUTH].delete_s3_credentials(actor, access_key_id)


@router.op(
    "GET", "/licenses", summary="Known licenses (SPDX ids)", tag="licenses", response=list[License]
)
async def list_licenses(request: web.Request, actor: Actor) -> list[License]:
    async with request.config_dict[META].read() as s:
        return await s.list_licenses()


@router.op(
    "POST",
    "/licenses",
    summary="Add a license (admins)",
    tag="licenses",
    body=LicenseCreate,
    response=License,
    status=201,
)
async def add_license(request: web.Request, actor: Actor, body: LicenseCreate) -> License:
    if actor.anonymous:
        raise Unauthenticated("Sign in as an administrator to add licenses")
    if not actor.global_admin:
        raise PermissionDenied("Only administrators may add licenses")
    lic = License(tag=body.tag, name=body.name, url=body.url)
    async with request.config_dict[META].write() as s:
        await s.upsert_license(lic)
    return lic
