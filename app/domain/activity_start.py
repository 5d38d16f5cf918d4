"""Starting an activity whose dependencies are done, in the way its kind asks for.

A false condition skips it; a CHECKPOINT succeeds on the spot; a WAIT waits until its
time; MANUAL and APPROVAL activities wait for people, who are told; anything else is
machine work and is queued as a job. Changes go into the engine's `Step`.
"""

from __future__ import annotations

from datetime import datetime

from app.domain.conditions import ConditionError, parse_condition
from app.domain.durations import parse_duration
from app.domain.engine_step import Step
from app.domain.engine_types import HUMAN_KINDS, ActivityRun
from app.domain.process import ActivityKind, ActivityTemplate, PhaseTemplate
from app.domain.references import ExpressionError
from app.domain.release import ActivityStatus
from app.domain.variables import UnresolvedReference


def start_activity(step: Step, phase: PhaseTemplate, activity: ActivityTemplate) -> None:
    """Dependencies are done: skip on a false condition, else start by kind."""
    if activity.condition:
        try:
            go = parse_condition(activity.condition).evaluate(
                step.resolution.lookup_for(phase.key, activity.key)
            )
        except (ConditionError, ExpressionError, UnresolvedReference) as error:
            step.set_activity(
                phase,
                activity,
                ActivityStatus.FAILED,
                message=f"condition: {error}",
                error=f"condition: {error}",
            )
            return
        if not go:
            step.set_activity(
                phase,
                activity,
                ActivityStatus.SKIPPED,
                message=f"condition is false: {activity.condition}",
            )
            return
    kind = activity.kind
    if kind is ActivityKind.CHECKPOINT:
        step.set_activity(phase, activity, ActivityStatus.SUCCEEDED, started_at=step.now)
    elif kind is ActivityKind.WAIT:
        _start_wait(step, phase, activity)
    elif kind in HUMAN_KINDS:
        _ask_people(step, phase, activity)
    else:
        state = step.activities[activity.key]
        step.set_activity(
            phase, activity, ActivityStatus.QUEUED, next_attempt=len(state.attempts) + 1
        )
        step.runs.append(ActivityRun(activity.key, len(state.attempts) + 1))


def _start_wait(step: Step, phase: PhaseTemplate, activity: ActivityTemplate) -> None:
    """A WAIT lasts until its `until` time or for its `duration`; a past time ends it now."""
    config = activity.config or {}
    until: datetime | None = None
    try:
        if "until" in config:
            until = datetime.fromisoformat(str(config["until"]))
        else:
            until = step.now + parse_duration(str(config.get("duration", "0s")))
    except ValueError as error:
        step.set_activity(phase, activity, ActivityStatus.FAILED, error=str(error))
        return
    if until.tzinfo is None:
        until = until.replace(tzinfo=step.now.tzinfo)
    if until <= step.now:
        step.set_activity(phase, activity, ActivityStatus.SUCCEEDED, started_at=step.now)
        return
    step.set_activity(
        phase,
        activity,
        ActivityStatus.WAITING,
        wait_until=until,
        message=f"waiting until {until.isoformat()}",
    )
    step.wakes.append(until)


def _ask_people(step: Step, phase: PhaseTemplate, activity: ActivityTemplate) -> None:
    """MANUAL and APPROVAL wait for people, who are told; a deadline brings the engine back."""
    deadline = _human_deadline(step.now, activity)
    step.set_activity(
        phase,
        activity,
        ActivityStatus.WAITING,
        deadline_at=deadline,
        message="waiting for people",
    )
    if deadline is not None:
        step.wakes.append(deadline)
    verb = "approve" if activity.kind is ActivityKind.APPROVAL else "complete"
    step.notify(
        "ACTION_REQUIRED",
        phase,
        activity,
        f"{step.release.name}: {activity.name} is waiting for you to {verb} it.",
    )


def _human_deadline(now: datetime, activity: ActivityTemplate) -> datetime | None:
    deadline = (activity.config or {}).get("deadline")
    if not isinstance(deadline, str):
        return None
    try:
        return now + parse_duration(deadline)
    except ValueError:
        return None  # validated at write time; an unreadable one means no deadline
