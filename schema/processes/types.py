"""GraphQL output types of process blueprints, built from domain objects."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.domain import process as domain
from schema.context import Info
from schema.enums import ActivityKind, InputType, ProcessKind
from schema.loaders import input_sets_by_process, process_by_id
from schema.relay import Node

if TYPE_CHECKING:
    from schema.input_sets.types import InputSetType
from schema.scalars import JSON


@strawberry.type
class InputDefinition:
    name: str
    type: InputType
    required: bool
    default: JSON | None
    description: str | None
    allowed_values: list[JSON] | None
    min: float | None
    max: float | None
    pattern: str | None

    @classmethod
    def from_domain(cls, d: domain.InputDefinition) -> InputDefinition:
        return cls(
            name=d.name,
            type=d.type,
            required=d.required,
            default=d.default,
            description=d.description,
            allowed_values=None if d.allowed_values is None else list(d.allowed_values),
            min=d.min,
            max=d.max,
            pattern=d.pattern,
        )


@strawberry.type
class VariableDefinition:
    name: str
    value: str = strawberry.field(description="May hold ${expressions}.")

    @classmethod
    def from_domain(cls, d: domain.VariableDefinition) -> VariableDefinition:
        return cls(name=d.name, value=d.value)


@strawberry.type
class RetryPolicy:
    max_attempts: int = strawberry.field(description="Counts the first attempt.")
    backoff: str = strawberry.field(description='"30s" or "exponential:10s".')


@strawberry.type
class ActivityTemplate:
    key: str
    name: str
    kind: ActivityKind
    owner: str | None
    depends_on: list[str]
    variables: list[VariableDefinition]
    config: JSON | None
    timeout: str | None
    retry: RetryPolicy | None
    approvers: list[str] | None
    required_approvals: int | None
    condition: str | None = strawberry.field(
        description='e.g. ${environment} == "PROD"; false -> SKIPPED.'
    )

    @classmethod
    def from_domain(cls, a: domain.ActivityTemplate) -> ActivityTemplate:
        return cls(
            key=a.key,
            name=a.name,
            kind=a.kind,
            owner=a.owner,
            depends_on=list(a.depends_on),
            variables=[VariableDefinition.from_domain(v) for v in a.variables],
            config=a.config,
            timeout=a.timeout,
            retry=None
            if a.retry is None
            else RetryPolicy(max_attempts=a.retry.max_attempts, backoff=a.retry.backoff),
            approvers=None if a.approvers is None else list(a.approvers),
            required_approvals=a.required_approvals,
            condition=a.condition,
        )


@strawberry.type
class PhaseTemplate:
    key: str
    name: str
    owner: str | None
    depends_on: list[str]
    variables: list[VariableDefinition]
    activities: list[ActivityTemplate]

    @classmethod
    def from_domain(cls, p: domain.PhaseTemplate) -> PhaseTemplate:
        return cls(
            key=p.key,
            name=p.name,
            owner=p.owner,
            depends_on=list(p.depends_on),
            variables=[VariableDefinition.from_domain(v) for v in p.variables],
            activities=[ActivityTemplate.from_domain(a) for a in p.activities],
        )


@strawberry.type(name="Process", description="A blueprint of phases and activities.")
class ProcessType(Node):
    name: str
    description: str | None
    kind: ProcessKind
    version: int = strawberry.field(description="Bumped by every update; old versions are kept.")
    tags: list[str]
    inputs: list[InputDefinition]
    variables: list[VariableDefinition]
    phases: list[PhaseTemplate]
    created_by: str
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="The input store: named sets of values for this process.")
    async def input_sets(
        self, info: Info
    ) -> list[Annotated[InputSetType, strawberry.lazy("schema.input_sets.types")]]:
        from schema.input_sets.types import InputSetType

        found = await input_sets_by_process(info).load(self.id)
        return [InputSetType.from_domain(s) for s in found]

    @classmethod
    def from_domain(cls, p: domain.Process) -> ProcessType:
        return cls(
            id=strawberry.ID(p.id),
            name=p.name,
            description=p.description,
            kind=p.kind,
            version=p.version,
            tags=list(p.tags),
            inputs=[InputDefinition.from_domain(i) for i in p.inputs],
            variables=[VariableDefinition.from_domain(v) for v in p.variables],
            phases=[PhaseTemplate.from_domain(ph) for ph in p.phases],
            created_by=p.created_by,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


async def process_of(info: Info, process_id: str) -> ProcessType:
    """The process something refers to, through the request's loader.

    Processes in use (by releases, input sets, groups) cannot be deleted, so it exists.
    """
    found = await process_by_id(info).load(process_id)
    if found is None:
        raise LookupError(f"process {process_id} is gone")
    return ProcessType.from_domain(found)
