"""GraphQL types of releases, built from the release aggregate at the edge."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.domain import events as domain_events
from app.domain import release as domain
from app.domain.process import ActivityTemplate, PhaseTemplate
from app.domain.variables import Resolution, ResolvedVariable, resolve
from app.domain.waiting import waiting_on
from schema.context import Info
from schema.enums import ActivityKind
from schema.loaders import input_set_by_id, process_by_id
from schema.relay import Connection, Node
from schema.releases.enums import (
    ActivityStatus,
    Cadence,
    PhaseStatus,
    ReleaseEventType,
    ReleaseOutcome,
    ReleaseStatus,
)
from schema.scalars import JSON

if TYPE_CHECKING:
    from schema.input_sets.types import InputSetType
    from schema.processes.types import ProcessType


@strawberry.type(name="ResolvedVariable")
class ResolvedVariableType:
    name: str
    expression: str = strawberry.field(description="As written, with its ${references}.")
    value: JSON | None = strawberry.field(description="Null while it awaits an output.")
    pending: list[str] = strawberry.field(description="Outputs it still waits for.")

    @classmethod
    def from_domain(cls, v: ResolvedVariable) -> ResolvedVariableType:
        return cls(name=v.name, expression=v.expression, value=v.value, pending=list(v.pending))


def _variables(resolved: list[ResolvedVariable]) -> list[ResolvedVariableType]:
    return [ResolvedVariableType.from_domain(v) for v in resolved]


@strawberry.type
class Link:
    kind: str = strawberry.field(description="JIRA, PR, COMMIT, RUNBOOK, DASHBOARD, ...")
    title: str | None
    url: str


@strawberry.type
class ReleaseContext:
    purpose: str | None
    scope: str | None
    risks: str | None
    rollback_plan: str | None
    stakeholders: list[str]


@strawberry.type
class PhaseOwner:
    phase_key: str
    owner: str


@strawberry.type
class Approval:
    user: str
    decision: str
    comment: str | None
    at: datetime


@strawberry.type
class Attempt:
    number: int
    started_at: datetime
    finished_at: datetime | None
    error: str | None
    inputs: JSON | None


@strawberry.type(name="Activity")
class ActivityType:
    key: str
    name: str
    kind: ActivityKind
    owner: str | None
    status: ActivityStatus
    depends_on: list[str]
    variables: list[ResolvedVariableType]
    config: JSON | None
    timeout: str | None
    condition: str | None
    attempts: int
    attempt_history: list[Attempt]
    error: str | None
    output: JSON | None
    approvals: list[Approval]
    approvers: list[str] | None
    required_approvals: int | None
    started_at: datetime | None
    completed_at: datetime | None
    waiting_on: list[str] = strawberry.field(
        description="Why it has not started: unmet dependencies, a pause, the release's state."
    )

    @classmethod
    def build(
        cls,
        phase: PhaseTemplate,
        activity: ActivityTemplate,
        state: domain.ActivityState,
        resolution: Resolution,
        reasons: list[str],
    ) -> ActivityType:
        return cls(
            key=activity.key,
            name=activity.name,
            kind=activity.kind,
            owner=activity.owner or phase.owner,
            status=state.status,
            depends_on=list(activity.depends_on),
            variables=_variables(resolution.activity(phase.key, activity.key)),
            config=activity.config,
            timeout=activity.timeout,
            condition=activity.condition,
            attempts=len(state.attempts),
            attempt_history=[
                Attempt(
                    number=a.number,
                    started_at=a.started_at,
                    finished_at=a.finished_at,
                    error=a.error,
                    inputs=a.inputs,
                )
                for a in state.attempts
            ],
            error=state.error,
            output=state.output,
            approvals=[
                Approval(user=a.user, decision=a.decision, comment=a.comment, at=a.at)
                for a in state.approvals
            ],
            approvers=None if activity.approvers is None else list(activity.approvers),
            required_approvals=activity.required_approvals,
            started_at=state.started_at,
            completed_at=state.completed_at,
            waiting_on=reasons,
        )


@strawberry.type(name="Phase")
class PhaseType:
    key: str
    name: str
    owner: str | None
    status: PhaseStatus
    depends_on: list[str]
    variables: list[ResolvedVariableType]
    activities: list[ActivityType]
    started_at: datetime | None
    completed_at: datetime | None


def phases_of(release: domain.Release, resolution: Resolution) -> list[PhaseType]:
    """The release's phases with their state, resolved variables and waiting reasons."""
    phases = []
    for phase in release.plan.phases:
        state = release.phase_state(phase.key)
        phases.append(
            PhaseType(
                key=phase.key,
                name=phase.name,
                owner=release.owner_of(phase),
                status=state.status,
                depends_on=list(phase.depends_on),
                variables=_variables(resolution.phase(phase.key)),
                activities=[
                    ActivityType.build(
                        phase,
                        activity,
                        release.activity_state(activity.key),
                        resolution,
                        waiting_on(release, phase, activity),
                    )
                    for activity in phase.activities
                ],
                started_at=state.started_at,
                completed_at=state.completed_at,
            )
        )
    return phases


def resolution_of(release: domain.Release) -> Resolution:
    outputs = {
        (phase.key, activity.key): state.output
        for phase, activity in release.activities()
        if (state := release.activity_state(activity.key)).output is not None
    }
    return resolve(release.plan, release.inputs, outputs)


@strawberry.type(name="ReleaseEvent")
class ReleaseEventType_:
    seq: int
    at: datetime
    type: ReleaseEventType
    actor: str | None
    release_id: strawberry.ID
    phase_key: str | None
    activity_key: str | None
    from_: str | None = strawberry.field(name="from")
    to: str | None
    message: str | None
    data: JSON | None

    @classmethod
    def from_domain(cls, e: domain_events.ReleaseEvent) -> ReleaseEventType_:
        return cls(
            seq=e.seq,
            at=e.at,
            type=e.type,
            actor=e.actor,
            release_id=strawberry.ID(e.release_id),
            phase_key=e.phase_key,
            activity_key=e.activity_key,
            from_=e.from_,
            to=e.to,
            message=e.message,
            data=e.data,
        )


@strawberry.type(name="Release", description="An instance of a process with its own inputs.")
class ReleaseType(Node):
    name: str
    description: str | None
    tags: list[str]
    version: str | None
    services: list[str]
    environments: list[str]
    status: ReleaseStatus
    outcome: ReleaseOutcome | None
    cadence: Cadence
    process_version: int
    paused: bool
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    archived_at: datetime | None
    revision: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    _release: strawberry.Private[domain.Release]

    @cached_property
    def _resolution(self) -> Resolution:
        return resolution_of(self._release)

    @strawberry.field(description="Effective values: process defaults < input set < overrides.")
    def inputs(self) -> JSON:
        return self._release.inputs

    @strawberry.field(description="The values this release sets over its input set.")
    def overrides(self) -> JSON:
        return self._release.overrides

    @strawberry.field(description="The global variables (inputs and process variables).")
    def variables(self) -> list[ResolvedVariableType]:
        return _variables(self._resolution.globals)

    @strawberry.field
    def phases(self) -> list[PhaseType]:
        return phases_of(self._release, self._resolution)

    @strawberry.field
    def links(self) -> list[Link]:
        return [Link(kind=k.kind, title=k.title, url=k.url) for k in self._release.links]

    @strawberry.field
    def context(self) -> ReleaseContext | None:
        c = self._release.context
        if c is None:
            return None
        return ReleaseContext(
            purpose=c.purpose,
            scope=c.scope,
            risks=c.risks,
            rollback_plan=c.rollback_plan,
            stakeholders=list(c.stakeholders),
        )

    @strawberry.field(description="Each phase's owner: from the process unless changed here.")
    def owners(self) -> list[PhaseOwner]:
        return [
            PhaseOwner(phase_key=p.key, owner=owner)
            for p in self._release.plan.phases
            if (owner := self._release.owner_of(p)) is not None
        ]

    @strawberry.field(description="The process, as it is now (the release keeps its version).")
    async def process(
        self, info: Info
    ) -> Annotated[ProcessType, strawberry.lazy("schema.processes.types")]:
        from schema.processes.types import ProcessType

        found = await process_by_id(info).load(self._release.process_id)
        if found is None:
            raise LookupError(f"process {self._release.process_id} is gone")
        return ProcessType.from_domain(found)

    @strawberry.field
    async def input_set(
        self, info: Info
    ) -> Annotated[InputSetType, strawberry.lazy("schema.input_sets.types")] | None:
        from schema.input_sets.types import InputSetType

        if self._release.input_set_id is None:
            return None
        found = await input_set_by_id(info).load(self._release.input_set_id)
        return None if found is None else InputSetType.from_domain(found)

    @strawberry.field(description="The audit trail, oldest first.")
    async def events(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ReleaseEventType_]:
        from schema.releases.events import events_page

        return await events_page(info, self._release, first=first, after=after)

    @classmethod
    def from_domain(cls, r: domain.Release) -> ReleaseType:
        return cls(
            id=strawberry.ID(r.id),
            name=r.name,
            description=r.description,
            tags=list(r.tags),
            version=r.version,
            services=list(r.services),
            environments=list(r.environments),
            status=r.status,
            outcome=r.outcome,
            cadence=r.cadence,
            process_version=r.process_version,
            paused=r.paused,
            scheduled_start=r.scheduled_start,
            scheduled_end=r.scheduled_end,
            started_at=r.started_at,
            completed_at=r.completed_at,
            archived_at=r.archived_at,
            revision=r.revision,
            created_by=r.created_by,
            created_at=r.created_at,
            updated_at=r.updated_at,
            _release=r,
        )
