"""Write rules: CEL expressions per project (optionally below one container) or per endpoint.

A rule is a condition every write in its scope must meet, e.g. `kind != "OBJECT" ||
name.endsWith(".csv")` with the message "only CSV files in this dataset". CEL (through the
`common-expression-language` bindings of the Rust implementation) cannot loop, call out or touch
the host, so users may write rules safely; each evaluation takes microseconds.
A rule that fails to evaluate refuses the write (fail closed) and says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import cel

from aos_fs.models import Kind, Resource

from ..domain.ids import new_id
from ..domain.permissions import Actor, Level
from ..errors import InvalidInput, PermissionDenied, ResourceNotFound, RuleViolation
from . import permissions as perms
from .common import load, now

if TYPE_CHECKING:
    from ..backends.metadata.base import MetadataSession, MetadataStore
    from ..backends.metadata.governance import RuleRecord

# The variables a rule may use; every write supplies all of them.
VARIABLES: dict[str, str] = {
    "operation": '"upload" (object bytes), "create" or "update" (a resource), "clone"',
    "kind": '"PROJECT", "COLLECTION", "DATASET" or "OBJECT"',
    "name": "the name of the resource or object written",
    "key": "its path inside the project (S3 key), '' for the project itself",
    "project": "the project name",
    "size": "bytes of the upload (-1 when not known yet, e.g. before a stream is read)",
    "content_type": "the declared media type ('' for containers)",
    "data_class": '"PUBLIC", "PRIVATE", "WORKSPACE" or "CONFIDENTIAL"',
    "user": "id of the user who writes",
}
MAX_EXPRESSION = 2000


@lru_cache(maxsize=512)
def compile_rule(expression: str) -> Any:
    """Parse a rule once (cached); `InvalidInput` names the error and the allowed variables."""
    if len(expression) > MAX_EXPRESSION:
        raise InvalidInput(f"A rule has at most {MAX_EXPRESSION} characters", field="expression")
    try:
        program = cel.compile(expression)
    except ValueError as exc:
        raise InvalidInput(f"Not a valid CEL expression: {exc}", field="expression") from exc
    unknown = sorted(set(program.variables()) - set(VARIABLES))
    if unknown:
        raise InvalidInput(
            f"Unknown variable(s) {', '.join(unknown)}; a rule may use: "
            + ", ".join(sorted(VARIABLES)),
            field="expression",
        )
    return program


@dataclass(frozen=True)
class WriteFacts:
    """What a rule sees of one write."""

    operation: str
    kind: Kind
    name: str
    key: str
    project: str
    data_class: str
    user: str
    size: int = -1
    content_type: str = ""

    def context(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "kind": self.kind.value,
            "name": self.name,
            "key": self.key,
            "project": self.project,
            "size": self.size,
            "content_type": self.content_type,
            "data_class": self.data_class,
            "user": self.user,
        }


def evaluate(rule: RuleRecord, facts: WriteFacts) -> None:
    """Raise `RuleViolation` with the rule's message unless the rule holds for `facts`."""
    program = compile_rule(rule.expression)
    if facts.size < 0 and "size" in program.variables():
        return  # checked again at commit, when the size is known
    try:
        verdict = program.execute(facts.context())
    except (InvalidInput, RuntimeError, TypeError, ValueError) as exc:
        raise RuleViolation(
            f"{rule.message} (rule {rule.name!r} could not be evaluated: {exc})",
            rule=rule.name,
        ) from exc
    if verdict is not True:
        raise RuleViolation(f"{rule.message} (rule {rule.name!r})", rule=rule.name)


async def enforce(
    s: MetadataSession, project: Resource | None, parent: Resource | None, facts: WriteFacts
) -> None:
    """Check every rule of the endpoint and of `project` whose scope holds the write."""
    rules = await s.rules_for_write(project.id) if project is not None else await s.list_rules(None)
    if not rules:
        return
    scope: set[str] | None = None
    for rule in rules:
        if rule.resource_id is not None and (project is None or rule.resource_id != project.id):
            if scope is None:
                scope = set()
                if parent is not None:
                    scope = {parent.id, *await s.ancestor_ids(parent.id)}
            if rule.resource_id not in scope:
                continue
        evaluate(rule, facts)


async def project_of(s: MetadataSession, res: Resource) -> Resource | None:
    if res.kind == Kind.PROJECT:
        return res
    for above in await s.get_resources(sorted(await s.ancestor_ids(res.id))):
        if above.kind == Kind.PROJECT:
            return above
    return None


async def enforce_create(
    s: MetadataSession,
    actor: Actor,
    kind: Kind,
    name: str,
    data_class: str,
    parent: Resource | None,
    *,
    operation: str = "create",
) -> None:
    """The rules for creating a resource below `parent` (`None`: a project, where only the
    endpoint's rules apply), or for changing one (`operation="update"`, `parent` itself)."""
    project = await project_of(s, parent) if parent is not None else None
    facts = WriteFacts(
        operation=operation,
        kind=kind,
        name=name,
        key="" if kind == Kind.PROJECT else name,
        project=project.name if project else name,
        data_class=data_class,
        user=actor.user_id or "",
    )
    await enforce(s, project, parent, facts)


class RuleService:
    """CRUD of rules: project rules by the project's admins, endpoint rules by global admins."""

    def __init__(self, meta: MetadataStore) -> None:
        self.meta = meta

    async def _project_of(self, s: MetadataSession, res: Resource) -> Resource:
        project = await project_of(s, res)
        if project is None:
            raise ResourceNotFound(f"{res.name!r} belongs to no project")
        return project

    async def create(
        self,
        actor: Actor,
        *,
        resource_id: str | None,
        name: str,
        expression: str,
        message: str,
    ) -> RuleRecord:
        from ..backends.metadata.governance import RuleRecord

        compile_rule(expression)
        if not message.strip():
            raise InvalidInput(
                "A rule needs a message that tells users what to do", field="message"
            )
        async with self.meta.write() as s:
            project_id: str | None = None
            if resource_id is None:
                if not actor.global_admin:
                    raise PermissionDenied("Only global admins set endpoint-wide rules")
            else:
                res = await load(s, resource_id)
                if res.kind == Kind.OBJECT:
                    raise InvalidInput("Rules apply to projects, collections and datasets")
                await perms.require(s, actor, res, Level.ADMIN)
                project_id = (await self._project_of(s, res)).id
            rule = RuleRecord(
                id=new_id(),
                project_id=project_id,
                resource_id=resource_id,
                name=name,
                expression=expression,
                message=message,
                created_by=actor.user_id,
                created_at=now(),
            )
            await s.insert_rule(rule)
        return rule

    async def list(self, actor: Actor, resource_id: str | None) -> list[RuleRecord]:
        """Rules that apply at `resource_id` (its project's and the endpoint's), or the
        endpoint's when `None`. Anyone who may write there may read them (to know why)."""
        async with self.meta.read() as s:
            if resource_id is None:
                if actor.anonymous:
                    raise PermissionDenied("Sign in to list rules")
                return await s.list_rules(None)
            res = await load(s, resource_id)
            await perms.require(s, actor, res, Level.READ)
            project = await self._project_of(s, res)
            rules = await s.rules_for_write(project.id)
            here = {res.id, *await s.ancestor_ids(res.id)}
            return [
                r
                for r in rules
                if r.resource_id is None
                or r.resource_id == project.id
                or r.resource_id in here
                or res.kind == Kind.PROJECT
            ]

    async def delete(self, actor: Actor, rule_id: str) -> None:
        async with self.meta.write() as s:
            rule = await s.get_rule(rule_id)
            if rule is None:
                raise ResourceNotFound(f"No rule with id {rule_id!r}")
            if rule.resource_id is None:
                if not actor.global_admin:
                    raise PermissionDenied("Only global admins remove endpoint-wide rules")
            else:
                await perms.require(s, actor, await load(s, rule.resource_id), Level.ADMIN)
            await s.delete_rule(rule_id)
