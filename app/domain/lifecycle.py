"""The release state machine: every action is a pure function returning the next revision.

An action takes the release, its arguments, who acts and when, and returns
`release.recorded(...)`: the next revision with the action's events in its outbox. An action
the release's status does not allow raises InvalidTransition naming the status and the
action; bad arguments raise InvalidInput with every problem found.

Editing a release lives in `release_edits`, and what must hold before it is scheduled or
started in `readiness`; this module holds the moves between statuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from app.domain.durations import format_duration
from app.domain.errors import FieldProblem, InvalidTransition
from app.domain.events import EventDraft, ReleaseEventType, activity_moved
from app.domain.process import JsonValue
from app.domain.readiness import require_ready, window_problems
from app.domain.release import (
    TERMINAL_ACTIVITY,
    TERMINAL_PHASE,
    ActivityState,
    ActivityStatus,
    Cadence,
    PhaseState,
    PhaseStatus,
    Release,
    ReleaseOutcome,
    ReleaseStatus,
)

SYSTEM_ACTOR = "system"

DRAFT = ReleaseStatus.DRAFT
SCHEDULED = ReleaseStatus.SCHEDULED
RUNNING = ReleaseStatus.RUNNING
ON_HOLD = ReleaseStatus.ON_HOLD
COMPLETED = ReleaseStatus.COMPLETED


def _moved(
    release: Release,
    type_: ReleaseEventType,
    to: ReleaseStatus,
    actor: str,
    *,
    message: str | None = None,
    data: dict[str, JsonValue] | None = None,
) -> EventDraft:
    """The event of a release status change, from its current status to `to`."""
    return EventDraft(
        type=type_,
        actor=actor,
        from_=release.status.value,
        to=to.value,
        message=message,
        data=data,
    )


def _clean(reason: str | None) -> str | None:
    if reason is None:
        return None
    return reason.strip() or None


def ensure_deletable(release: Release) -> None:
    """Refuse to delete anything but a draft."""
    if release.status is not DRAFT:
        raise InvalidTransition(release.status.value, "delete", "only a draft can be deleted")


# --- before the run ------------------------------------------------------------------------


def schedule_release(
    release: Release,
    *,
    start: datetime | None,
    end: datetime | None,
    actor: str,
    now: datetime,
    blocking_problems: Sequence[FieldProblem] = (),
) -> Release:
    """Finalise a draft for its window: DRAFT -> SCHEDULED, which locks inputs and process.

    The start may lie up to CLOCK_SKEW in the past (it is then due at once). Inputs must be
    complete and valid and every variable must resolve; `blocking_problems` (failed ERROR
    checks of the review) refuse too. Every problem is reported at once.
    """
    if release.status is not DRAFT:
        raise InvalidTransition(release.status.value, "schedule", "only a draft can be scheduled")
    window = window_problems(start, end, now, start_required=True, check_start=True)
    require_ready(release, [*window, *blocking_problems])
    cadence = release.cadence if release.cadence is Cadence.RECURRING else Cadence.SCHEDULED
    event = _moved(
        release,
        ReleaseEventType.RELEASE_SCHEDULED,
        SCHEDULED,
        actor,
        data={
            "scheduledStart": start.isoformat() if start else None,
            "scheduledEnd": end.isoformat() if end else None,
        },
    )
    changes = {
        "status": SCHEDULED,
        "cadence": cadence,
        "scheduled_start": start,
        "scheduled_end": end,
    }
    return release.recorded(changes, [event], now)


def start_release(release: Release, *, actor: str, now: datetime) -> Release:
    """Start a release: on demand from DRAFT, or from SCHEDULED when due or pre-executed."""
    if release.status not in (DRAFT, SCHEDULED):
        raise InvalidTransition(
            release.status.value, "start", "only a draft or a scheduled release can start"
        )
    require_ready(release)
    pre_executed = (
        release.status is SCHEDULED
        and release.scheduled_start is not None
        and now < release.scheduled_start
    )
    changes = {
        "status": RUNNING,
        "started_at": now,
        "started_by": actor,
        "paused": False,
        "phase_states": {phase.key: PhaseState() for phase in release.plan.phases},
        "activity_states": {activity.key: ActivityState() for _, activity in release.activities()},
    }
    event = _moved(
        release,
        ReleaseEventType.RELEASE_STARTED,
        RUNNING,
        actor,
        data={"preExecuted": pre_executed},
    )
    return release.recorded(changes, [event], now)


def cancel_release(
    release: Release, *, actor: str, now: datetime, reason: str | None = None
) -> Release:
    """Call off a scheduled release before it starts: SCHEDULED -> COMPLETED/ABORTED."""
    if release.status is not SCHEDULED:
        raise InvalidTransition(
            release.status.value, "cancel", "only a scheduled release can be cancelled"
        )
    event = _moved(
        release,
        ReleaseEventType.RELEASE_CANCELLED,
        COMPLETED,
        actor,
        message=_clean(reason),
        data={"outcome": ReleaseOutcome.ABORTED.value},
    )
    changes = {"status": COMPLETED, "outcome": ReleaseOutcome.ABORTED, "completed_at": now}
    return release.recorded(changes, [event], now)


# --- during the run ------------------------------------------------------------------------


def pause_release(
    release: Release, *, actor: str, now: datetime, reason: str | None = None
) -> Release:
    """Stop new work from starting: RUNNING -> ON_HOLD, paused.

    A release ON_HOLD only because it waits for manual work can be paused too: it stays
    ON_HOLD but becomes paused, so finishing that work does not let new work start.
    """
    if release.status is ON_HOLD and release.paused:
        raise InvalidTransition(release.status.value, "pause", "it is paused already")
    if release.status not in (RUNNING, ON_HOLD):
        raise InvalidTransition(
            release.status.value, "pause", "only a running release can be paused"
        )
    event = _moved(release, ReleaseEventType.RELEASE_PAUSED, ON_HOLD, actor, message=_clean(reason))
    return release.recorded({"status": ON_HOLD, "paused": True}, [event], now)


def resume_release(release: Release, *, actor: str, now: datetime) -> Release:
    """Let a paused release go on: ON_HOLD (paused) -> RUNNING.

    The execution engine puts it back ON_HOLD if only manual work remains.
    """
    if release.status is ON_HOLD and not release.paused:
        raise InvalidTransition(
            release.status.value,
            "resume",
            "it is not paused but waiting for manual work: complete or approve that work",
        )
    if release.status is not ON_HOLD:
        raise InvalidTransition(
            release.status.value, "resume", "only a paused release can be resumed"
        )
    event = _moved(release, ReleaseEventType.RELEASE_RESUMED, RUNNING, actor)
    return release.recorded({"status": RUNNING, "paused": False}, [event], now)


def abort_release(release: Release, *, actor: str, now: datetime, reason: str | None) -> Release:
    """Stop a release for good: every unfinished activity and phase, then the release, ABORTED."""
    if release.status not in (RUNNING, ON_HOLD):
        raise InvalidTransition(
            release.status.value, "abort", "only a running or on-hold release can be aborted"
        )
    why = _clean(reason)
    drafts: list[EventDraft] = []
    phase_states = dict(release.phase_states)
    activity_states = dict(release.activity_states)
    for phase in release.plan.phases:
        for activity in phase.activities:
            state = release.activity_state(activity.key)
            if state.status in TERMINAL_ACTIVITY:
                continue
            activity_states[activity.key] = state.model_copy(
                update={"status": ActivityStatus.ABORTED, "completed_at": now}
            )
            drafts.append(
                activity_moved(
                    actor,
                    phase.key,
                    activity.key,
                    state.status.value,
                    ActivityStatus.ABORTED.value,
                    "the release was aborted",
                )
            )
        phase_state = release.phase_state(phase.key)
        if phase_state.status not in TERMINAL_PHASE:
            phase_states[phase.key] = phase_state.model_copy(
                update={"status": PhaseStatus.ABORTED, "completed_at": now}
            )
            drafts.append(
                EventDraft(
                    type=ReleaseEventType.PHASE_STATUS_CHANGED,
                    actor=actor,
                    phase_key=phase.key,
                    from_=phase_state.status.value,
                    to=PhaseStatus.ABORTED.value,
                    message="the release was aborted",
                )
            )
    # Giving up on a failed activity is a failure of the release; stopping healthy work is
    # an abort.
    outcome = (
        ReleaseOutcome.FAILED
        if any(s.status is ActivityStatus.FAILED for s in activity_states.values())
        else ReleaseOutcome.ABORTED
    )
    drafts.append(
        _moved(
            release,
            ReleaseEventType.RELEASE_ABORTED,
            COMPLETED,
            actor,
            message=why,
            data={"outcome": outcome.value},
        )
    )
    changes = {
        "status": COMPLETED,
        "outcome": outcome,
        "completed_at": now,
        "paused": False,
        "phase_states": phase_states,
        "activity_states": activity_states,
    }
    return release.recorded(changes, drafts, now)


# --- after the run -------------------------------------------------------------------------


def archive_release(release: Release, *, now: datetime, retention: timedelta) -> Release:
    """Archive a release completed at least `retention` ago (done by the system, not people)."""
    if release.status is not COMPLETED or release.completed_at is None:
        raise InvalidTransition(
            release.status.value, "archive", "only a completed release can be archived"
        )
    if release.archived_at is not None:
        raise InvalidTransition(release.status.value, "archive", "it is archived already")
    if now - release.completed_at < retention:
        raise InvalidTransition(
            release.status.value,
            "archive",
            f"it is kept for {format_duration(retention)} after it completes",
        )
    event = EventDraft(
        type=ReleaseEventType.RELEASE_ARCHIVED,
        actor=SYSTEM_ACTOR,
        data={"retention": format_duration(retention)},
    )
    return release.recorded({"archived_at": now}, [event], now)
