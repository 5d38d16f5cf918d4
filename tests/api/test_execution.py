"""Releases run on arq workers against real Redis: the lifecycle of the reference text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.api.test_release_lifecycle import _events
from tests.factories import activity, create_process, create_release, create_user, phase, unique
from tests.graphql_client import Api, codes

RunWorker = Callable[[], Awaitable[None]]

STATE = """query($id: ID!) { release(id: $id) { status outcome revision
  phases { key status activities { key status attempts error output waitingOn
    approvals { user decision comment } } } } }"""

PENDING = """{ pendingActions { kind phaseKey activityKey activityName instructions
  release { id name } } }"""


def _activities(release: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["key"]: a for p in release["phases"] for a in p["activities"]}


async def _state(api: Api, release_id: str) -> dict[str, Any]:
    data: dict[str, Any] = (await api.gql(STATE, {"id": release_id}))["release"]
    return data


async def _act(api: Api, mutation: str, token: str | None = None, **fields: Any) -> dict[str, Any]:
    input_type = mutation[0].upper() + mutation[1:] + "Input"
    data = await api.gql(
        f"mutation($input: {input_type}!) {{ {mutation}(input: $input) "
        "{ release { status revision } } }",
        {"input": fields},
        token=token,
    )
    result: dict[str, Any] = data[mutation]["release"]
    return result


async def test_the_reference_lifecycle_plays_out(api: Api, run_worker: RunWorker) -> None:
    qa_team = unique("QA Team")
    managers = unique("Release Managers")
    process = await create_process(
        api,
        phases=[
            phase("build", activity("compile"), activity("package", dependsOn=["compile"])),
            phase(
                "testing",
                activity(
                    "qa-signoff",
                    "MANUAL",
                    config={
                        "instructions": "Review the test report",
                        "inputs": [{"name": "reportUrl", "type": "STRING", "required": True}],
                    },
                ),
                owner=qa_team,
                dependsOn=["build"],
            ),
            phase(
                "approval",
                activity(
                    "go",
                    "APPROVAL",
                    approvers=[managers],
                    requiredApprovals=1,
                    config={"forbidSelfApproval": True},
                ),
                dependsOn=["testing"],
            ),
            phase(
                "deployment",
                activity("soak", "WAIT", config={"duration": "PT1S"}),
                activity("smoke", condition='${environment} == "PROD"', dependsOn=["soak"]),
                dependsOn=["approval"],
            ),
        ],
    )
    release = await create_release(api, process["id"], inputs={"releaseVersion": "2.1.3"})
    _, qa_token = await create_user(api, "MEMBER", teams=[qa_team])
    _, manager_token = await create_user(api, "RELEASE_MANAGER", teams=[managers])

    await _act(api, "startRelease", id=release["id"])
    await run_worker()
    state = await _state(api, release["id"])
    acts = _activities(state)
    assert state["status"] == "ON_HOLD"
    assert acts["compile"]["status"] == acts["package"]["status"] == "SUCCEEDED"
    assert acts["qa-signoff"]["status"] == "WAITING"
    assert acts["qa-signoff"]["waitingOn"] == [f"waiting for sign-off by {qa_team}"]
    assert acts["go"]["waitingOn"] == ["phase 'Testing' is WAITING"]

    pending = (await api.gql(PENDING, token=qa_token))["pendingActions"]
    assert [(p["kind"], p["activityKey"], p["instructions"]) for p in pending] == [
        ("SIGN_OFF", "qa-signoff", "Review the test report")
    ]
    errors = await api.errors(
        "mutation($input: CompleteActivityInput!) { completeActivity(input: $input) "
        "{ release { status } } }",
        {"input": {"releaseId": release["id"], "activityKey": "qa-signoff", "inputs": {}}},
        token=qa_token,
    )
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert errors[0]["extensions"]["fields"][0]["path"] == "inputs.reportUrl"
    await _act(
        api,
        "completeActivity",
        token=qa_token,
        releaseId=release["id"],
        activityKey="testing/qa-signoff",
        inputs={"reportUrl": "https://ci/r/1"},
        comment="all green",
    )
    await run_worker()
    state = await _state(api, release["id"])
    assert _activities(state)["qa-signoff"]["output"] == {"reportUrl": "https://ci/r/1"}
    assert _activities(state)["go"]["status"] == "WAITING"
    assert (await api.gql(PENDING, token=qa_token))["pendingActions"] == []
    pending = (await api.gql(PENDING, token=manager_token))["pendingActions"]
    assert [(p["kind"], p["activityKey"]) for p in pending] == [("APPROVAL", "go")]

    errors = await api.errors(
        "mutation($input: ApproveActivityInput!) { approveActivity(input: $input) "
        "{ release { status } } }",
        {"input": {"releaseId": release["id"], "activityKey": "go"}},
        token=qa_token,
    )
    assert codes(errors) == ["FORBIDDEN"]
    await _act(
        api,
        "approveActivity",
        token=manager_token,
        releaseId=release["id"],
        activityKey="go",
        comment="ship it",
    )
    await run_worker()  # the WAIT holds the worker for a second, then it finishes
    state = await _state(api, release["id"])
    acts = _activities(state)
    assert state["status"] == "COMPLETED"
    assert state["outcome"] == "SUCCESS"
    assert acts["soak"]["status"] == "SUCCEEDED"
    assert acts["smoke"]["status"] == "SKIPPED"
    assert acts["go"]["approvals"] == [
        {"user": acts["go"]["approvals"][0]["user"], "decision": "APPROVED", "comment": "ship it"}
    ]

    types = [e["type"] for e in await _events(api, release["id"])]
    for expected in (
        "RELEASE_STARTED",
        "RELEASE_ON_HOLD",
        "ACTIVITY_COMPLETED_MANUALLY",
        "ACTIVITY_APPROVED",
        "NOTIFICATION_SENT",
        "RELEASE_COMPLETED",
    ):
        assert expected in types, expected
    assert types.index("RELEASE_COMPLETED") > types.index("ACTIVITY_APPROVED")


async def test_rejections_hold_the_release_for_retry_or_abort(
    api: Api, run_worker: RunWorker
) -> None:
    process = await create_process(
        api, phases=[phase("gate", activity("go", "APPROVAL", approvers=["admin"]))]
    )
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    await _act(api, "startRelease", id=release["id"])
    await run_worker()
    await _act(
        api, "rejectActivity", releaseId=release["id"], activityKey="go", comment="missing notes"
    )
    await run_worker()
    state = await _state(api, release["id"])
    go = _activities(state)["go"]
    assert state["status"] == "ON_HOLD"
    assert go["status"] == "FAILED"
    assert go["error"] == "rejected by admin: missing notes"
    pending = (await api.gql(PENDING))["pendingActions"]
    assert [(p["kind"], p["activityKey"]) for p in pending] == [("FAILURE", "go")]

    await _act(api, "retryActivity", releaseId=release["id"], activityKey="go")
    await run_worker()
    state = await _state(api, release["id"])
    assert _activities(state)["go"]["status"] == "WAITING"
    aborted = await _act(api, "abortRelease", id=release["id"], reason="not this week")
    assert aborted["status"] == "COMPLETED"
    final = await _state(api, release["id"])
    assert final["outcome"] == "ABORTED"


async def test_ignoring_a_failure_completes_as_partial_success(
    api: Api, run_worker: RunWorker
) -> None:
    process = await create_process(
        api,
        phases=[
            phase(
                "p",
                activity("gate", "APPROVAL", approvers=["admin"]),
                activity("after", dependsOn=["gate"]),
            )
        ],
    )
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    await _act(api, "startRelease", id=release["id"])
    await run_worker()
    await _act(api, "rejectActivity", releaseId=release["id"], activityKey="gate")
    errors = await api.errors(
        "mutation($input: IgnoreActivityInput!) { ignoreActivity(input: $input) "
        "{ release { status } } }",
        {"input": {"releaseId": release["id"], "activityKey": "after"}},
    )
    assert codes(errors) == ["INVALID_TRANSITION"]
    await _act(
        api,
        "ignoreActivity",
        releaseId=release["id"],
        activityKey="gate",
        output={"approvedBy": "nobody"},
        comment="approved by phone",
    )
    await run_worker()
    state = await _state(api, release["id"])
    assert (state["status"], state["outcome"]) == ("COMPLETED", "PARTIAL_SUCCESS")
    assert _activities(state)["gate"]["status"] == "IGNORED"
    assert _activities(state)["after"]["status"] == "SUCCEEDED"


async def test_paused_releases_start_no_new_work(api: Api, run_worker: RunWorker) -> None:
    process = await create_process(
        api, phases=[phase("p", activity("a"), activity("b", dependsOn=["a"]))]
    )
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    await _act(api, "startRelease", id=release["id"])
    await _act(api, "pauseRelease", id=release["id"], reason="freeze")
    await run_worker()
    state = await _state(api, release["id"])
    assert state["status"] == "ON_HOLD"
    assert {a["status"] for a in _activities(state).values()} == {"PENDING"}
    assert "the release is paused" in _activities(state)["a"]["waitingOn"]
    await _act(api, "resumeRelease", id=release["id"])
    await run_worker()
    assert (await _state(api, release["id"]))["status"] == "COMPLETED"
