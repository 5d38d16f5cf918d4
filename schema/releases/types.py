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
    from schema.release_groups.types import ReleaseGroupType


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


class ReleaseView:
    """One release as a request sees it; its variables are resolved once, and only if asked."""

    def __init__(self, release: domain.Release, resolution: Resolution | None = None) -> None:
        self.release = release
        self._resolution = resolution

    @property
    def resolution(self) -> Resolution:
        if self._resolution is None:
            self._resolution = resolution_of(self.release)
        return self._resolution


@strawberry.type(name="Activity")
class ActivityType:
    key: str
    name: str
    kind: ActivityKind
    owner: str | None
    status: ActivityStatus
    depends_on: list[str]
    config: JSON | None
    timeout: str | None
    condition: str | None
    error: str | None
    output: JSON | None
    approvers: list[str] | None
    required_approvals: int | None
    started_at: datetime | None
    completed_at: datetime | None
    _view: strawberry.Private[ReleaseView]
    _phase: strawberry.Private[PhaseTemplate]
    _activity: strawberry.Private[ActivityTemplate]
    _state: strawberry.Private[domain.ActivityState]

    @strawberry.field(description="Its variables, resolved (activity -> phase -> global).")
    def variables(self) -> list[ResolvedVariableType]:
        return _variables(self._view.resolution.activity(self._phase.key, self.key))

    @strawberry.field(description="How many attempts it has had.")
    def attempts(self) -> int:
        return len(self._state.attempts)

    @strawberry.field(description="Each attempt: when, what it ran with, how it ended.")
    def attempt_history(self) -> list[Attempt]:
        return [
            Attempt(
                number=a.number,
                started_at=a.started_at,
                finished_at=a.finished_at,
                error=a.error,
                inputs=a.inputs,
            )
            for a in self._state.attempts
        ]

    @strawberry.field
    def approvals(self) -> list[Approval]:
        return [
            Approval(user=a.user, decision=a.decision, comment=a.comment, at=a.at)
            for a in self._state.approvals
        ]

    @strawberry.field(
        description="Why it has not finished: unmet dependencies, a pause, people, a time."
    )
    def waiting_on(self) -> list[str]:
        return waiting_on(self._view.release, self._phase, self._activity)

    @classmethod
    def build(
        cls, view: ReleaseView, phase: PhaseTemplate, activity: ActivityTemplate
    ) -> ActivityType:
        state = view.release.activity_state(activity.key)
        return cls(
            key=activity.key,
            name=activity.name,
            kind=activity.kind,
            owner=activity.owner or phase.owner,
            status=state.status,
            depends_on=list(activity.depends_on),
            config=activity.config,
            timeout=activity.timeout,
            condition=activity.condition,
            error=state.error,
            output=state.output,
            approvers=None if activity.approvers is None else list(activity.approvers),
            required_approvals=activity.required_approvals,
            started_at=state.started_at,
            completed_at=state.completed_at,
            _view=view,
            _phase=phase,
            _activity=activity,
            _state=state,
        )


@strawberry.type(name="Phase")
class PhaseType:
    key: str
    name: str
    owner: str | None
    status: PhaseStatus
    depends_on: list[str]
    started_at: datetime | None
    completed_at: datetime | None
    _view: strawberry.Private[ReleaseView]
    _phase: strawberry.Private[PhaseTemplate]

    @strawberry.field(description="Its variables, resolved (phase -> global).")
    def variables(self) -> list[ResolvedVariableType]:
        return _variables(self._view.resolution.phase(self.key))

    @strawberry.field
    def activities(self) -> list[ActivityType]:
        return [ActivityType.build(self._view, self._phase, a) for a in self._phase.activities]


def phases_of(view: ReleaseView) -> list[PhaseType]:
    """The release's phases with their state; variables resolve when a field asks."""
    release = view.release
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
                started_at=state.started_at,
                completed_at=state.completed_at,
                _view=view,
                _phase=phase,
            )
        )
    return phases


def resolution_of(release: domain.Release) -> Resolution:
    outputs = {
        (phase.key, activity.key): state.output
        for phase, activity in release.activities()
        if (state := release.activity_state(activity.key)).output is not None
    }
    return resolve(release.plan, release.inputs, outputs, plan_key=release.plan_key)


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
    def _view(self) -> ReleaseView:
        return ReleaseView(self._release)

    @strawberry.field(description="Effective values: process defaults < input set < overrides.")
    def inputs(self) -> JSON:
        return self._release.inputs

    @strawberry.field(description="The values this release sets over its input set.")
    def overrides(self) -> JSON:
        return self._release.overrides

    @strawberry.field(description="The global variables (inputs and process variables).")
    def variables(self) -> list[ResolvedVariableType]:
        return _variables(self._view.resolution.globals)

    @strawberry.field
    def phases(self) -> list[PhaseType]:
        return phases_of(self._view)

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

    @strawberry.field(description="The release group that generated it.")
    async def group(
        self, info: Info
    ) -> Annotated[ReleaseGroupType, strawberry.lazy("schema.release_groups.types")] | None:
        from schema.release_groups.loaders import group_by_id
        from schema.release_groups.types import ReleaseGroupType

        if self._release.group_id is None:
            return None
        found = await group_by_id(info).load(self._release.group_id)
        return None if found is None else ReleaseGroupType.from_domain(found)

    @strawberry.field(description="The group occurrence it was generated for.")
    def occurrence(self) -> datetime | None:
        return self._release.occurrence

    @strawberry.field(description="False: it waits SCHEDULED until a person starts it.")
    def auto_start(self) -> bool:
        return self._release.auto_start

    @strawberry.field(description="The audit trail, oldest first; last/before page back.")
    async def events(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ReleaseEventType_]:
        from schema.releases.events import events_page

        return await events_page(
            info, self._release, first=first, after=after, last=last, before=before
        )

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
