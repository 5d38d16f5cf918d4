"""The engine's walk over a release's plan: phases, then their activities, dependencies first.

Walking in dependency order lets one pass go as far as it can: an activity that succeeds on
the spot (a CHECKPOINT, a skip) frees its dependants in the same pass. Whatever has its
dependencies done starts, so independent phases and activities run side by side. Each
phase's status is then read off its activities.
"""

from __future__ import annotations

from app.domain.activity_deadlines import check_started
from app.domain.activity_start import start_activity
from app.domain.engine_step import Step
from app.domain.engine_types import DONE_ACTIVITY, DONE_PHASE, HUMAN_KINDS
from app.domain.graphs import dependencies_first
from app.domain.process import ActivityTemplate, PhaseTemplate
from app.domain.release import TERMINAL_ACTIVITY, TERMINAL_PHASE, ActivityStatus, PhaseStatus


def walk_plan(step: Step) -> None:
    phases = {p.key: p for p in step.release.plan.phases}
    order = dependencies_first({p.key: p.depends_on for p in step.release.plan.phases})
    for key in order:
        _step_phase(step, phases[key])


def _step_phase(step: Step, phase: PhaseTemplate) -> None:
    state = step.phases[phase.key]
    # A FAILED phase is looked at again: a retried or ignored activity revives it.
    if state.status in TERMINAL_PHASE and state.status is not PhaseStatus.FAILED:
        return
    if state.status is PhaseStatus.PENDING:
        if not all(step.phases[d].status in DONE_PHASE for d in phase.depends_on):
            return
        step.set_phase(phase, PhaseStatus.RUNNING)
    activities = {a.key: a for a in phase.activities}
    for key in dependencies_first({a.key: a.depends_on for a in phase.activities}):
        _step_activity(step, phase, activities[key])
    step.set_phase(phase, _phase_status(step, phase))


def _step_activity(step: Step, phase: PhaseTemplate, activity: ActivityTemplate) -> None:
    status = step.activities[activity.key].status
    if status is ActivityStatus.PENDING:
        if all(step.activities[d].status in DONE_ACTIVITY for d in activity.depends_on):
            start_activity(step, phase, activity)
    else:
        check_started(step, phase, activity)


def _phase_status(step: Step, phase: PhaseTemplate) -> PhaseStatus:
    """Ended once every activity has; WAITING when only people can move it on."""
    statuses = [step.activities[a.key].status for a in phase.activities]
    if all(s in TERMINAL_ACTIVITY for s in statuses):
        if ActivityStatus.FAILED in statuses:
            return PhaseStatus.FAILED
        if ActivityStatus.ABORTED in statuses:
            return PhaseStatus.ABORTED
        if statuses and all(s is ActivityStatus.SKIPPED for s in statuses):
            return PhaseStatus.SKIPPED
        return PhaseStatus.SUCCEEDED
    busy = {ActivityStatus.QUEUED, ActivityStatus.RUNNING}
    waiting_on_people = any(
        step.activities[a.key].status is ActivityStatus.WAITING and a.kind in HUMAN_KINDS
        for a in phase.activities
    )
    if waiting_on_people and not any(s in busy for s in statuses):
        return PhaseStatus.WAITING
    return PhaseStatus.RUNNING
