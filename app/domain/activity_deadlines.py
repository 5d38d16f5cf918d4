"""Activities under way and their times: a retry due, an attempt's timeout, a WAIT's end,
people's deadline.

Each pass settles whatever time has passed and asks to be woken at the next one still to
come, so an activity never sits forever when nobody else touches the release.
"""

from __future__ import annotations

from datetime import datetime

from app.domain.engine_step import Step
from app.domain.engine_types import DEFAULT_TIMEOUT, ActivityRun
from app.domain.process import ActivityKind, ActivityTemplate, PhaseTemplate
from app.domain.release import ActivityState, ActivityStatus


def check_started(step: Step, phase: PhaseTemplate, activity: ActivityTemplate) -> None:
    """Look after an activity under way (QUEUED, RUNNING, WAITING); an ended one needs nothing."""
    state = step.activities[activity.key]
    if state.status is ActivityStatus.QUEUED:
        # Re-asking for the job is harmless (its id is deterministic) and recovers a
        # job that Redis lost.
        step.runs.append(ActivityRun(activity.key, state.next_attempt, state.retry_at))
        if state.retry_at is not None:
            step.wakes.append(state.retry_at)
    elif state.status is ActivityStatus.RUNNING:
        _check_timeout(step, phase, activity, state)
    elif state.status is ActivityStatus.WAITING:
        if activity.kind is not ActivityKind.WAIT:
            _check_people_deadline(step, phase, activity, state)
        elif _has_come(step, state.wait_until):
            step.set_activity(phase, activity, ActivityStatus.SUCCEEDED)


def _check_timeout(
    step: Step, phase: PhaseTemplate, activity: ActivityTemplate, state: ActivityState
) -> None:
    """A RUNNING attempt past its deadline counts as a failed one, so it may be retried."""
    if not _has_come(step, state.deadline_at):
        return
    error = f"timed out after {activity.timeout or DEFAULT_TIMEOUT}"
    if state.attempts:  # the attempt's own record ends here, not just the activity
        step.close_attempt(activity.key, error)
    step.fail_attempt(phase, activity, error)


def _check_people_deadline(
    step: Step, phase: PhaseTemplate, activity: ActivityTemplate, state: ActivityState
) -> None:
    """Past its deadline, an approval set to REJECT fails; anything else is escalated once."""
    if not _has_come(step, state.deadline_at):
        return
    on_deadline = str((activity.config or {}).get("onDeadline", "ESCALATE")).upper()
    if on_deadline == "REJECT" and activity.kind is ActivityKind.APPROVAL:
        step.set_activity(
            phase,
            activity,
            ActivityStatus.FAILED,
            message="nobody decided before the deadline",
            error="rejected: the approval deadline passed",
        )
        step.notify(
            "ACTIVITY_FAILED",
            phase,
            activity,
            f"{step.release.name}: {activity.name} was rejected at its deadline.",
        )
    elif not state.escalated:
        step.activities[activity.key] = state.model_copy(update={"escalated": True})
        step.notify(
            "ESCALATION",
            phase,
            activity,
            f"{step.release.name}: {activity.name} is past its deadline and still waits.",
        )


def _has_come(step: Step, moment: datetime | None) -> bool:
    """Whether `moment` has passed; if it is still to come, the engine is woken then."""
    if moment is None:
        return False
    if step.now >= moment:
        return True
    step.wakes.append(moment)
    return False
