"""A release's `Phase`s and their `Activity`s: the plan with its state, attempts and approvals."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.domain import release as domain
from app.domain.process import ActivityTemplate, PhaseTemplate
from app.domain.waiting import waiting_on
from schema.enums import ActivityKind
from schema.releases.enums import ActivityStatus, PhaseStatus
from schema.releases.release_view import ReleaseView
from schema.releases.resolved_variables import ResolvedVariableType, resolved_variables
from schema.scalars import JSON


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
        return resolved_variables(self._view.resolution.activity(self._phase.key, self.key))

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
        return resolved_variables(self._view.resolution.phase(self.key))

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
