"""The reconciler: `advance(release, now)` looks at a release and decides what happens next.

It is pure. It starts phases and activities whose dependencies are done (so independent
ones run in parallel), settles what can be settled on the spot (a CHECKPOINT succeeds, a
false condition skips, a WAIT ends, a deadline passes), asks for activity jobs to run and
for the next time to look again, and sets phase and release statuses. Whoever applies the
result writes it with a compare-and-set on `revision`, so deciding twice is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.domain.conditions import ConditionError, parse_condition
from app.domain.durations import parse_backoff, parse_duration
from app.domain.events import EventDraft, ReleaseEventType
from app.domain.graphs import dependencies_first
from app.domain.process import ActivityKind, ActivityTemplate, PhaseTemplate
from app.domain.references import ExpressionError
from app.domain.release import (
    TERMINAL_ACTIVITY,
    TERMINAL_PHASE,
    ActivityState,
    ActivityStatus,
    Attempt,
    PhaseState,
    PhaseStatus,
    Release,
    ReleaseOutcome,
    ReleaseStatus,
)
from app.domain.variables import Resolution, UnresolvedReference, resolve

ENGINE = "engine"
DONE_ACTIVITY = frozenset(
    {ActivityStatus.SUCCEEDED, ActivityStatus.SKIPPED, ActivityStatus.IGNORED}
)
DONE_PHASE = frozenset({PhaseStatus.SUCCEEDED, PhaseStatus.SKIPPED})
HUMAN_KINDS = frozenset({ActivityKind.MANUAL, ActivityKind.APPROVAL})
# Machine work without a timeout still gets one: a worker that died mid-call must not leave
# an activity RUNNING for ever.
DEFAULT_TIMEOUT = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ActivityRun:
    """An activity job to enqueue: `activity:{release}:{key}:{attempt}`."""

    activity_key: str
    attempt: int
    defer_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Notification:
    kind: str  # ACTION_REQUIRED | ACTIVITY_FAILED | ESCALATION | RELEASE_ENDED
    recipients: tuple[str, ...]  # teams or users
    text: str
    phase_key: str | None = None
    activity_key: str | None = None


@dataclass(frozen=True, slots=True)
class Advance:
    release: Release
    runs: tuple[ActivityRun, ...] = ()
    wake_at: datetime | None = None
    notifications: tuple[Notification, ...] = ()


def timeout_of(activity: ActivityTemplate) -> timedelta:
    if activity.timeout:
        try:
            return parse_duration(activity.timeout)
        except ValueError:
            pass  # validated at write time; an unreadable one falls back
    return DEFAULT_TIMEOUT


def outputs_of(release: Release) -> dict[tuple[str, str], dict[str, object]]:
    return {
        (phase.key, activity.key): state.output
        for phase, activity in release.activities()
        if (state := release.activity_state(activity.key)).output is not None
    }


def recipients_of(
    phase: PhaseTemplate, activity: ActivityTemplate, release: Release
) -> tuple[str, ...]:
    """Who is told about an activity: its approvers, else its owner, else the phase owner."""
    if activity.kind is ActivityKind.APPROVAL and activity.approvers:
        return tuple(activity.approvers)
    owner = activity.owner or release.owner_of(phase)
    return (owner,) if owner else ()


@dataclass
class _Step:
    release: Release
    now: datetime
    activities: dict[str, ActivityState] = field(default_factory=dict)
    phases: dict[str, PhaseState] = field(default_factory=dict)
    drafts: list[EventDraft] = field(default_factory=list)
    runs: list[ActivityRun] = field(default_factory=list)
    wakes: list[datetime] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    _resolution: Resolution | None = None

    def __post_init__(self) -> None:
        for phase in self.release.plan.phases:
            self.phases[phase.key] = self.release.phase_state(phase.key)
            for activity in phase.activities:
                self.activities[activity.key] = self.release.activity_state(activity.key)

    @property
    def resolution(self) -> Resolution:
        if self._resolution is None:
            self._resolution = resolve(
                self.release.plan,
                self.release.inputs,
                outputs_of(self.release),
                plan_key=self.release.plan_key,
            )
        return self._resolution

    # --- state changes, each with its event -------------------------------------------------

    def set_activity(
        self,
        phase: PhaseTemplate,
        activity: ActivityTemplate,
        status: ActivityStatus,
        message: str | None = None,
        **changes: object,
    ) -> ActivityState:
        before = self.activities[activity.key]
        if status in TERMINAL_ACTIVITY:
            changes.setdefault("completed_at", self.now)
        if status in (ActivityStatus.RUNNING, ActivityStatus.WAITING) and before.started_at is None:
            changes.setdefault("started_at", self.now)
        after = before.model_copy(update={"status": status, **changes})
        self.activities[activity.key] = after
        if before.status is not status:
            self.drafts.append(
                EventDraft(
                    type=ReleaseEventType.ACTIVITY_STATUS_CHANGED,
                    actor=ENGINE,
                    phase_key=phase.key,
                    activity_key=activity.key,
                    from_=before.status.value,
                    to=status.value,
                    message=message,
                )
            )
        return after

    def set_phase(self, phase: PhaseTemplate, status: PhaseStatus) -> None:
        before = self.phases[phase.key]
        if before.status is status:
            return
        changes: dict[str, object] = {"status": status}
        if status is PhaseStatus.RUNNING and before.started_at is None:
            changes["started_at"] = self.now
        if status in TERMINAL_PHASE:
            changes["completed_at"] = self.now
        self.phases[phase.key] = before.model_copy(update=changes)
        self.drafts.append(
            EventDraft(
                type=ReleaseEventType.PHASE_STATUS_CHANGED,
                actor=ENGINE,
                phase_key=phase.key,
                from_=before.status.value,
                to=status.value,
            )
        )

    def fail_attempt(self, phase: PhaseTemplate, activity: ActivityTemplate, error: str) -> None:
        """An attempt failed: retry after the backoff while attempts remain, else FAILED."""
        state = self.activities[activity.key]
        policy = activity.retry
        used = len(state.attempts)
        if policy is not None and used < policy.max_attempts:
            delay = parse_backoff(policy.backoff).delay_for(used)
            retry_at = self.now + delay
            self.set_activity(
                phase,
                activity,
                ActivityStatus.QUEUED,
                message=f"attempt {used} failed: {error}; retrying",
                error=error,
                retry_at=retry_at,
                deadline_at=None,
                next_attempt=used + 1,
            )
            self.runs.append(ActivityRun(activity.key, used + 1, retry_at))
            self.wakes.append(retry_at)
            return
        self.set_activity(
            phase, activity, ActivityStatus.FAILED, message=error, error=error, deadline_at=None
        )
        self.notifications.append(
            Notification(
                "ACTIVITY_FAILED",
                recipients_of(phase, activity, self.release),
                f"{self.release.name}: {activity.name} failed: {error}. Retry, ignore or abort.",
                phase.key,
                activity.key,
            )
        )

    # --- the walk ---------------------------------------------------------------------------

    def walk(self) -> None:
        phases = {p.key: p for p in self.release.plan.phases}
        order = dependencies_first({p.key: p.depends_on for p in self.release.plan.phases})
        for key in order:
            self.step_phase(phases[key])

    def step_phase(self, phase: PhaseTemplate) -> None:
        state = self.phases[phase.key]
        # A FAILED phase is looked at again: a retried or ignored activity revives it.
        if state.status in TERMINAL_PHASE and state.status is not PhaseStatus.FAILED:
            return
        if state.status is PhaseStatus.PENDING:
            if not all(self.phases[d].status in DONE_PHASE for d in phase.depends_on):
                return
            self.set_phase(phase, PhaseStatus.RUNNING)
        activities = {a.key: a for a in phase.activities}
        for key in dependencies_first({a.key: a.depends_on for a in phase.activities}):
            self.step_activity(phase, activities[key])
        self.set_phase(phase, self.phase_status(phase))

    def phase_status(self, phase: PhaseTemplate) -> PhaseStatus:
        statuses = [self.activities[a.key].status for a in phase.activities]
        if all(s in TERMINAL_ACTIVITY for s in statuses):
            if ActivityStatus.FAILED in statuses:
                return PhaseStatus.FAILED
            if ActivityStatus.ABORTED in statuses:
                return PhaseStatus.ABORTED
            if statuses and all(s is ActivityStatus.SKIPPED for s in statuses):
                return PhaseStatus.SKIPPED
            return PhaseStatus.SUCCEEDED
        busy = {ActivityStatus.QUEUED, ActivityStatus.RUNNING}
        waiting_on_people = any(
            self.activities[a.key].status is ActivityStatus.WAITING and a.kind in HUMAN_KINDS
            for a in phase.activities
        )
        if waiting_on_people and not any(s in busy for s in statuses):
            return PhaseStatus.WAITING
        return PhaseStatus.RUNNING

    def step_activity(self, phase: PhaseTemplate, activity: ActivityTemplate) -> None:
        state = self.activities[activity.key]
        if state.status is ActivityStatus.PENDING:
            if all(self.activities[d].status in DONE_ACTIVITY for d in activity.depends_on):
                self.begin(phase, activity)
        elif state.status is ActivityStatus.QUEUED:
            # Re-asking for the job is harmless (its id is deterministic) and recovers a
            # job that Redis lost.
            self.runs.append(ActivityRun(activity.key, state.next_attempt, state.retry_at))
            if state.retry_at is not None:
                self.wakes.append(state.retry_at)
        elif state.status is ActivityStatus.RUNNING:
            if state.deadline_at is not None and self.now >= state.deadline_at:
                error = f"timed out after {activity.timeout or DEFAULT_TIMEOUT}"
                if state.attempts:  # the attempt's own record ends here, not just the activity
                    closed = state.attempts[-1].model_copy(
                        update={"finished_at": self.now, "error": error}
                    )
                    self.activities[activity.key] = state.model_copy(
                        update={"attempts": (*state.attempts[:-1], closed)}
                    )
                self.fail_attempt(phase, activity, error)
            elif state.deadline_at is not None:
                self.wakes.append(state.deadline_at)
        elif state.status is ActivityStatus.WAITING:
            self.check_waiting(phase, activity, state)

    def begin(self, phase: PhaseTemplate, activity: ActivityTemplate) -> None:
        """Dependencies are done: skip on a false condition, else start by kind."""
        if activity.condition:
            try:
                go = parse_condition(activity.condition).evaluate(
                    self.resolution.lookup_for(phase.key, activity.key)
                )
            except (ConditionError, ExpressionError, UnresolvedReference) as error:
                self.set_activity(
                    phase,
                    activity,
                    ActivityStatus.FAILED,
                    message=f"condition: {error}",
                    error=f"condition: {error}",
                )
                return
            if not go:
                self.set_activity(
                    phase,
                    activity,
                    ActivityStatus.SKIPPED,
                    message=f"condition is false: {activity.condition}",
                )
                return
        kind = activity.kind
        if kind is ActivityKind.CHECKPOINT:
            self.set_activity(phase, activity, ActivityStatus.SUCCEEDED, started_at=self.now)
        elif kind is ActivityKind.WAIT:
            self.begin_wait(phase, activity)
        elif kind in HUMAN_KINDS:
            deadline = self.human_deadline(activity)
            self.set_activity(
                phase,
                activity,
                ActivityStatus.WAITING,
                deadline_at=deadline,
                message="waiting for people",
            )
            if deadline is not None:
                self.wakes.append(deadline)
            verb = "approve" if kind is ActivityKind.APPROVAL else "complete"
            self.notifications.append(
                Notification(
                    "ACTION_REQUIRED",
                    recipients_of(phase, activity, self.release),
                    f"{self.release.name}: {activity.name} is waiting for you to {verb} it.",
                    phase.key,
                    activity.key,
                )
            )
        else:
            state = self.activities[activity.key]
            self.set_activity(
                phase, activity, ActivityStatus.QUEUED, next_attempt=len(state.attempts) + 1
            )
            self.runs.append(ActivityRun(activity.key, len(state.attempts) + 1))

    def begin_wait(self, phase: PhaseTemplate, activity: ActivityTemplate) -> None:
        config = activity.config or {}
        until: datetime | None = None
        try:
            if "until" in config:
                until = datetime.fromisoformat(str(config["until"]))
            else:
                until = self.now + parse_duration(str(config.get("duration", "0s")))
        except ValueError as error:
            self.set_activity(phase, activity, ActivityStatus.FAILED, error=str(error))
            return
        if until.tzinfo is None:
            until = until.replace(tzinfo=self.now.tzinfo)
        if until <= self.now:
            self.set_activity(phase, activity, ActivityStatus.SUCCEEDED, started_at=self.now)
            return
        self.set_activity(
            phase,
            activity,
            ActivityStatus.WAITING,
            wait_until=until,
            message=f"waiting until {until.isoformat()}",
        )
        self.wakes.append(until)

    def human_deadline(self, activity: ActivityTemplate) -> datetime | None:
        deadline = (activity.config or {}).get("deadline")
        if not isinstance(deadline, str):
            return None
        try:
            return self.now + parse_duration(deadline)
        except ValueError:
            return None

    def check_waiting(
        self, phase: PhaseTemplate, activity: ActivityTemplate, state: ActivityState
    ) -> None:
        if activity.kind is ActivityKind.WAIT:
            if state.wait_until is not None and self.now >= state.wait_until:
                self.set_activity(phase, activity, ActivityStatus.SUCCEEDED)
            elif state.wait_until is not None:
                self.wakes.append(state.wait_until)
            return
        if state.deadline_at is None:
            return
        if self.now < state.deadline_at:
            self.wakes.append(state.deadline_at)
            return
        on_deadline = str((activity.config or {}).get("onDeadline", "ESCALATE")).upper()
        if on_deadline == "REJECT" and activity.kind is ActivityKind.APPROVAL:
            self.set_activity(
                phase,
                activity,
                ActivityStatus.FAILED,
                message="nobody decided before the deadline",
                error="rejected: the approval deadline passed",
            )
            self.notifications.append(
                Notification(
                    "ACTIVITY_FAILED",
                    recipients_of(phase, activity, self.release),
                    f"{self.release.name}: {activity.name} was rejected at its deadline.",
                    phase.key,
                    activity.key,
                )
            )
        elif not state.escalated:
            self.activities[activity.key] = state.model_copy(update={"escalated": True})
            self.notifications.append(
                Notification(
                    "ESCALATION",
                    recipients_of(phase, activity, self.release),
                    f"{self.release.name}: {activity.name} is past its deadline and still waits.",
                    phase.key,
                    activity.key,
                )
            )

    # --- the release as a whole --------------------------------------------------------------

    def settle(self) -> tuple[ReleaseStatus, ReleaseOutcome | None]:
        release = self.release
        statuses = {key: s.status for key, s in self.activities.items()}
        kinds = {a.key: a.kind for _, a in release.activities()}
        machine_busy = any(
            s in (ActivityStatus.QUEUED, ActivityStatus.RUNNING)
            or (s is ActivityStatus.WAITING and kinds[k] not in HUMAN_KINDS)
            for k, s in statuses.items()
        )
        if all(p.status in TERMINAL_PHASE for p in self.phases.values()) and not any(
            s is ActivityStatus.FAILED for s in statuses.values()
        ):
            partial = any(s is ActivityStatus.IGNORED for s in statuses.values())
            return ReleaseStatus.COMPLETED, (
                ReleaseOutcome.PARTIAL_SUCCESS if partial else ReleaseOutcome.SUCCESS
            )
        if machine_busy or release.paused:
            return (ReleaseStatus.ON_HOLD if release.paused else ReleaseStatus.RUNNING), None
        return ReleaseStatus.ON_HOLD, None


def on_hold_reason(release: Release) -> str:
    waiting = [
        f"{a.name} ({release.activity_state(a.key).status.value.lower()})"
        for _, a in release.activities()
        if release.activity_state(a.key).status in (ActivityStatus.WAITING, ActivityStatus.FAILED)
    ]
    return "waiting for " + ", ".join(waiting) if waiting else "waiting"


def advance(release: Release, now: datetime) -> Advance:
    """What should happen next; an unchanged release (same revision) when nothing does."""
    if release.status not in (ReleaseStatus.RUNNING, ReleaseStatus.ON_HOLD) or release.paused:
        return Advance(release)
    step = _Step(release, now)
    step.walk()
    status, outcome = step.settle()
    changes: dict[str, object] = {"activity_states": step.activities, "phase_states": step.phases}
    drafts = list(step.drafts)
    notifications = list(step.notifications)
    if status is not release.status:
        changes["status"] = status
        if status is ReleaseStatus.COMPLETED:
            changes.update(outcome=outcome, completed_at=now)
            drafts.append(
                EventDraft(
                    type=ReleaseEventType.RELEASE_COMPLETED,
                    actor=ENGINE,
                    from_=release.status.value,
                    to=status.value,
                    message=f"finished: {outcome.value if outcome else ''}",
                    data={"outcome": outcome.value if outcome else None},
                )
            )
            notifications.append(
                Notification(
                    "RELEASE_ENDED",
                    _owners(release),
                    f"{release.name} finished: {outcome.value if outcome else 'done'}.",
                )
            )
        elif status is ReleaseStatus.ON_HOLD:
            would_be = release.model_copy(update={"activity_states": step.activities})
            drafts.append(
                EventDraft(
                    type=ReleaseEventType.RELEASE_ON_HOLD,
                    actor=ENGINE,
                    from_=release.status.value,
                    to=status.value,
                    message=on_hold_reason(would_be),
                )
            )
        else:
            drafts.append(
                EventDraft(
                    type=ReleaseEventType.RELEASE_RESUMED,
                    actor=ENGINE,
                    from_=release.status.value,
                    to=status.value,
                    message="work can go on",
                )
            )
    changed = (
        bool(drafts)
        or step.activities != release.activity_states
        or step.phases != release.phase_states
    )
    next_release = release.recorded(changes, drafts, now) if changed else release
    return Advance(
        next_release,
        runs=tuple(step.runs),
        wake_at=min(step.wakes) if step.wakes else None,
        notifications=tuple(notifications),
    )


def _owners(release: Release) -> tuple[str, ...]:
    owners: Iterable[str | None] = (release.owner_of(p) for p in release.plan.phases)
    return tuple(dict.fromkeys(o for o in owners if o))


def _find(release: Release, activity_key: str) -> tuple[PhaseTemplate, ActivityTemplate]:
    for phase, activity in release.activities():
        if activity.key == activity_key:
            return phase, activity
    raise KeyError(activity_key)


def begin_attempt(
    release: Release,
    activity_key: str,
    attempt: int,
    now: datetime,
    inputs: dict[str, object] | None = None,
) -> Release | None:
    """QUEUED -> RUNNING for `attempt`; None when that attempt is not the one due (a late or
    duplicate job), so it never runs twice."""
    if release.status not in (ReleaseStatus.RUNNING, ReleaseStatus.ON_HOLD) or release.paused:
        return None
    phase, activity = _find(release, activity_key)
    state = release.activity_state(activity_key)
    if state.status is not ActivityStatus.QUEUED or state.next_attempt != attempt:
        return None
    if state.retry_at is not None and state.retry_at > now:
        return None
    step = _Step(release, now)
    record = Attempt(number=attempt, started_at=now, inputs=inputs)
    step.set_activity(
        phase,
        activity,
        ActivityStatus.RUNNING,
        message=f"attempt {attempt}",
        attempts=(*state.attempts, record),
        retry_at=None,
        # A subprocess may wait on people for days: only a timeout someone set applies.
        deadline_at=None
        if activity.kind is ActivityKind.SUBPROCESS and not activity.timeout
        else now + timeout_of(activity),
    )
    return release.recorded({"activity_states": step.activities}, step.drafts, now)


def finish_attempt(
    release: Release,
    activity_key: str,
    attempt: int,
    now: datetime,
    *,
    ok: bool,
    output: dict[str, object] | None = None,
    error: str | None = None,
) -> Advance | None:
    """Record how `attempt` ended; None when the activity has moved on (timed out, aborted)."""
    phase, activity = _find(release, activity_key)
    state = release.activity_state(activity_key)
    if state.status is not ActivityStatus.RUNNING or len(state.attempts) != attempt:
        return None
    finished = state.attempts[-1].model_copy(update={"finished_at": now, "error": error})
    step = _Step(release, now)
    step.activities[activity_key] = state.model_copy(
        update={"attempts": (*state.attempts[:-1], finished)}
    )
    if ok:
        step.set_activity(
            phase, activity, ActivityStatus.SUCCEEDED, output=output, error=None, deadline_at=None
        )
    else:
        step.fail_attempt(phase, activity, error or "failed")
    recorded = release.recorded({"activity_states": step.activities}, step.drafts, now)
    return Advance(recorded, runs=tuple(step.runs), notifications=tuple(step.notifications))
