"""One pass of the engine over a release: the changes it makes and what it asks for.

A `Step` starts from the release's phase and activity states and gathers, as the engine
decides, the new states with an event for each status change, the activity jobs to run,
the times to look again and the notifications to send. Nothing is written here: the
caller turns the step into the next revision of the release, all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.domain.durations import parse_backoff
from app.domain.engine_types import ENGINE, ActivityRun, Notification
from app.domain.events import EventDraft, ReleaseEventType, activity_moved
from app.domain.process import ActivityKind, ActivityTemplate, PhaseTemplate
from app.domain.release import (
    TERMINAL_ACTIVITY,
    TERMINAL_PHASE,
    ActivityState,
    ActivityStatus,
    PhaseState,
    PhaseStatus,
    Release,
)
from app.domain.variables import Resolution, resolve


def outputs_of(release: Release) -> dict[tuple[str, str], dict[str, object]]:
    """The outputs finished activities recorded, by (phase key, activity key)."""
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
class Step:
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
        # Resolved on first use: only conditions need it, and most passes evaluate none.
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
                activity_moved(
                    ENGINE, phase.key, activity.key, before.status.value, status.value, message
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

    def close_attempt(self, activity_key: str, error: str | None) -> None:
        """Mark the activity's latest attempt finished now, with `error` if it failed."""
        state = self.activities[activity_key]
        closed = state.attempts[-1].model_copy(update={"finished_at": self.now, "error": error})
        self.activities[activity_key] = state.model_copy(
            update={"attempts": (*state.attempts[:-1], closed)}
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
        self.notify(
            "ACTIVITY_FAILED",
            phase,
            activity,
            f"{self.release.name}: {activity.name} failed: {error}. Retry, ignore or abort.",
        )

    def notify(
        self, kind: str, phase: PhaseTemplate, activity: ActivityTemplate, text: str
    ) -> None:
        """Tell the people responsible for `activity` (see `recipients_of`)."""
        self.notifications.append(
            Notification(
                kind, recipients_of(phase, activity, self.release), text, phase.key, activity.key
            )
        )
