"""The reconciler and people's activity actions, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.domain import activity_actions as actions
from app.domain.accounts import Role, User
from app.domain.attempts import begin_attempt, finish_attempt
from app.domain.engine import advance
from app.domain.errors import Conflict, Forbidden, InvalidInput, InvalidTransition
from app.domain.lifecycle import abort_release, pause_release, start_release
from app.domain.process import ProcessSpec
from app.domain.release import Release, ReleaseStatus

T0 = datetime(2026, 4, 16, 12, 0, tzinfo=UTC)
MANAGER = User(
    name="rita", teams=("Release Managers",), roles=(Role.RELEASE_MANAGER,), created_at=T0
)


def act(key: str, kind: str = "CHECKPOINT", **fields: Any) -> dict[str, Any]:
    return {"key": key, "name": key, "kind": kind, **fields}


def running(
    *phases: dict[str, Any],
    inputs: list[dict[str, Any]] | None = None,
    values: dict[str, Any] | None = None,
) -> Release:
    spec = ProcessSpec.model_validate({"name": "p", "inputs": inputs or [], "phases": phases})
    draft = Release(
        id="rel_1",
        name="r",
        process_id="prc_1",
        process_version=1,
        plan=spec,
        overrides=values or {},
        created_by="rita",
        created_at=T0,
        updated_at=T0,
    )
    return start_release(draft, actor="rita", now=T0)


def statuses(release: Release) -> dict[str, str]:
    return {k: s.status.value for k, s in release.activity_states.items()}


def test_a_chain_of_checkpoints_completes_in_one_pass() -> None:
    release = running(
        {"key": "a", "name": "A", "activities": [act("a1"), act("a2", depends_on=["a1"])]},
        {"key": "b", "name": "B", "depends_on": ["a"], "activities": [act("b1")]},
    )
    decided = advance(release, T0)
    assert statuses(decided.release) == {"a1": "SUCCEEDED", "a2": "SUCCEEDED", "b1": "SUCCEEDED"}
    assert decided.release.status is ReleaseStatus.COMPLETED
    assert decided.release.outcome is not None
    assert decided.release.outcome.value == "SUCCESS"
    assert {p.status.value for p in decided.release.phase_states.values()} == {"SUCCEEDED"}
    assert decided.notifications[-1].kind == "RELEASE_ENDED"
    # Deciding again changes nothing.
    assert advance(decided.release, T0).release.revision == decided.release.revision


def test_independent_activities_start_together_and_dependants_wait() -> None:
    release = running(
        {
            "key": "p",
            "name": "P",
            "activities": [
                act("x", "HTTP", config={"url": "http://x"}),
                act("y", "HTTP", config={"url": "http://y"}),
                act("z", depends_on=["x", "y"]),
            ],
        }
    )
    decided = advance(release, T0)
    assert statuses(decided.release) == {"x": "QUEUED", "y": "QUEUED", "z": "PENDING"}
    assert {(r.activity_key, r.attempt) for r in decided.runs} == {("x", 1), ("y", 1)}
    assert decided.release.status is ReleaseStatus.RUNNING


def _run(release: Release, key: str, *, ok: bool, now: datetime, **result: Any) -> Release:
    state = release.activity_state(key)
    started = begin_attempt(release, key, state.next_attempt, now)
    assert started is not None
    finished = finish_attempt(started, key, state.next_attempt, now, ok=ok, **result)
    assert finished is not None
    return advance(finished.release, now).release


def test_attempts_run_once_and_record_outputs() -> None:
    release = advance(
        running(
            {"key": "p", "name": "P", "activities": [act("x", "HTTP", config={"url": "http://x"})]}
        ),
        T0,
    ).release
    started = begin_attempt(release, "x", 1, T0)
    assert started is not None
    assert begin_attempt(started, "x", 1, T0) is None  # a duplicate job does nothing
    finished = finish_attempt(started, "x", 1, T0, ok=True, output={"build": 7})
    assert finished is not None
    done = advance(finished.release, T0).release
    assert done.activity_state("x").output == {"build": 7}
    assert done.status is ReleaseStatus.COMPLETED


def test_failures_retry_with_backoff_then_hold_for_a_decision() -> None:
    release = advance(
        running(
            {
                "key": "p",
                "name": "P",
                "activities": [
                    act(
                        "x",
                        "HTTP",
                        config={"url": "http://x"},
                        retry={"max_attempts": 2, "backoff": "30s"},
                    )
                ],
            }
        ),
        T0,
    ).release
    once = _run(release, "x", ok=False, error="503", now=T0)
    state = once.activity_state("x")
    assert state.status.value == "QUEUED"
    assert state.retry_at == T0 + timedelta(seconds=30)
    assert begin_attempt(once, "x", 2, T0) is None  # not before the backoff
    later = T0 + timedelta(seconds=31)
    twice = _run(once, "x", ok=False, error="503 again", now=later)
    assert twice.activity_state("x").status.value == "FAILED"
    assert [a.error for a in twice.activity_state("x").attempts] == ["503", "503 again"]
    assert twice.status is ReleaseStatus.ON_HOLD

    retried = actions.retry_activity(twice, "x", user=MANAGER, inputs=None, now=later)
    again = advance(retried, later)
    assert again.release.activity_state("x").status.value == "QUEUED"
    assert again.runs[0].attempt == 3
    assert again.release.status is ReleaseStatus.RUNNING


def test_ignored_failures_let_the_flow_go_on_as_partial_success() -> None:
    release = advance(
        running(
            {
                "key": "p",
                "name": "P",
                "activities": [
                    act("x", "HTTP", config={"url": "http://x"}),
                    act("y", depends_on=["x"]),
                ],
            }
        ),
        T0,
    ).release
    failed = _run(release, "x", ok=False, error="boom", now=T0)
    assert failed.status is ReleaseStatus.ON_HOLD
    ignored = actions.ignore_activity(
        failed, "x", user=MANAGER, output={"v": 1}, comment="ok", now=T0
    )
    done = advance(ignored, T0).release
    assert statuses(done) == {"x": "IGNORED", "y": "SUCCEEDED"}
    assert done.status is ReleaseStatus.COMPLETED
    assert done.outcome is not None
    assert done.outcome.value == "PARTIAL_SUCCESS"


def test_aborting_after_an_unrecovered_failure_is_a_failed_release() -> None:
    release = advance(
        running(
            {"key": "p", "name": "P", "activities": [act("x", "HTTP", config={"url": "http://x"})]}
        ),
        T0,
    ).release
    failed = _run(release, "x", ok=False, error="boom", now=T0)
    aborted = abort_release(failed, actor="rita", now=T0, reason="give up")
    assert aborted.outcome is not None
    assert aborted.outcome.value == "FAILED"


def test_timeouts_fail_running_attempts() -> None:
    release = advance(
        running(
            {
                "key": "p",
                "name": "P",
                "activities": [act("x", "HTTP", config={"url": "http://x"}, timeout="PT5M")],
            }
        ),
        T0,
    ).release
    started = begin_attempt(release, "x", 1, T0)
    assert started is not None
    waiting = advance(started, T0 + timedelta(minutes=1))
    assert waiting.wake_at == T0 + timedelta(minutes=5)
    late = advance(started, T0 + timedelta(minutes=6)).release
    assert late.activity_state("x").status.value == "FAILED"
    assert "timed out" in (late.activity_state("x").error or "")
    closed = late.activity_state("x").attempts[0]
    assert closed.finished_at == T0 + timedelta(minutes=6)
    assert "timed out" in (closed.error or "")
    # The worker that finally answers is too late to change anything.
    assert finish_attempt(late, "x", 1, T0 + timedelta(minutes=7), ok=True) is None


def test_conditions_skip_and_count_as_done() -> None:
    release = running(
        {
            "key": "p",
            "name": "P",
            "activities": [
                act("smoke", condition='${environment} == "PROD"'),
                act("after", depends_on=["smoke"]),
            ],
        },
        inputs=[{"name": "environment", "type": "STRING", "default": "QA"}],
    )
    done = advance(release, T0).release
    assert statuses(done) == {"smoke": "SKIPPED", "after": "SUCCEEDED"}
    assert done.outcome is not None
    assert done.outcome.value == "SUCCESS"


def test_wait_activities_end_at_their_time() -> None:
    release = running(
        {"key": "p", "name": "P", "activities": [act("soak", "WAIT", config={"duration": "PT10M"})]}
    )
    first = advance(release, T0)
    assert first.release.activity_state("soak").status.value == "WAITING"
    assert first.wake_at == T0 + timedelta(minutes=10)
    assert first.release.status is ReleaseStatus.RUNNING  # machines wait; people are not needed
    done = advance(first.release, T0 + timedelta(minutes=10)).release
    assert done.status is ReleaseStatus.COMPLETED


OPS = User(name="olga", teams=("Operations Team",), roles=(Role.MEMBER,), created_at=T0)
QA = User(name="quinn", teams=("QA Team",), roles=(Role.MEMBER,), created_at=T0)


def test_manual_work_holds_the_release_until_signed_off() -> None:
    release = running(
        {
            "key": "p",
            "name": "P",
            "owner": "Operations Team",
            "activities": [
                act(
                    "check",
                    "MANUAL",
                    config={"inputs": [{"name": "reportUrl", "type": "STRING", "required": True}]},
                )
            ],
        }
    )
    waiting = advance(release, T0)
    assert waiting.release.status is ReleaseStatus.ON_HOLD
    assert waiting.notifications[0].kind == "ACTION_REQUIRED"
    assert waiting.notifications[0].recipients == ("Operations Team",)
    with pytest.raises(Forbidden):
        actions.complete_activity(
            waiting.release, "check", user=QA, inputs={}, comment=None, now=T0
        )
    with pytest.raises(InvalidInput) as missing:
        actions.complete_activity(
            waiting.release, "check", user=OPS, inputs={}, comment=None, now=T0
        )
    assert missing.value.problems[0].path == "inputs.reportUrl"
    signed = actions.complete_activity(
        waiting.release,
        "p/check",
        user=OPS,
        inputs={"reportUrl": "https://r"},
        comment="fine",
        now=T0,
    )
    done = advance(signed, T0).release
    assert done.status is ReleaseStatus.COMPLETED
    assert done.activity_state("check").output == {"reportUrl": "https://r"}


def test_approvals_need_listed_distinct_approvers_and_four_eyes() -> None:
    release = running(
        {
            "key": "p",
            "name": "P",
            "activities": [
                act(
                    "gate",
                    "APPROVAL",
                    approvers=["Release Managers", "olga"],
                    required_approvals=2,
                    config={"forbidSelfApproval": True},
                )
            ],
        }
    )
    waiting = advance(release, T0).release
    with pytest.raises(Forbidden):
        actions.decide_approval(waiting, "gate", user=QA, approve=True, comment=None, now=T0)
    with pytest.raises(Forbidden, match="four-eyes"):  # rita started the release
        actions.decide_approval(waiting, "gate", user=MANAGER, approve=True, comment=None, now=T0)
    one = actions.decide_approval(waiting, "gate", user=OPS, approve=True, comment="ok", now=T0)
    assert one.activity_state("gate").status.value == "WAITING"
    with pytest.raises(Conflict):
        actions.decide_approval(one, "gate", user=OPS, approve=True, comment=None, now=T0)
    bob = User(name="bob", teams=("Release Managers",), roles=(Role.MEMBER,), created_at=T0)
    two = actions.decide_approval(one, "gate", user=bob, approve=True, comment=None, now=T0)
    assert advance(two, T0).release.status is ReleaseStatus.COMPLETED


def test_a_rejection_fails_the_approval() -> None:
    release = running(
        {"key": "p", "name": "P", "activities": [act("gate", "APPROVAL", approvers=["olga"])]}
    )
    waiting = advance(release, T0).release
    rejected = actions.decide_approval(
        waiting, "gate", user=OPS, approve=False, comment="not today", now=T0
    )
    state = rejected.activity_state("gate")
    assert state.status.value == "FAILED"
    assert state.error == "rejected by olga: not today"
    assert advance(rejected, T0).release.status is ReleaseStatus.ON_HOLD


def test_approval_deadlines_escalate_or_reject_without_a_machine_timeout() -> None:
    release = running(
        {
            "key": "p",
            "name": "P",
            "activities": [
                act(
                    "gate",
                    "APPROVAL",
                    approvers=["olga"],
                    timeout="PT1M",
                    config={"deadline": "PT1H", "onDeadline": "ESCALATE"},
                ),
                act(
                    "gate2",
                    "APPROVAL",
                    approvers=["olga"],
                    config={"deadline": "PT1H", "onDeadline": "REJECT"},
                ),
            ],
        }
    )
    waiting = advance(release, T0).release
    later = advance(waiting, T0 + timedelta(hours=2))
    assert later.release.activity_state("gate").status.value == "WAITING"  # people, not machines
    assert later.release.activity_state("gate").escalated is True
    assert later.release.activity_state("gate2").status.value == "FAILED"
    assert {n.kind for n in later.notifications} == {"ESCALATION", "ACTIVITY_FAILED"}
    again = advance(later.release, T0 + timedelta(hours=3))
    assert not any(n.kind == "ESCALATION" for n in again.notifications)  # escalated once


def test_paused_releases_start_nothing_new() -> None:
    release = running({"key": "p", "name": "P", "activities": [act("a")]})
    paused = pause_release(release, actor="rita", now=T0)
    assert advance(paused, T0).release.revision == paused.revision


def test_actions_need_a_live_release_and_the_right_state() -> None:
    release = running(
        {"key": "p", "name": "P", "activities": [act("x", "HTTP", config={"url": "http://x"})]}
    )
    with pytest.raises(InvalidTransition):
        actions.retry_activity(release, "x", user=MANAGER, inputs=None, now=T0)
    with pytest.raises(InvalidInput):
        actions.complete_activity(release, "x", user=MANAGER, inputs={}, comment=None, now=T0)
