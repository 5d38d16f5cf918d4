"""Why a pending activity has not started, in words: "why isn't it running?"."""

from __future__ import annotations

from app.domain.engine_types import DONE_ACTIVITY, DONE_PHASE
from app.domain.process import ActivityKind, ActivityTemplate, PhaseTemplate
from app.domain.release import (
    TERMINAL_ACTIVITY,
    TERMINAL_PHASE,
    ActivityStatus,
    Release,
    ReleaseStatus,
)


def _in_progress(release: Release, phase: PhaseTemplate, activity: ActivityTemplate) -> list[str]:
    """What a started activity still waits for: people, a time, a retry."""
    state = release.activity_state(activity.key)
    if state.status is ActivityStatus.QUEUED and state.retry_at is not None:
        return [f"retrying at {state.retry_at.isoformat()} (attempt {state.next_attempt})"]
    if state.status is ActivityStatus.FAILED:
        return [f"failed ({state.error}): retry, ignore or abort"]
    if state.status is not ActivityStatus.WAITING:
        return []
    if activity.kind is ActivityKind.WAIT and state.wait_until is not None:
        return [f"waiting until {state.wait_until.isoformat()}"]
    if activity.kind is ActivityKind.APPROVAL:
        decided = {a.user for a in state.approvals}
        approvals = sum(1 for a in state.approvals if a.decision == "APPROVED")
        who = ", ".join(a for a in activity.approvers or () if a not in decided)
        return [
            f"waiting for approval by {who} ({approvals} of {activity.required_approvals or 1})"
        ]
    owner = activity.owner or release.owner_of(phase) or "its owner"
    return [f"waiting for sign-off by {owner}"]


def waiting_on(release: Release, phase: PhaseTemplate, activity: ActivityTemplate) -> list[str]:
    """Why an activity has not finished: unmet dependencies, a pause, people, a time."""
    state = release.activity_state(activity.key)
    if state.status is not ActivityStatus.PENDING:
        return _in_progress(release, phase, activity)
    if release.status in (ReleaseStatus.DRAFT, ReleaseStatus.SCHEDULED):
        when = (
            f" (scheduled for {release.scheduled_start.isoformat()})"
            if release.status is ReleaseStatus.SCHEDULED and release.scheduled_start
            else ""
        )
        return [f"the release has not started: it is {release.status.value}{when}"]
    reasons = []
    if release.paused:
        reasons.append("the release is paused")
    by_key = {p.key: p for p in release.plan.phases}
    for key in phase.depends_on:
        phase_status = release.phase_state(key).status
        if phase_status not in DONE_PHASE:
            verb = "ended" if phase_status in TERMINAL_PHASE else "is"
            reasons.append(f"phase {by_key[key].name!r} {verb} {phase_status.value}")
    for key in activity.depends_on:
        status = release.activity_state(key).status
        if status not in DONE_ACTIVITY:
            verb = "ended" if status in TERMINAL_ACTIVITY else "is"
            reasons.append(f"activity {key!r} {verb} {status.value}")
    return reasons
