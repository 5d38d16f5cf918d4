"""The reconciler: `advance(release, now)` looks at a release and decides what happens next.

It is pure. It starts phases and activities whose dependencies are done (so independent
ones run in parallel), settles what can be settled on the spot (a CHECKPOINT succeeds, a
false condition skips, a WAIT ends, a deadline passes), asks for activity jobs to run and
for the next time to look again, and sets phase and release statuses. Whoever applies the
result writes it with a compare-and-set on `revision`, so deciding twice is harmless.

The walk over the plan lives in `plan_walk` (with `activity_start` and `activity_deadlines`
for single activities); this module turns where the walk left things into the release's
own status, its events and the `Advance` to carry out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app.domain.engine_step import Step
from app.domain.engine_types import ENGINE, HUMAN_KINDS, Advance, Notification
from app.domain.events import EventDraft, ReleaseEventType
from app.domain.plan_walk import walk_plan
from app.domain.release import (
    TERMINAL_PHASE,
    ActivityStatus,
    Release,
    ReleaseOutcome,
    ReleaseStatus,
)


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
    step = Step(release, now)
    walk_plan(step)
    status, outcome = _release_status(step)
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


def _release_status(step: Step) -> tuple[ReleaseStatus, ReleaseOutcome | None]:
    """COMPLETED once every phase ended with no failure; RUNNING while machines work; ON_HOLD
    when only people (a failure to decide on, a sign-off) or a pause can move it on."""
    release = step.release
    statuses = {key: s.status for key, s in step.activities.items()}
    kinds = {a.key: a.kind for _, a in release.activities()}
    machine_busy = any(
        s in (ActivityStatus.QUEUED, ActivityStatus.RUNNING)
        or (s is ActivityStatus.WAITING and kinds[k] not in HUMAN_KINDS)
        for k, s in statuses.items()
    )
    if all(p.status in TERMINAL_PHASE for p in step.phases.values()) and not any(
        s is ActivityStatus.FAILED for s in statuses.values()
    ):
        partial = any(s is ActivityStatus.IGNORED for s in statuses.values())
        return ReleaseStatus.COMPLETED, (
            ReleaseOutcome.PARTIAL_SUCCESS if partial else ReleaseOutcome.SUCCESS
        )
    if machine_busy or release.paused:
        return (ReleaseStatus.ON_HOLD if release.paused else ReleaseStatus.RUNNING), None
    return ReleaseStatus.ON_HOLD, None


def _owners(release: Release) -> tuple[str, ...]:
    owners: Iterable[str | None] = (release.owner_of(p) for p in release.plan.phases)
    return tuple(dict.fromkeys(o for o in owners if o))
