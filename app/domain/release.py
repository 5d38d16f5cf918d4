"""Releases: instances of a process with their own inputs, owners, schedule and state.

A release copies the process structure (`plan`) when it is created, so later edits of the
process never change it. Runtime state lives beside the plan, keyed by phase and activity
key. Every change produces the next revision and its events (`Release.recorded`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from functools import cached_property

from app.domain.events import EventDraft, ReleaseEvent
from app.domain.inputs import effective_inputs
from app.domain.process import ActivityTemplate, Frozen, JsonValue, PhaseTemplate, ProcessSpec


def plan_fingerprint(plan: ProcessSpec) -> str:
    return hashlib.sha256(plan.model_dump_json().encode()).hexdigest()


class ReleaseStatus(StrEnum):
    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    RUNNING = "RUNNING"
    ON_HOLD = "ON_HOLD"
    COMPLETED = "COMPLETED"


class ReleaseOutcome(StrEnum):
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    PARTIAL_SUCCESS = "PARTIAL_SUCCESS"
    ABORTED = "ABORTED"


class PhaseStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    WAITING = "WAITING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    ABORTED = "ABORTED"


class ActivityStatus(StrEnum):
    PENDING = "PENDING"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    WAITING = "WAITING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    IGNORED = "IGNORED"
    SKIPPED = "SKIPPED"
    ABORTED = "ABORTED"


class Cadence(StrEnum):
    ON_DEMAND = "ON_DEMAND"
    SCHEDULED = "SCHEDULED"
    RECURRING = "RECURRING"


TERMINAL_PHASE = frozenset(
    {PhaseStatus.SUCCEEDED, PhaseStatus.FAILED, PhaseStatus.SKIPPED, PhaseStatus.ABORTED}
)
TERMINAL_ACTIVITY = frozenset(
    {
        ActivityStatus.SUCCEEDED,
        ActivityStatus.FAILED,
        ActivityStatus.IGNORED,
        ActivityStatus.SKIPPED,
        ActivityStatus.ABORTED,
    }
)


class Link(Frozen):
    kind: str  # JIRA, PR, COMMIT, RUNBOOK, DASHBOARD, ...
    url: str
    title: str | None = None


class ReleaseContext(Frozen):
    purpose: str | None = None
    scope: str | None = None
    risks: str | None = None
    rollback_plan: str | None = None
    stakeholders: tuple[str, ...] = ()


class Approval(Frozen):
    user: str
    decision: str  # APPROVED | REJECTED
    comment: str | None = None
    at: datetime


class Attempt(Frozen):
    number: int
    started_at: datetime
    finished_at: datetime | None = None
    error: str | None = None
    inputs: dict[str, JsonValue] | None = None  # what it ran with (secrets redacted)


class ActivityState(Frozen):
    status: ActivityStatus = ActivityStatus.PENDING
    attempts: tuple[Attempt, ...] = ()
    error: str | None = None
    output: dict[str, JsonValue] | None = None
    approvals: tuple[Approval, ...] = ()
    started_at: datetime | None = None
    completed_at: datetime | None = None
    # Engine bookkeeping: when to look again, and what a person changed for a retry.
    next_attempt: int = 1
    retry_at: datetime | None = None  # a QUEUED retry waits until then (backoff)
    deadline_at: datetime | None = None  # RUNNING: execution timeout; WAITING: human deadline
    wait_until: datetime | None = None  # WAIT activities
    escalated: bool = False
    input_overrides: dict[str, JsonValue] | None = None  # "fix and continue"


class PhaseState(Frozen):
    status: PhaseStatus = PhaseStatus.PENDING
    started_at: datetime | None = None
    completed_at: datetime | None = None


class ReleaseDetails(Frozen):
    """What people write about a release: everything but its plan, inputs and state."""

    name: str
    description: str | None = None
    tags: tuple[str, ...] = ()
    version: str | None = None
    services: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    context: ReleaseContext | None = None
    owners: dict[str, str] = {}  # phase key -> owner (team or user)
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None


class Release(ReleaseDetails):
    id: str
    status: ReleaseStatus = ReleaseStatus.DRAFT
    outcome: ReleaseOutcome | None = None
    cadence: Cadence = Cadence.ON_DEMAND
    process_id: str
    process_version: int
    plan: ProcessSpec
    group_id: str | None = None
    occurrence: datetime | None = None
    # Release groups: False keeps a generated release SCHEDULED until a person starts it.
    auto_start: bool = True
    group_version: int | None = None  # the group version that last generated it
    # The revision the group last wrote; a later revision means a person changed it.
    generated_revision: int | None = None
    # A SUBPROCESS activity runs another process as a child release of this one.
    parent_release_id: str | None = None
    parent_activity_key: str | None = None
    parent_attempt: int | None = None
    depth: int = 0
    input_set_id: str | None = None
    input_set_version: int | None = None
    input_set_values: dict[str, JsonValue] = {}
    overrides: dict[str, JsonValue] = {}
    paused: bool = False
    started_at: datetime | None = None
    started_by: str | None = None  # for the four-eyes rule on approvals
    completed_at: datetime | None = None
    archived_at: datetime | None = None
    phase_states: dict[str, PhaseState] = {}
    activity_states: dict[str, ActivityState] = {}
    revision: int = 0
    event_seq: int = 0
    outbox: tuple[ReleaseEvent, ...] = ()  # events written with this revision, not yet flushed
    created_by: str
    created_at: datetime
    updated_at: datetime

    @property
    def inputs(self) -> dict[str, JsonValue]:
        """Effective values: process default < input set < release override."""
        return effective_inputs(self.plan.inputs, [self.input_set_values, self.overrides])

    @cached_property
    def plan_key(self) -> str:
        """A fingerprint of the plan, so work that depends only on it can be reused."""
        return plan_fingerprint(self.plan)

    @property
    def is_terminal(self) -> bool:
        return self.status is ReleaseStatus.COMPLETED

    def owner_of(self, phase: PhaseTemplate) -> str | None:
        return self.owners.get(phase.key, phase.owner)

    def phase_state(self, key: str) -> PhaseState:
        return self.phase_states.get(key) or PhaseState()

    def activity_state(self, key: str) -> ActivityState:
        return self.activity_states.get(key) or ActivityState()

    def activities(self) -> Iterable[tuple[PhaseTemplate, ActivityTemplate]]:
        for phase in self.plan.phases:
            for activity in phase.activities:
                yield phase, activity

    def recorded(
        self, changes: Mapping[str, object], drafts: Iterable[EventDraft], now: datetime
    ) -> Release:
        """The next revision: `changes` applied and `drafts` appended to the outbox.

        The store writes it with a compare-and-set on the previous revision, so the change
        and its events land together or not at all.
        """
        events = tuple(
            ReleaseEvent(**dict(draft), release_id=self.id, seq=self.event_seq + i, at=now)
            for i, draft in enumerate(drafts, start=1)
        )
        return self.model_copy(
            update={
                **changes,
                "revision": self.revision + 1,
                "event_seq": self.event_seq + len(events),
                "outbox": (*self.outbox, *events),
                "updated_at": now,
            }
        )
