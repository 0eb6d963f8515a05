"""Each API call described once, as data: the sync and async clients only differ in sending it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, TypeAdapter

from .models import (
    CreatedToken,
    KeyValue,
    License,
    ObjectVersion,
    Page,
    Permission,
    PermissionLevel,
    Relation,
    RelationType,
    Resource,
    S3Credentials,
    SearchResults,
    Token,
    User,
    WhoAmI,
)

T = TypeVar("T")
KeyValueLike = KeyValue | Mapping[str, str]


@dataclass(frozen=True)
class Call(Generic[T]):
    method: str
    path: str
    result: TypeAdapter[T] | None
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None

    @property
    def idempotent(self) -> bool:
        return self.method in ("GET", "HEAD", "PUT", "DELETE")

    def parse(self, payload: bytes) -> T:
        assert self.result is not None  # noqa: S101 - only called for calls with a result
        return self.result.validate_json(payload)


_CACHE: dict[Any, TypeAdapter[Any]] = {}


def _adapter(tp: Any) -> TypeAdapter[Any]:
    if tp not in _CACHE:
        _CACHE[tp] = TypeAdapter(tp)
    return _CACHE[tp]


def seg(value: str) -> str:
    """One percent-encoded path segment (ids come from users too)."""
    return quote(str(value), safe="")


def _json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def _params(**values: Any) -> dict[str, Any]:
    return {
        k: (str(v).lower() if isinstance(v, bool) else v)
        for k, v in values.items()
        if v is not None
    }


def call(
    method: str,
    path: str,
    result: Any = None,
    *,
    params: dict[str, Any] | None = None,
    body: Any = None,
) -> Call[Any]:
    return Call(
        method, path, _adapter(result) if result is not None else None, params or {}, _json(body)
    )


def _level(level: str | PermissionLevel) -> str:
    return level.value if isinstance(level, PermissionLevel) else str(level).upper()


# -- the calls ----------------------------------------------------------------------------------
def whoami() -> Call[WhoAmI]:
    return call("GET", "/whoami", WhoAmI)


def info() -> Call[dict[str, Any]]:
    return call("GET", "/info", dict[str, Any])


def openapi() -> Call[dict[str, Any]]:
    return call("GET", "/openapi.json", dict[str, Any])


def list_projects(cursor: str | None, limit: int, prefix: str | None) -> Call[Page[Resource]]:
    params = _params(cursor=cursor, limit=limit, prefix=prefix)
    return call("GET", "/projects", Page[Resource], params=params)


def create(kind: str, name: str, parent_id: str | None, fields: dict[str, Any]) -> Call[Resource]:
    body = {"name": name, **fields}
    if parent_id is not None:
        body["parent_id"] = parent_id
    return call("POST", f"/{kind}", Resource, body=body)


def get(resource_id: str, stats: bool) -> Call[Resource]:
    return call(
        "GET", f"/resources/{seg(resource_id)}", Resource, params=_params(stats=stats or None)
    )


def resolve(path: str) -> Call[list[Resource]]:
    return call("GET", "/resolve", list[Resource], params={"path": path})


def children(
    resource_id: str, cursor: str | None, limit: int, sort: str, order: str, prefix: str | None
) -> Call[Page[Resource]]:
    return call(
        "GET",
        f"/resources/{seg(resource_id)}/children",
        Page[Resource],
        params=_params(cursor=cursor, limit=limit, sort=sort, order=order, prefix=prefix),
    )


def update(resource_id: str, changes: dict[str, Any]) -> Call[Resource]:
    return call("PATCH", f"/resources/{seg(resource_id)}", Resource, body=changes)


def key_values(
    resource_id: str, add: Iterable[KeyValueLike], remove: Iterable[KeyValueLike]
) -> Call[Resource]:
    return call(
        "PATCH",
        f"/resources/{seg(resource_id)}/key-values",
        Resource,
        body={"add": list(add), "remove": list(remove)},
    )


def external_relations(
    resource_id: str, add: Iterable[Any], remove: Iterable[Any]
) -> Call[Resource]:
    return call(
        "PATCH",
        f"/resources/{seg(resource_id)}/external-relations",
        Resource,
        body={"add": list(add), "remove": list(remove)},
    )


def delete(resource_id: str) -> Call[Resource]:
    return call("DELETE", f"/resources/{seg(resource_id)}", Resource)


def restore(resource_id: str) -> Call[Resource]:
    return call("POST", f"/resources/{seg(resource_id)}/restore", Resource)


def relations(resource_id: str) -> Call[list[Relation]]:
    return call("GET", f"/resources/{seg(resource_id)}/relations", list[Relation])


def _relation_body(
    target_id: str, type: str | RelationType, custom_type: str | None
) -> dict[str, Any]:
    kind = type.value if isinstance(type, RelationType) else str(type).upper()
    return {
        "target_id": target_id,
        "type": kind,
        **({"custom_type": custom_type} if custom_type else {}),
    }


def add_relation(
    origin_id: str, target_id: str, type: str | RelationType, custom_type: str | None
) -> Call[Relation]:
    body = _relation_body(target_id, type, custom_type)
    return call("POST", f"/resources/{seg(origin_id)}/relations", Relation, body=body)


def remove_relation(
    origin_id: str, target_id: str, type: str | RelationType, custom_type: str | None
) -> Call[None]:
    body = _relation_body(target_id, type, custom_type)
    return call("POST", f"/resources/{seg(origin_id)}/relations/remove", body=body)


def versions(object_id: str) -> Call[list[ObjectVersion]]:
    return call("GET", f"/resources/{seg(object_id)}/versions", list[ObjectVersion])


def version(object_id: str, revision: int) -> Call[ObjectVersion]:
    return call("GET", f"/resources/{seg(object_id)}/versions/{int(revision)}", ObjectVersion)


def version_by_id(version_id: str) -> Call[ObjectVersion]:
    return call("GET", f"/versions/{seg(version_id)}", ObjectVersion)


def permissions(resource_id: str) -> Call[list[Permission]]:
    return call("GET", f"/resources/{seg(resource_id)}/permissions", list[Permission])


def grant(resource_id: str, user_id: str, level: str | PermissionLevel) -> Call[Permission]:
    body = {"user_id": user_id, "level": _level(level)}
    return call("PUT", f"/resources/{seg(resource_id)}/permissions", Permission, body=body)


def list_users(after: str | None, limit: int) -> Call[list[User]]:
    return call("GET", "/users", list[User], params=_params(after=after, limit=limit))


def create_user(name: str, display_name: str, email: str | None, is_admin: bool) -> Call[User]:
    body = {"name": name, "display_name": display_name, "email": email, "is_admin": is_admin}
    return call("POST", "/users", User, body={k: v for k, v in body.items() if v is not None})


def get_user(user_id: str) -> Call[User]:
    return call("GET", f"/users/{seg(user_id)}", User)


def set_user_state(user_id: str, active: bool | None, is_admin: bool | None) -> Call[User]:
    body = {k: v for k, v in {"active": active, "is_admin": is_admin}.items() if v is not None}
    return call("PATCH", f"/users/{seg(user_id)}", User, body=body)


def create_service_account(name: str, project_id: str, level: str | PermissionLevel) -> Call[User]:
    body = {"name": name, "project_id": project_id, "level": _level(level)}
    return call("POST", "/service-accounts", User, body=body)


def list_tokens(user_id: str | None) -> Call[list[Token]]:
    return call("GET", "/tokens", list[Token], params=_params(user_id=user_id))


def create_token(
    name: str,
    scope_id: str | None,
    level: str | PermissionLevel,
    expires_at: datetime | None,
    user_id: str | None,
) -> Call[CreatedToken]:
    body = {
        "name": name,
        "scope_id": scope_id,
        "level": _level(level),
        "expires_at": expires_at,
        "user_id": user_id,
    }
    return call(
        "POST", "/tokens", CreatedToken, body={k: v for k, v in body.items() if v is not None}
    )


def delete_token(token_id: str) -> Call[None]:
    return call("DELETE", f"/tokens/{seg(token_id)}")


def list_s3_credentials() -> Call[list[S3Credentials]]:
    return call("GET", "/s3-credentials", list[S3Credentials])


def create_s3_credentials(token_id: str | None) -> Call[S3Credentials]:
    return call("POST", "/s3-credentials", S3Credentials, body=_params(token_id=token_id))


def delete_s3_credentials(access_key_id: str) -> Call[None]:
    return call("DELETE", f"/s3-credentials/{seg(access_key_id)}")


def list_licenses() -> Call[list[License]]:
    return call("GET", "/licenses", list[License])


def add_license(tag: str, name: str, url: str) -> Call[License]:
    return call("POST", "/licenses", License, body={"tag": tag, "name": name, "url": url})


def search(
    q: str,
    *,
    kind: str | Iterable[str] | None,
    data_class: str | Iterable[str] | None,
    license: str | None,
    kv: Mapping[str, str | None] | None,
    created_after: datetime | None,
    created_before: datetime | None,
    within: str | None,
    limit: int,
    cursor: str | None,
) -> Call[SearchResults]:
    def joined(v: str | Iterable[str] | None) -> str | None:
        return v if v is None or isinstance(v, str) else ",".join(v)

    params = _params(
        q=q,
        kind=joined(kind),
        data_class=joined(data_class),
        license=license,
        kv=",".join(k if v is None else f"{k}={v}" for k, v in kv.items()) if kv else None,
        created_after=created_after.isoformat() if created_after else None,
        created_before=created_before.isoformat() if created_before else None,
        within=within,
        limit=limit,
        cursor=cursor,
    )
    return call("GET", "/search", SearchResults, params=params)


def presign(
    path: str, method: str, expires_in: int, version_id: str | None = None
) -> Call[dict[str, Any]]:
    body = {"path": path, "method": method, "expires_in": expires_in, "version_id": version_id}
    return call("POST", "/presign", dict[str, Any], body=body)


def create_bundle(
    resource_ids: list[str], format: str, expires_in: int, once: bool
) -> Call[dict[str, Any]]:
    body = {"resource_ids": resource_ids, "format": format, "expires_in": expires_in, "once": once}
    return call("POST", "/bundles", dict[str, Any], body=body)
