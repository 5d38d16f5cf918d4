"""Pending actions: the manual work, approvals and failure decisions a person may do now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.domain.accounts import User
from app.domain.activity_actions import MANAGERS, may_act_on, may_approve
from app.domain.process import ActivityKind
from app.domain.release import ActivityStatus, Release, ReleaseStatus


class PendingActionKind(StrEnum):
    SIGN_OFF = "SIGN_OFF"  # completeActivity
    APPROVAL = "APPROVAL"  # approveActivity / rejectActivity
    FAILURE = "FAILURE"  # retryActivity / ignoreActivity / abortRelease


@dataclass(frozen=True, slots=True)
class PendingAction:
    release: Release
    phase_key: str
    activity_key: str
    kind: PendingActionKind
    since: datetime | None
    deadline: datetime | None
    instructions: str | None


def pending_for(release: Release, user: User) -> list[PendingAction]:
    """What `user` may do on `release` right now, in plan order."""
    if release.status not in (ReleaseStatus.RUNNING, ReleaseStatus.ON_HOLD):
        return []
    found = []
    for phase, activity in release.activities():
        state = release.activity_state(activity.key)
        kind: PendingActionKind | None = None
        if state.status is ActivityStatus.WAITING:
            if activity.kind is ActivityKind.MANUAL and may_act_on(user, phase, activity, release):
                kind = PendingActionKind.SIGN_OFF
            elif (
                activity.kind is ActivityKind.APPROVAL
                and may_approve(user, activity)
                and all(a.user != user.name for a in state.approvals)
            ):
                kind = PendingActionKind.APPROVAL
        elif state.status is ActivityStatus.FAILED and user.has_any_role(*MANAGERS):
            kind = PendingActionKind.FAILURE
        if kind is None:
            continue
        instructions = (activity.config or {}).get("instructions")
        found.append(
            PendingAction(
                release=release,
                phase_key=phase.key,
                activity_key=activity.key,
                kind=kind,
                since=state.started_at or state.completed_at,
                deadline=state.deadline_at if state.status is ActivityStatus.WAITING else None,
                instructions=instructions if isinstance(instructions, str) else None,
            )
        )
    return found
