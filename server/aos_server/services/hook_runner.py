"""Carrying out hooks: events become deliveries, deliveries are attempted with backoff.

Both halves keep their state in the metadata store, so a restart loses nothing:
- the trigger reads the event log from a stored cursor and records one delivery per matching
  (hook, event) in the same transaction that moves the cursor (exactly one delivery each);
- the dispatcher claims due deliveries (an atomic lease, so several processes can share the work),
  attempts them, and records success, or the error and the next attempt (exponential backoff with
  jitter) until the hook's `max_attempts` is spent.
Webhooks are at-least-once: a crash mid-call repeats the call; receivers dedupe on the
`X-AOS-Delivery` header.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import aiohttp
from yarl import URL

from aos_fs.models import KeyValue, KeyValueChange, Kind, RelationCreate, RelationType, Resource

from ..backends.metadata.base import DeliveryRecord, EventRecord, HookRecord, MetadataStore
from ..domain.ids import new_id
from ..domain.permissions import Actor, Level
from ..events.bus import EventBus
from .auth import AuthService
from .common import now
from .dag import GraphService
from .egress import EgressPolicy, EgressRefused, guarded_connector_kwargs
from .events import public_payload
from .hooks import AddKeyValue, AddRelation, HookService, Trigger, Webhook, hook_view, matches
from .resources import ResourceService, public_view

log = logging.getLogger("aos.hooks")
CURSOR = "hooks"
# base URL, user id, project, key, seconds -> a presigned GET URL
Presigner = Callable[[str, str, str, str, int], Awaitable[str]]
_PLACEHOLDER = re.compile(r"{{\s*([\w.]+)\s*}}")


class DeliveryFailed(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def render(template: str, context: dict[str, Any], *, as_json: bool) -> str:
    """Replace {{dotted.path}} from `context`; values are JSON-escaped inside JSON bodies."""

    def value(match: re.Match[str]) -> str:
        node: Any = context
        for part in match.group(1).split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return "null" if as_json else ""
        if isinstance(node, str):
            return json.dumps(node)[1:-1] if as_json else node
        return json.dumps(node)

    return _PLACEHOLDER.sub(value, template)


def sign(secret: bytes, body: bytes) -> str:
    """The `X-AOS-Signature` header: HMAC-SHA256 over the raw body."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _egress_refusal(exc: BaseException) -> EgressRefused | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, EgressRefused):
            return seen
        seen = getattr(seen, "os_error", None) or seen.__cause__
    return None


class HookRunner:
    def __init__(
        self,
        meta: MetadataStore,
        bus: EventBus,
        hooks: HookService,
        auth: AuthService,
        resources: ResourceService,
        graph: GraphService,
        *,
        presign: Presigner,
        api_url: str,
        concurrency: int = 16,
        egress: EgressPolicy | None = None,
    ) -> None:
        self.meta = meta
        self.bus = bus
        self.hooks = hooks
        self.auth = auth
        self.resources = resources
        self.graph = graph
        self.presign = presign
        self.fallback_url = api_url.rstrip("/")
        self.egress = egress or EgressPolicy()
        self._kick = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        self._http: aiohttp.ClientSession | None = None

    async def forever(self) -> None:
        connector = aiohttp.TCPConnector(**guarded_connector_kwargs(self.egress))
        self._http = aiohttp.ClientSession(connector=connector)
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self._trigger_forever())
                tg.create_task(self._dispatch_forever())
        finally:
            await self._http.close()

    # -- trigger: events -> deliveries ----------------------------------------------------------
    async def _trigger_forever(self) -> None:
        while True:
            try:
                cursor = await self.trigger_once()
                await self.bus.wait(cursor, 5.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("hook trigger failed; retrying shortly")
                await asyncio.sleep(1.0)

    async def trigger_once(self) -> int:
        """Turn the events after the cursor into deliveries; returns the new cursor."""
        async with self.meta.read() as s:
            cursor = await s.get_cursor(CURSOR)
            if cursor is None:
                cursor = await s.head_seq()  # first start: hooks fire for what happens from now
            events = await s.read_events(after_seq=cursor, limit=500)
            hooks = [h for h in await s.list_hooks(None) if h.enabled] if events else []
        if not events:
            async with self.meta.write() as s:
                if await s.get_cursor(CURSOR) is None:
                    await s.set_cursor(CURSOR, cursor)
            return cursor
        created = 0
        async with self.meta.write() as s:
            if await s.get_cursor(CURSOR) not in (None, cursor):
                return cursor  # another process moved it; read again
            for event in events:
                for hook in hooks:
                    if self._fires(hook, event):
                        ts = now()
                        created += await s.insert_delivery(
                            DeliveryRecord(
                                id=new_id(),
                                hook_id=hook.id,
                                event_seq=event.seq,
                                event_type=event.type,
                                resource_id=event.resource_id,
                                status="PENDING",
                                attempts=0,
                                next_attempt_at=ts,
                                last_error=None,
                                last_status=None,
                                created_at=ts,
                                updated_at=ts,
                            )
                        )
            await s.set_cursor(CURSOR, events[-1].seq)
        if created:
            self._kick.set()
        return events[-1].seq

    @staticmethod
    def _fires(hook: HookRecord, event: EventRecord) -> bool:
        if hook.project_id not in event.scope or event.created_at < hook.created_at:
            return False
        return matches(Trigger.model_validate(hook.trigger), event)

    # -- dispatch: deliveries -> attempts -------------------------------------------------------
    async def _dispatch_forever(self) -> None:
        running: set[asyncio.Task[None]] = set()
        while True:
            try:
                started = await self.dispatch_once(running)
                if started:
                    continue
                async with self.meta.read() as s:
                    due = await s.next_delivery_at()
                wait = 5.0 if due is None else max(0.0, (due - now()).total_seconds())
                self._kick.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._kick.wait(), min(wait, 5.0) + 0.01)
            except asyncio.CancelledError:
                for task in running:
                    task.cancel()
                raise
            except Exception:
                log.exception("hook dispatch failed; retrying shortly")
                await asyncio.sleep(1.0)

    async def dispatch_once(self, running: set[asyncio.Task[None]]) -> int:
        """Claim due deliveries and start them; returns how many were started."""
        ts = now()
        async with self.meta.read() as s:
            due = await s.due_deliveries(ts, 50)
        started = 0
        for delivery in due:
            hook = await self._get_hook(delivery.hook_id)
            if hook is None:
                continue
            lease = ts + timedelta(seconds=hook.timeout + 60)
            async with self.meta.write() as s:
                claimed = await s.claim_delivery(delivery.id, delivery.next_attempt_at, lease)
            if not claimed:
                continue
            task = asyncio.create_task(self._attempt(hook, delivery))
            running.add(task)
            task.add_done_callback(running.discard)
            started += 1
        return started

    async def _get_hook(self, hook_id: str) -> HookRecord | None:
        async with self.meta.read() as s:
            return await s.get_hook(hook_id)

    async def _attempt(self, hook: HookRecord, delivery: DeliveryRecord) -> None:
        async with self._slots:
            attempt = delivery.attempts + 1
            status: int | None = None
            error: str | None = None
            final = False  # a failure that another attempt cannot mend
            try:
                status = await self._execute(hook, delivery, attempt)
            except DeliveryFailed as exc:
                error, status = str(exc), exc.status
            except EgressRefused as exc:  # policy, not a passing fault: no retries
                error, final = str(exc), True
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                refused = _egress_refusal(exc)
                if refused is not None:  # raised in the resolver, wrapped by aiohttp
                    error, final = str(refused), True
                else:
                    error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            except Exception as exc:  # an action failed in the service (permissions, state)
                error = f"{type(exc).__name__}: {exc}"
            ts = now()
            if error is None:
                result = replace(delivery, status="SUCCEEDED", last_error=None)
            elif final or attempt >= hook.max_attempts:
                result = replace(delivery, status="FAILED", last_error=error[:2000])
            else:
                delay = min(hook.backoff * 2 ** (attempt - 1), 6 * 3600.0)
                delay *= 0.8 + 0.4 * random.random()  # noqa: S311 - jitter, not crypto
                result = replace(
                    delivery,
                    status="PENDING",
                    last_error=error[:2000],
                    next_attempt_at=ts + timedelta(seconds=delay),
                )
            result = replace(result, attempts=attempt, last_status=status, updated_at=ts)
            async with self.meta.write() as s:
                await s.update_delivery(result)
            if error is not None:
                log.info("hook %s delivery %s attempt %d: %s", hook.id, delivery.id, attempt, error)

    async def _execute(
        self, hook: HookRecord, delivery: DeliveryRecord, attempt: int
    ) -> int | None:
        action = hook_view(hook).action
        async with self.meta.read() as s:
            events = await s.events_by_seq([delivery.event_seq])
            res = await s.get_resource(delivery.resource_id) if delivery.resource_id else None
        if not events:
            raise DeliveryFailed(f"event {delivery.event_seq} is no longer in the log")
        event = events[0]
        if isinstance(action, AddKeyValue):
            self._need(res, delivery)
            actor = Actor(
                user_id=hook.created_by,
                scope_id=delivery.resource_id,
                ceiling=Level.WRITE,
                purpose="hook",
            )
            kv = KeyValue(key=action.key, value=action.value, variant=action.variant)
            await self.resources.change_key_values(
                actor, delivery.resource_id or "", KeyValueChange(add=[kv])
            )
            return None
        if isinstance(action, AddRelation):
            self._need(res, delivery)
            owner = await self._owner(hook)
            await self.graph.add_relation(
                owner,
                delivery.resource_id or "",
                RelationCreate(
                    target_id=action.target_id,
                    type=RelationType(action.relation),
                    custom_type=action.custom_type,
                ),
            )
            return None
        assert isinstance(action, Webhook)  # noqa: S101 - the union has three members
        return await self._webhook(hook, action, delivery, event, res, attempt)

    @staticmethod
    def _need(res: Resource | None, delivery: DeliveryRecord) -> None:
        if res is None:
            raise DeliveryFailed(f"resource {delivery.resource_id} no longer exists")

    async def _owner(self, hook: HookRecord) -> Actor:
        """The hook's owner as an actor limited to the project and WRITE (for internal actions)."""
        async with self.meta.read() as s:
            user = await s.get_user(hook.created_by)
        if user is None or not user.active:
            raise DeliveryFailed("the owner of this hook is no longer active")
        return Actor(
            user_id=user.id,
            is_admin=user.is_admin,
            scope_id=hook.project_id,
            ceiling=Level.WRITE,
            purpose="hook-action",
        )

    async def _webhook(
        self,
        hook: HookRecord,
        action: Webhook,
        delivery: DeliveryRecord,
        event: EventRecord,
        res: Resource | None,
        attempt: int,
    ) -> int:
        if action.validate_object and res is not None and attempt == 1:
            marker = Actor(user_id=hook.created_by, purpose="hook")
            if await self.hooks.mark_validating(marker, res.id):
                async with self.meta.read() as s:
                    res = await s.get_resource(res.id) or res
        context = await self._context(hook, delivery, event, res, attempt)
        as_json = "json" in action.content_type
        if action.template is None:
            body = json.dumps(context, separators=(",", ":")).encode()
        else:
            body = render(action.template, context, as_json=as_json).encode()
        headers = {
            "Content-Type": action.content_type,
            "User-Agent": "aos-py-hooks",
            "X-AOS-Signature": sign(self.hooks.secret_of(hook), body),
            "X-AOS-Hook": hook.id,
            "X-AOS-Delivery": delivery.id,
            "X-AOS-Event": event.type,
            "X-AOS-Attempt": str(attempt),
        }
        assert self._http is not None  # noqa: S101 - set by forever()
        # IP literals never reach the resolver, so they are checked here; names at connect.
        self.egress.check_literal(URL(action.url).host or "")
        async with self._http.request(
            action.method,
            action.url,
            data=body,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=hook.timeout),
            allow_redirects=False,
        ) as response:
            text = (await response.content.read(2000)).decode(errors="replace")
            if not 200 <= response.status < 300:
                raise DeliveryFailed(f"HTTP {response.status}: {text[:500]}", response.status)
            return response.status

    async def _context(
        self,
        hook: HookRecord,
        delivery: DeliveryRecord,
        event: EventRecord,
        res: Resource | None,
        attempt: int,
    ) -> dict[str, Any]:
        """The default payload (and what templates draw from)."""
        context: dict[str, Any] = {
            "hook": {"id": hook.id, "name": hook.name, "project_id": hook.project_id},
            "delivery": {"id": delivery.id, "attempt": attempt},
            "event": {
                "seq": event.seq,
                "id": event.id,
                "type": event.type,
                "time": event.created_at.isoformat(),
                "data": public_payload(event.payload),
            },
            "resource": None,
            "download_url": None,
            "callback": None,
            "timestamp": now().isoformat(),
        }
        if res is None:
            return context
        view = public_view(res)
        project, key = await self._path(res)
        context["resource"] = {
            "id": view.id,
            "kind": view.kind.value,
            "name": view.name,
            "project": project,
            "path": f"{project}/{key}" if key else project,
            "status": view.status.value,
            "content_type": view.content_type,
            "size": view.size,
            "revision": view.revision,
            "key_values": [kv.model_dump(mode="json") for kv in view.key_values],
        }
        if res.kind == Kind.OBJECT and res.revision and key:
            context["download_url"] = await self.presign(
                self.hooks.public_url(self.fallback_url),
                hook.created_by,
                project,
                key,
                max(hook.callback_ttl, 60),
            )
        token, expires = await self.auth.create_callback_token(
            delivery_id=delivery.id,
            hook_id=hook.id,
            resource_id=res.id,
            user_id=hook.created_by,
            seconds=hook.callback_ttl,
        )
        base = f"{self.hooks.public_url(self.fallback_url)}/api/v2/resources/{res.id}"
        context["callback"] = {
            "token": token,
            "expires_at": expires.isoformat(),
            "key_values_url": f"{base}/key-values",
            "status_url": f"{base}/status",
        }
        return context

    async def _path(self, res: Resource) -> tuple[str, str]:
        """(project name, key) of a resource, following its first parent up to the project."""
        names: list[str] = []
        here = res
        async with self.meta.read() as s:
            for _ in range(8):
                if here.kind == Kind.PROJECT:
                    return here.name, "/".join(reversed(names))
                names.append(here.name)
                parents = await s.parent_ids(here.id)
                parent = await s.get_resource(parents[0]) if parents else None
                if parent is None:
                    break
                here = parent
        return "", "/".join(reversed(names))
