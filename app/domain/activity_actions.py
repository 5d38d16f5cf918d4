"""What people do to activities: sign off, approve, reject, retry, ignore.

Each action is pure: `(release, activity key, who, ..., now) -> release'` with its events,
or an error naming why it is refused. The engine carries on from the new state.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from app.domain.accounts import Role, User
from app.domain.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from app.domain.events import EventDraft, ReleaseEventType, activity_moved
from app.domain.inputs import check_inputs
from app.domain.process import (
    ActivityKind,
    ActivityTemplate,
    InputDefinition,
    JsonValue,
    PhaseTemplate,
)
from app.domain.release import (
    ActivityState,
    ActivityStatus,
    Approval,
    Release,
    ReleaseStatus,
)

MANAGERS = (Role.ADMIN, Role.RELEASE_MANAGER)
APPROVED = "APPROVED"
REJECTED = "REJECTED"


def find_activity(release: Release, key: str) -> tuple[PhaseTemplate, ActivityTemplate]:
    """An activity by `key` or `phaseKey/activityKey`."""
    phase_key, _, activity_key = key.rpartition("/")
    for phase, activity in release.activities():
        if activity.key == activity_key and phase_key in ("", phase.key):
            return phase, activity
    raise NotFound("Activity", key)


def _require_live(release: Release, action: str) -> None:
    if release.status not in (ReleaseStatus.RUNNING, ReleaseStatus.ON_HOLD):
        raise InvalidTransition(release.status.value, action, "the release is not running")


def _require_status(
    state: ActivityState, activity: ActivityTemplate, action: str, *allowed: ActivityStatus
) -> None:
    if state.status not in allowed:
        wanted = " or ".join(s.value for s in allowed)
        raise InvalidTransition(
            state.status.value,
            action,
            f"activity {activity.key!r} is {state.status.value}, not {wanted}",
        )


def _changed(
    release: Release,
    phase: PhaseTemplate,
    activity: ActivityTemplate,
    after: ActivityState,
    actor: str,
    now: datetime,
    extra: list[EventDraft],
) -> Release:
    before = release.activity_state(activity.key)
    drafts = list(extra)
    if before.status is not after.status:
        drafts.append(
            activity_moved(actor, phase.key, activity.key, before.status.value, after.status.value)
        )
    states = {**release.activity_states, activity.key: after}
    return release.recorded({"activity_states": states}, drafts, now)


def may_act_on(
    user: User, phase: PhaseTemplate, activity: ActivityTemplate, release: Release
) -> bool:
    """Owners of the activity (or its phase) and release managers may sign off manual work."""
    owner = activity.owner or release.owner_of(phase)
    return user.has_any_role(*MANAGERS) or (owner is not None and user.belongs_to(owner))


def may_approve(user: User, activity: ActivityTemplate) -> bool:
    return any(user.belongs_to(a) for a in activity.approvers or ())


def complete_activity(
    release: Release,
    key: str,
    *,
    user: User,
    inputs: Mapping[str, JsonValue],
    comment: str | None,
    now: datetime,
) -> Release:
    """Sign off a MANUAL activity, with the values its instructions ask for."""
    _require_live(release, "complete")
    phase, activity = find_activity(release, key)
    if activity.kind is not ActivityKind.MANUAL:
        raise InvalidInput.single(
            "activityKey", f"{activity.key!r} is {activity.kind.value}, not MANUAL"
        )
    state = release.activity_state(activity.key)
    _require_status(state, activity, "complete", ActivityStatus.WAITING)
    if not may_act_on(user, phase, activity, release):
        raise Forbidden(
            f"only {activity.owner or release.owner_of(phase)} or a release "
            f"manager may complete {activity.key!r}"
        )
    wanted = tuple(
        InputDefinition.model_validate(d) for d in (activity.config or {}).get("inputs", ())
    )
    problems = check_inputs(wanted, inputs, path_prefix="inputs", require_complete=True)
    if problems:
        raise InvalidInput(problems)
    after = state.model_copy(
        update={
            "status": ActivityStatus.SUCCEEDED,
            "output": dict(inputs),
            "completed_at": now,
            "deadline_at": None,
        }
    )
    event = EventDraft(
        type=ReleaseEventType.ACTIVITY_COMPLETED_MANUALLY,
        actor=user.name,
        phase_key=phase.key,
        activity_key=activity.key,
        message=comment,
        data={"inputs": dict(inputs)},
    )
    return _changed(release, phase, activity, after, user.name, now, [event])


def decide_approval(
    release: Release,
    key: str,
    *,
    user: User,
    approve: bool,
    comment: str | None,
    now: datetime,
) -> Release:
    """One approver's decision; enough approvals succeed, one rejection fails the activity."""
    action = "approve" if approve else "reject"
    _require_live(release, action)
    phase, activity = find_activity(release, key)
    if activity.kind is not ActivityKind.APPROVAL:
        raise InvalidInput.single(
            "activityKey", f"{activity.key!r} is {activity.kind.value}, not APPROVAL"
        )
    state = release.activity_state(activity.key)
    _require_status(state, activity, action, ActivityStatus.WAITING)
    if not may_approve(user, activity):
        listed = ", ".join(activity.approvers or ()) or "nobody"
        raise Forbidden(f"only the listed approvers may {action} {activity.key!r}: {listed}")
    if any(a.user == user.name for a in state.approvals):
        raise Conflict(f"{user.name} has already decided on {activity.key!r}")
    if (
        approve
        and (activity.config or {}).get("forbidSelfApproval")
        and release.started_by == user.name
    ):
        raise Forbidden(f"four-eyes rule: {user.name} started this release and may not approve it")
    decision = Approval(
        user=user.name, decision=APPROVED if approve else REJECTED, comment=comment, at=now
    )
    approvals = (*state.approvals, decision)
    approved = sum(1 for a in approvals if a.decision == APPROVED)
    changes: dict[str, object] = {"approvals": approvals}
    if not approve:
        changes.update(
            status=ActivityStatus.FAILED,
            completed_at=now,
            deadline_at=None,
            error=f"rejected by {user.name}" + (f": {comment}" if comment else ""),
        )
    elif approved >= (activity.required_approvals or 1):
        changes.update(status=ActivityStatus.SUCCEEDED, completed_at=now, deadline_at=None)
    event = EventDraft(
        type=ReleaseEventType.ACTIVITY_APPROVED if approve else ReleaseEventType.ACTIVITY_REJECTED,
        actor=user.name,
        phase_key=phase.key,
        activity_key=activity.key,
        message=comment,
        data={"approvals": approved, "required": activity.required_approvals or 1},
    )
    return _changed(
        release, phase, activity, state.model_copy(update=changes), user.name, now, [event]
    )


def retry_activity(
    release: Release,
    key: str,
    *,
    user: User,
    inputs: Mapping[str, JsonValue] | None,
    now: datetime,
) -> Release:
    """A failed activity runs again as a new attempt, optionally with corrected inputs."""
    _require_live(release, "retry")
    phase, activity = find_activity(release, key)
    state = release.activity_state(activity.key)
    _require_status(state, activity, "retry", ActivityStatus.FAILED)
    if inputs:
        problems = check_inputs(release.plan.inputs, inputs, require_complete=False)
        if problems:
            raise InvalidInput(problems)
    after = state.model_copy(
        update={
            "status": ActivityStatus.PENDING,
            "error": None,
            "completed_at": None,
            "approvals": (),
            "retry_at": None,
            "deadline_at": None,
            "escalated": False,
            "input_overrides": dict(inputs) if inputs else state.input_overrides,
        }
    )
    event = EventDraft(
        type=ReleaseEventType.ACTIVITY_RETRIED,
        actor=user.name,
        phase_key=phase.key,
        activity_key=activity.key,
        data={"inputs": dict(inputs) if inputs else None},
        message=f"attempt {len(state.attempts) + 1} requested",
    )
    return _changed(release, phase, activity, after, user.name, now, [event])


def ignore_activity(
    release: Release,
    key: str,
    *,
    user: User,
    output: Mapping[str, JsonValue] | None,
    comment: str | None,
    now: datetime,
) -> Release:
    """A failed activity is set aside (IGNORED): dependants go on, with substitute outputs."""
    _require_live(release, "ignore")
    phase, activity = find_activity(release, key)
    state = release.activity_state(activity.key)
    _require_status(state, activity, "ignore", ActivityStatus.FAILED)
    after = state.model_copy(
        update={
            "status": ActivityStatus.IGNORED,
            "output": dict(output) if output is not None else state.output,
            "completed_at": now,
        }
    )
    event = EventDraft(
        type=ReleaseEventType.ACTIVITY_IGNORED,
        actor=user.name,
        phase_key=phase.key,
        activity_key=activity.key,
        message=comment,
        data={"output": dict(output) if output is not None else None},
    )
    return _changed(release, phase, activity, after, user.name, now, [event])
