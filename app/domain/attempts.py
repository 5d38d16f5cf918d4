"""Recording one attempt of an activity's job: when it begins and how it ends.

An activity job may be late, duplicated or outrun by a timeout or an abort, so both
functions first check that the attempt is still the one the release expects and return
None when it is not: the job then does nothing, and no attempt runs or counts twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.domain.durations import parse_duration
from app.domain.engine_step import Step
from app.domain.engine_types import DEFAULT_TIMEOUT, Advance
from app.domain.process import ActivityKind, ActivityTemplate, PhaseTemplate
from app.domain.release import ActivityStatus, Attempt, Release, ReleaseStatus


def timeout_of(activity: ActivityTemplate) -> timedelta:
    """How long one attempt may run: the activity's own timeout, else the default."""
    if activity.timeout:
        try:
            return parse_duration(activity.timeout)
        except ValueError:
            pass  # validated at write time; an unreadable one falls back
    return DEFAULT_TIMEOUT


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
    step = Step(release, now)
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
    step = Step(release, now)
    step.close_attempt(activity_key, error)
    if ok:
        step.set_activity(
            phase, activity, ActivityStatus.SUCCEEDED, output=output, error=None, deadline_at=None
        )
    else:
        step.fail_attempt(phase, activity, error or "failed")
    recorded = release.recorded({"activity_states": step.activities}, step.drafts, now)
    return Advance(recorded, runs=tuple(step.runs), notifications=tuple(step.notifications))


def _find(release: Release, activity_key: str) -> tuple[PhaseTemplate, ActivityTemplate]:
    for phase, activity in release.activities():
        if activity.key == activity_key:
            return phase, activity
    raise KeyError(activity_key)
