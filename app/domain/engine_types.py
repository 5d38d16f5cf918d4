"""What the engine decides, as plain data, and the constants its decisions rest on.

The reconciler is pure, so everything it wants done outside (jobs to enqueue, a time to
look again, people to tell) comes back as these values for the caller to carry out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.process import ActivityKind
from app.domain.release import ActivityStatus, PhaseStatus, Release

ENGINE = "engine"  # the actor named on the events the engine writes
# An activity or phase that ended in one of these lets its dependants start.
DONE_ACTIVITY = frozenset(
    {ActivityStatus.SUCCEEDED, ActivityStatus.SKIPPED, ActivityStatus.IGNORED}
)
DONE_PHASE = frozenset({PhaseStatus.SUCCEEDED, PhaseStatus.SKIPPED})
# Kinds that wait on people rather than on a machine: they may wait for days.
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
    """The release as decided, and what the caller should do once it is saved."""

    release: Release
    runs: tuple[ActivityRun, ...] = ()
    wake_at: datetime | None = None
    notifications: tuple[Notification, ...] = ()
