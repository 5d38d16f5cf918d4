from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.domain.errors import FieldProblem, InvalidInput, InvalidTransition
from app.domain.events import ReleaseEvent, ReleaseEventType
from app.domain.lifecycle import (
    abort_release,
    archive_release,
    cancel_release,
    ensure_deletable,
    pause_release,
    resume_release,
    schedule_release,
    start_release,
)
from app.domain.process import (
    ActivityKind,
    ActivityTemplate,
    InputDefinition,
    InputType,
    PhaseTemplate,
    ProcessSpec,
    VariableDefinition,
)
from app.domain.readiness import CLOCK_SKEW
from app.domain.release import (
    ActivityState,
    ActivityStatus,
    Cadence,
    Link,
    PhaseState,
    PhaseStatus,
    Release,
    ReleaseContext,
    ReleaseOutcome,
    ReleaseStatus,
)
from app.domain.release_edits import InputSetChoice, ReleaseChanges, update_release
from app.domain.variables import ResolvedVariable, resolve

T0 = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=1)
LATER = NOW + timedelta(days=7)
ACTOR = "alice"


# --- builders ------------------------------------------------------------------------------


def activity(key: str, *depends_on: str, **fields: Any) -> ActivityTemplate:
    return ActivityTemplate(
        key=key, name=key.title(), kind=ActivityKind.MANUAL, depends_on=depends_on, **fields
    )


def plan(*, build_version: str = "${releaseVersion}") -> ProcessSpec:
    """The reference text's cascade: releaseVersion -> buildVersion -> artifactTag."""
    return ProcessSpec(
        name="Payments Standard",
        inputs=(
            InputDefinition(name="releaseVersion", type=InputType.STRING, required=True),
            InputDefinition(
                name="environment",
                type=InputType.STRING,
                default="QA",
                allowed_values=("QA", "PROD"),
            ),
        ),
        phases=(
            PhaseTemplate(
                key="build",
                name="Build",
                owner="Development Team",
                variables=(VariableDefinition(name="buildVersion", value=build_version),),
                activities=(activity("compile"), activity("package", "compile")),
            ),
            PhaseTemplate(
                key="deployment",
                name="Deployment",
                depends_on=("build",),
                activities=(
                    activity(
                        "deploy",
                        variables=(
                            VariableDefinition(name="artifactTag", value="${buildVersion}"),
                        ),
                    ),
                ),
            ),
        ),
    )


def draft(**fields: Any) -> Release:
    values: dict[str, Any] = {
        "id": "rel_1",
        "name": "payments-v2.1.3-production-deploy",
        "process_id": "proc_1",
        "process_version": 1,
        "plan": plan(),
        "overrides": {"releaseVersion": "2.1.3"},
        "created_by": "bob",
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(fields)
    return Release(**values)


def scheduled(**fields: Any) -> Release:
    return schedule_release(draft(**fields), start=LATER, end=None, actor=ACTOR, now=NOW)


def running() -> Release:
    return start_release(draft(), actor=ACTOR, now=NOW)


def waiting() -> Release:
    """ON_HOLD because manual work waits (the engine's doing), not paused."""
    return running().model_copy(update={"status": ReleaseStatus.ON_HOLD})


def paused() -> Release:
    return pause_release(running(), actor=ACTOR, now=NOW)


def completed() -> Release:
    return abort_release(running(), actor=ACTOR, now=NOW, reason="wrong artifact")


def last_event(release: Release) -> ReleaseEvent:
    return release.outbox[-1]


def paths(error: InvalidInput) -> list[str]:
    return [problem.path for problem in error.problems]


# --- the full (status, action) matrix ------------------------------------------------------

STATES: dict[str, Callable[[], Release]] = {
    "DRAFT": draft,
    "SCHEDULED": scheduled,
    "RUNNING": running,
    "ON_HOLD(waiting)": waiting,
    "ON_HOLD(paused)": paused,
    "COMPLETED": completed,
}

ACTIONS: dict[str, Callable[[Release], object]] = {
    "update": lambda r: update_release(
        r, ReleaseChanges(description="new notes"), actor=ACTOR, now=NOW
    ),
    "delete": ensure_deletable,
    "schedule": lambda r: schedule_release(r, start=LATER, end=None, actor=ACTOR, now=NOW),
    "start": lambda r: start_release(r, actor=ACTOR, now=NOW),
    "cancel": lambda r: cancel_release(r, actor=ACTOR, now=NOW),
    "pause": lambda r: pause_release(r, actor=ACTOR, now=NOW),
    "resume": lambda r: resume_release(r, actor=ACTOR, now=NOW),
    "abort": lambda r: abort_release(r, actor=ACTOR, now=NOW, reason="stop"),
}

LEGAL = {
    ("DRAFT", "update"),
    ("DRAFT", "delete"),
    ("DRAFT", "schedule"),
    ("DRAFT", "start"),
    ("SCHEDULED", "update"),
    ("SCHEDULED", "start"),
    ("SCHEDULED", "cancel"),
    ("RUNNING", "pause"),
    ("RUNNING", "abort"),
    ("ON_HOLD(waiting)", "pause"),
    ("ON_HOLD(waiting)", "abort"),
    ("ON_HOLD(paused)", "resume"),
    ("ON_HOLD(paused)", "abort"),
}
PAIRS = [(state, action) for state in STATES for action in ACTIONS]


@pytest.mark.parametrize(("state", "action"), [p for p in PAIRS if p not in LEGAL])
def test_illegal_actions_are_refused_naming_status_and_action(state: str, action: str) -> None:
    release = STATES[state]()
    with pytest.raises(InvalidTransition) as caught:
        ACTIONS[action](release)
    status = release.status.value
    assert caught.value.current == status
    assert caught.value.action == action
    assert caught.value.message.startswith(f"cannot {action} a release that is {status}")
    assert caught.value.extensions() == {
        "code": "INVALID_TRANSITION",
        "from": status,
        "action": action,
    }


@pytest.mark.parametrize(("state", "action"), sorted(LEGAL))
def test_legal_actions_succeed(state: str, action: str) -> None:
    release = STATES[state]()
    result = ACTIONS[action](release)
    if action == "delete":
        assert result is None
    else:
        assert isinstance(result, Release)
        assert result.revision == release.revision + 1


def test_the_states_used_by_the_matrix_are_what_they_claim() -> None:
    assert [STATES[name]().status for name in STATES] == [
        ReleaseStatus.DRAFT,
        ReleaseStatus.SCHEDULED,
        ReleaseStatus.RUNNING,
        ReleaseStatus.ON_HOLD,
        ReleaseStatus.ON_HOLD,
        ReleaseStatus.COMPLETED,
    ]
    assert not waiting().paused
    assert paused().paused


# --- schedule ------------------------------------------------------------------------------


def test_schedule_moves_a_draft_to_scheduled_with_its_window_and_an_event() -> None:
    end = LATER + timedelta(hours=2)
    release = schedule_release(draft(), start=LATER, end=end, actor=ACTOR, now=NOW)
    assert release.status is ReleaseStatus.SCHEDULED
    assert release.cadence is Cadence.SCHEDULED
    assert (release.scheduled_start, release.scheduled_end) == (LATER, end)
    assert release.revision == 1
    assert release.updated_at == NOW
    assert release.outbox == (
        ReleaseEvent(
            type=ReleaseEventType.RELEASE_SCHEDULED,
            actor=ACTOR,
            from_="DRAFT",
            to="SCHEDULED",
            data={"scheduledStart": LATER.isoformat(), "scheduledEnd": end.isoformat()},
            release_id="rel_1",
            seq=1,
            at=NOW,
        ),
    )


def test_schedule_keeps_a_recurring_cadence() -> None:
    release = scheduled(cadence=Cadence.RECURRING, group_id="grp_1")
    assert release.cadence is Cadence.RECURRING


def test_schedule_needs_a_start() -> None:
    with pytest.raises(InvalidInput) as caught:
        schedule_release(draft(), start=None, end=None, actor=ACTOR, now=NOW)
    assert caught.value.problems == (
        FieldProblem("scheduledStart", "is required to schedule a release"),
    )


def test_schedule_allows_a_start_just_inside_the_clock_skew() -> None:
    start = NOW - CLOCK_SKEW
    assert schedule_release(draft(), start=start, end=None, actor=ACTOR, now=NOW).scheduled_start
    with pytest.raises(InvalidInput) as caught:
        schedule_release(
            draft(), start=start - timedelta(seconds=1), end=None, actor=ACTOR, now=NOW
        )
    assert caught.value.problems == (FieldProblem("scheduledStart", "must not be in the past"),)


@pytest.mark.parametrize("end", [LATER, LATER - timedelta(minutes=1)])
def test_schedule_needs_the_end_after_the_start(end: datetime) -> None:
    with pytest.raises(InvalidInput) as caught:
        schedule_release(draft(), start=LATER, end=end, actor=ACTOR, now=NOW)
    assert caught.value.problems == (FieldProblem("scheduledEnd", "must be after scheduledStart"),)


def test_schedule_refuses_times_without_a_zone() -> None:
    naive = datetime(2030, 1, 1, 9, 0)
    with pytest.raises(InvalidInput) as caught:
        schedule_release(draft(), start=naive, end=None, actor=ACTOR, now=NOW)
    assert paths(caught.value) == ["scheduledStart"]


def test_schedule_reports_every_problem_at_once() -> None:
    release = draft(overrides={"environment": "STAGING"}, plan=plan(build_version="${nope}"))
    blocking = [FieldProblem("dependencies", "the process structure has problems")]
    with pytest.raises(InvalidInput) as caught:
        schedule_release(
            release,
            start=LATER,
            end=NOW,
            actor=ACTOR,
            now=NOW,
            blocking_problems=blocking,
        )
    assert paths(caught.value) == [
        "scheduledEnd",
        "dependencies",
        "inputs.releaseVersion",
        "inputs.environment",
        "phases[0].variables[0].value",
    ]


def test_blocking_problems_alone_refuse_to_schedule() -> None:
    blocking = [FieldProblem("dependencies", "broken")]
    with pytest.raises(InvalidInput) as caught:
        schedule_release(
            draft(), start=LATER, end=None, actor=ACTOR, now=NOW, blocking_problems=blocking
        )
    assert caught.value.problems == tuple(blocking)


# --- required inputs: drafting is free, scheduling and starting are not --------------------


def test_a_draft_may_lack_required_inputs() -> None:
    release = update_release(
        draft(overrides={}),
        ReleaseChanges(overrides={"environment": "PROD"}),
        actor=ACTOR,
        now=NOW,
    )
    assert release.inputs == {"environment": "PROD"}


@pytest.mark.parametrize(
    "act",
    [
        lambda r: schedule_release(r, start=LATER, end=None, actor=ACTOR, now=NOW),
        lambda r: start_release(r, actor=ACTOR, now=NOW),
    ],
    ids=["schedule", "start"],
)
def test_missing_or_invalid_inputs_block_schedule_and_start(
    act: Callable[[Release], Release],
) -> None:
    with pytest.raises(InvalidInput) as caught:
        act(draft(overrides={"environment": "STAGING"}))
    assert caught.value.problems == (
        FieldProblem("inputs.releaseVersion", "is required but has no value"),
        FieldProblem("inputs.environment", "must be one of 'QA', 'PROD'"),
    )


def test_unresolvable_variables_block_start() -> None:
    with pytest.raises(InvalidInput) as caught:
        start_release(draft(plan=plan(build_version="${missing}")), actor=ACTOR, now=NOW)
    assert paths(caught.value) == ["phases[0].variables[0].value"]
    assert "missing" in caught.value.problems[0].message


def test_the_reference_variable_example_resolves_for_a_started_release() -> None:
    release = running()
    resolution = resolve(release.plan, release.inputs)
    assert resolution.problems == []
    assert resolution.phase("build") == [
        ResolvedVariable("buildVersion", "${releaseVersion}", "2.1.3")
    ]
    assert resolution.activity("deployment", "deploy") == [
        ResolvedVariable("artifactTag", "${buildVersion}", "2.1.3")
    ]


# --- start ---------------------------------------------------------------------------------


def test_start_on_demand_sets_up_every_phase_and_activity() -> None:
    release = start_release(draft(), actor=ACTOR, now=NOW)
    assert release.status is ReleaseStatus.RUNNING
    assert release.started_at == NOW
    assert not release.paused
    assert release.phase_states == {"build": PhaseState(), "deployment": PhaseState()}
    assert release.activity_states == {
        "compile": ActivityState(),
        "package": ActivityState(),
        "deploy": ActivityState(),
    }
    assert all(s.status is ActivityStatus.PENDING for s in release.activity_states.values())
    event = last_event(release)
    assert (event.type, event.from_, event.to, event.actor) == (
        ReleaseEventType.RELEASE_STARTED,
        "DRAFT",
        "RUNNING",
        ACTOR,
    )
    assert event.data == {"preExecuted": False}


def test_starting_a_scheduled_release_early_is_a_pre_execution() -> None:
    release = start_release(scheduled(), actor="carol", now=NOW)
    event = last_event(release)
    assert (event.from_, event.to, event.actor, event.data) == (
        "SCHEDULED",
        "RUNNING",
        "carol",
        {"preExecuted": True},
    )


def test_starting_a_due_scheduled_release_is_not_a_pre_execution() -> None:
    release = start_release(scheduled(), actor="system", now=LATER)
    assert last_event(release).data == {"preExecuted": False}
    assert release.started_at == LATER


def test_events_and_revisions_count_up_across_transitions() -> None:
    release = scheduled()
    release = start_release(release, actor="carol", now=LATER)
    release = pause_release(release, actor="dave", now=LATER + timedelta(minutes=1))
    assert release.revision == 3
    assert release.event_seq == 3
    assert [(e.seq, e.type, e.actor) for e in release.outbox] == [
        (1, ReleaseEventType.RELEASE_SCHEDULED, ACTOR),
        (2, ReleaseEventType.RELEASE_STARTED, "carol"),
        (3, ReleaseEventType.RELEASE_PAUSED, "dave"),
    ]
    assert [(e.from_, e.to) for e in release.outbox] == [
        ("DRAFT", "SCHEDULED"),
        ("SCHEDULED", "RUNNING"),
        ("RUNNING", "ON_HOLD"),
    ]


# --- cancel, pause, resume -----------------------------------------------------------------


def test_cancel_completes_a_scheduled_release_as_aborted() -> None:
    release = cancel_release(scheduled(), actor=ACTOR, now=NOW, reason=" freeze week ")
    assert (release.status, release.outcome) == (
        ReleaseStatus.COMPLETED,
        ReleaseOutcome.ABORTED,
    )
    assert release.completed_at == NOW
    event = last_event(release)
    assert (event.type, event.from_, event.to, event.message) == (
        ReleaseEventType.RELEASE_CANCELLED,
        "SCHEDULED",
        "COMPLETED",
        "freeze week",
    )


def test_pause_puts_a_running_release_on_hold() -> None:
    release = pause_release(running(), actor=ACTOR, now=NOW, reason="incident")
    assert (release.status, release.paused) == (ReleaseStatus.ON_HOLD, True)
    event = last_event(release)
    assert (event.type, event.from_, event.to, event.message) == (
        ReleaseEventType.RELEASE_PAUSED,
        "RUNNING",
        "ON_HOLD",
        "incident",
    )


def test_pausing_a_release_waiting_for_manual_work_marks_it_paused() -> None:
    release = pause_release(waiting(), actor=ACTOR, now=NOW)
    assert (release.status, release.paused) == (ReleaseStatus.ON_HOLD, True)
    assert (last_event(release).from_, last_event(release).to) == ("ON_HOLD", "ON_HOLD")


def test_pausing_twice_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="paused already"):
        pause_release(paused(), actor=ACTOR, now=NOW)


def test_resume_lets_a_paused_release_run() -> None:
    release = resume_release(paused(), actor="carol", now=NOW)
    assert (release.status, release.paused) == (ReleaseStatus.RUNNING, False)
    event = last_event(release)
    assert (event.type, event.from_, event.to, event.actor) == (
        ReleaseEventType.RELEASE_RESUMED,
        "ON_HOLD",
        "RUNNING",
        "carol",
    )


def test_resume_refuses_a_release_waiting_for_manual_work() -> None:
    with pytest.raises(InvalidTransition, match="manual work"):
        resume_release(waiting(), actor=ACTOR, now=NOW)


# --- abort ---------------------------------------------------------------------------------


def midway() -> Release:
    """compile done, package running, build running; deployment not started."""
    release = running()
    return release.model_copy(
        update={
            "phase_states": {
                **release.phase_states,
                "build": PhaseState(status=PhaseStatus.RUNNING, started_at=NOW),
            },
            "activity_states": {
                **release.activity_states,
                "compile": ActivityState(status=ActivityStatus.SUCCEEDED, completed_at=NOW),
                "package": ActivityState(status=ActivityStatus.RUNNING, started_at=NOW),
            },
        }
    )


def test_abort_marks_every_unfinished_activity_and_phase_aborted() -> None:
    before = midway()
    at = NOW + timedelta(minutes=5)
    release = abort_release(before, actor="carol", now=at, reason="bad artifact")
    assert (release.status, release.outcome, release.completed_at) == (
        ReleaseStatus.COMPLETED,
        ReleaseOutcome.ABORTED,
        at,
    )
    assert release.revision == before.revision + 1
    assert {key: s.status for key, s in release.activity_states.items()} == {
        "compile": ActivityStatus.SUCCEEDED,
        "package": ActivityStatus.ABORTED,
        "deploy": ActivityStatus.ABORTED,
    }
    assert release.activity_state("deploy").completed_at == at
    assert {key: s.status for key, s in release.phase_states.items()} == {
        "build": PhaseStatus.ABORTED,
        "deployment": PhaseStatus.ABORTED,
    }
    new_events = release.outbox[len(before.outbox) :]
    activity_changed = ReleaseEventType.ACTIVITY_STATUS_CHANGED
    phase_changed = ReleaseEventType.PHASE_STATUS_CHANGED
    assert [(e.seq, e.type, e.phase_key, e.activity_key, e.from_, e.to) for e in new_events] == [
        (2, activity_changed, "build", "package", "RUNNING", "ABORTED"),
        (3, phase_changed, "build", None, "RUNNING", "ABORTED"),
        (4, activity_changed, "deployment", "deploy", "PENDING", "ABORTED"),
        (5, phase_changed, "deployment", None, "PENDING", "ABORTED"),
        (6, ReleaseEventType.RELEASE_ABORTED, None, None, "RUNNING", "COMPLETED"),
    ]
    assert {e.actor for e in new_events} == {"carol"}
    assert new_events[-1].message == "bad artifact"
    assert all(e.at == at for e in new_events)


def test_abort_from_on_hold_clears_the_pause() -> None:
    release = abort_release(paused(), actor=ACTOR, now=NOW, reason="stop")
    assert not release.paused
    assert (last_event(release).from_, last_event(release).to) == ("ON_HOLD", "COMPLETED")


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_abort_without_a_reason_records_none(reason: str | None) -> None:
    aborted = abort_release(running(), actor=ACTOR, now=NOW, reason=reason)
    assert aborted.outcome is ReleaseOutcome.ABORTED
    assert last_event(aborted).message is None


# --- archive -------------------------------------------------------------------------------

RETENTION = timedelta(days=365)


def test_archive_a_release_older_than_the_retention() -> None:
    done = completed()
    at = NOW + RETENTION
    release = archive_release(done, now=at, retention=RETENTION)
    assert release.archived_at == at
    assert release.revision == done.revision + 1
    event = last_event(release)
    assert (event.type, event.actor, event.seq) == (
        ReleaseEventType.RELEASE_ARCHIVED,
        "system",
        done.event_seq + 1,
    )


@pytest.mark.parametrize(
    ("release", "reason"),
    [
        (lambda: completed(), "kept for"),
        (lambda: archive_release(completed(), now=NOW + RETENTION, retention=RETENTION), "already"),
        (lambda: running(), "only a completed"),
        (lambda: draft(), "only a completed"),
    ],
    ids=["too-recent", "archived", "running", "draft"],
)
def test_archive_refusals(release: Callable[[], Release], reason: str) -> None:
    with pytest.raises(InvalidTransition, match=reason) as caught:
        archive_release(release(), now=NOW + RETENTION - timedelta(seconds=1), retention=RETENTION)
    assert caught.value.action == "archive"


# --- update --------------------------------------------------------------------------------


def test_update_a_draft_changes_anything_and_records_the_fields() -> None:
    changes = ReleaseChanges(
        name="payments-v2.1.4-production-deploy",
        version="2.1.4",
        services=("payments",),
        environments=("production",),
        context=ReleaseContext(purpose="fix rounding"),
        owners={"deployment": "Operations Team"},
        scheduled_start=LATER,
        input_set=InputSetChoice(id="is_1", version=3, values={"environment": "PROD"}),
        overrides={"releaseVersion": "2.1.4"},
    )
    before = draft()
    release = update_release(before, changes, actor=ACTOR, now=NOW)
    assert release.revision == before.revision + 1
    assert release.name == "payments-v2.1.4-production-deploy"
    assert (release.input_set_id, release.input_set_version) == ("is_1", 3)
    assert release.inputs == {"environment": "PROD", "releaseVersion": "2.1.4"}
    assert release.owners == {"deployment": "Operations Team"}
    assert release.status is ReleaseStatus.DRAFT
    event = last_event(release)
    assert (event.type, event.actor, event.seq, event.from_, event.to) == (
        ReleaseEventType.RELEASE_UPDATED,
        ACTOR,
        1,
        None,
        None,
    )
    assert event.data == {
        "fields": [
            "name",
            "version",
            "services",
            "environments",
            "context",
            "owners",
            "scheduledStart",
            "inputSet",
            "inputs",
        ]
    }


def test_update_without_a_change_returns_the_release_as_it_is() -> None:
    before = draft(description="notes", tags=("q2",))
    same = ReleaseChanges(name=before.name, description="notes", tags=("q2",))
    assert update_release(before, same, actor=ACTOR, now=NOW) is before
    assert update_release(before, ReleaseChanges(), actor=ACTOR, now=NOW) is before


def test_update_records_only_the_fields_that_changed() -> None:
    before = draft(description="notes")
    changes = ReleaseChanges(name=before.name, description="better notes")
    release = update_release(before, changes, actor=ACTOR, now=NOW)
    assert last_event(release).data == {"fields": ["description"]}


def test_update_with_none_clears_a_field() -> None:
    before = draft(description="notes", tags=("q2",), overrides={"releaseVersion": "1"})
    changes = ReleaseChanges(description=None, tags=None, overrides=None, input_set=None)
    release = update_release(before, changes, actor=ACTOR, now=NOW)
    assert (release.description, release.tags, release.overrides) == (None, (), {})
    assert last_event(release).data == {"fields": ["description", "tags", "inputs"]}


def test_update_in_draft_reports_every_problem() -> None:
    changes = ReleaseChanges(
        name=" ",
        tags=("ok", ""),
        links=(
            Link(kind="JIRA", url="https://jira.example.com/PAY-1"),
            Link(kind="", url="ftp://files.example.com/x"),
        ),
        owners={"build": "Dev", "nope": "Ops"},
        scheduled_start=LATER,
        scheduled_end=LATER - timedelta(hours=1),
        overrides={"environment": 3, "unknown": "x"},
    )
    with pytest.raises(InvalidInput) as caught:
        update_release(draft(), changes, actor=ACTOR, now=NOW)
    assert paths(caught.value) == [
        "name",
        "tags[1]",
        "links[1].kind",
        "links[1].url",
        "owners.nope",
        "inputs.environment",
        "inputs.unknown",
        "scheduledEnd",
    ]


def test_update_refuses_a_name_longer_than_200_characters() -> None:
    with pytest.raises(InvalidInput) as caught:
        update_release(draft(), ReleaseChanges(name="x" * 201), actor=ACTOR, now=NOW)
    assert caught.value.problems == (FieldProblem("name", "must be at most 200 characters"),)
    assert update_release(draft(), ReleaseChanges(name="x" * 200), actor=ACTOR, now=NOW)


def test_update_refuses_an_empty_name_given_as_none() -> None:
    with pytest.raises(InvalidInput) as caught:
        update_release(draft(), ReleaseChanges(name=None), actor=ACTOR, now=NOW)
    assert paths(caught.value) == ["name"]


def test_a_draft_may_hold_a_past_start_but_not_an_end_without_start() -> None:
    past = NOW - timedelta(days=2)
    release = update_release(draft(), ReleaseChanges(scheduled_start=past), actor=ACTOR, now=NOW)
    assert release.scheduled_start == past
    with pytest.raises(InvalidInput) as caught:
        update_release(draft(), ReleaseChanges(scheduled_end=LATER), actor=ACTOR, now=NOW)
    assert caught.value.problems == (FieldProblem("scheduledEnd", "needs a scheduledStart"),)


def test_update_checks_input_set_values() -> None:
    changes = ReleaseChanges(input_set=InputSetChoice(id="is_1", version=1, values={"x": 1}))
    with pytest.raises(InvalidInput) as caught:
        update_release(draft(), changes, actor=ACTOR, now=NOW)
    assert paths(caught.value) == ["inputSet.values.x"]


LOCKED = {
    "name": "payments-v9-production-deploy",
    "version": "9.0.0",
    "services": ("ledger",),
    "environments": ("eu",),
    "context": ReleaseContext(risks="none"),
    "input_set": InputSetChoice(id="is_1", version=1, values={}),
    "overrides": {"releaseVersion": "9.0.0"},
}
API_NAME = {"input_set": "inputSet", "overrides": "inputs"}


@pytest.mark.parametrize("field", list(LOCKED))
def test_scheduled_releases_lock_inputs_and_process(field: str) -> None:
    changes = ReleaseChanges(**{field: LOCKED[field], "description": "fine"})
    with pytest.raises(InvalidTransition) as caught:
        update_release(scheduled(), changes, actor=ACTOR, now=NOW)
    assert caught.value.current == "SCHEDULED"
    assert caught.value.action == "update"
    assert f"{API_NAME.get(field, field)} cannot change" in caught.value.message
    assert "inputs and process are locked once scheduled" in caught.value.message


EDITABLE = {
    "scheduled_start": LATER + timedelta(days=1),
    "scheduled_end": LATER + timedelta(hours=3),
    "description": "now with a rollback plan",
    "links": (Link(kind="RUNBOOK", url="http://wiki.example.com/runbook"),),
    "tags": ("q2",),
    "owners": {"build": "Platform Team"},
}


@pytest.mark.parametrize("field", list(EDITABLE))
def test_scheduled_releases_allow_window_notes_and_owners(field: str) -> None:
    before = scheduled()
    release = update_release(
        before, ReleaseChanges(**{field: EDITABLE[field]}), actor=ACTOR, now=NOW
    )
    assert getattr(release, field) == EDITABLE[field]
    assert release.status is ReleaseStatus.SCHEDULED
    assert release.revision == before.revision + 1


def test_a_scheduled_release_accepts_locked_fields_given_unchanged() -> None:
    before = scheduled()
    changes = ReleaseChanges(name=before.name, overrides=dict(before.overrides), tags=("x",))
    release = update_release(before, changes, actor=ACTOR, now=NOW)
    assert last_event(release).data == {"fields": ["tags"]}


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            ReleaseChanges(scheduled_start=NOW - timedelta(hours=1)),
            FieldProblem("scheduledStart", "must not be in the past"),
        ),
        (
            ReleaseChanges(scheduled_start=None),
            FieldProblem("scheduledStart", "is required to schedule a release"),
        ),
        (
            ReleaseChanges(scheduled_end=LATER - timedelta(hours=1)),
            FieldProblem("scheduledEnd", "must be after scheduledStart"),
        ),
    ],
    ids=["past-start", "no-start", "end-before-start"],
)
def test_a_scheduled_release_keeps_a_valid_window(
    changes: ReleaseChanges, problem: FieldProblem
) -> None:
    with pytest.raises(InvalidInput) as caught:
        update_release(scheduled(), changes, actor=ACTOR, now=NOW)
    assert caught.value.problems == (problem,)
