"""The release lifecycle through the API: every action, the illegal ones, the audit trail."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.test_releases import in_hours, iso
from tests.factories import create_process, create_release, release_action
from tests.graphql_client import Api, GraphQLErrors, codes

EVENTS = """query($id: ID!, $first: Int, $after: String) { release(id: $id) {
  events(first: $first, after: $after) { totalCount
    edges { cursor node { seq type actor from to message data phaseKey activityKey } }
    pageInfo { hasNextPage endCursor } } } }"""


async def _ready_release(api: Api, **fields: Any) -> dict[str, Any]:
    process = await create_process(api)
    return await create_release(api, process["id"], inputs={"releaseVersion": "2.1.3"}, **fields)


async def _events(api: Api, release_id: str) -> list[dict[str, Any]]:
    data = await api.gql(EVENTS, {"id": release_id, "first": 100})
    return [e["node"] for e in data["release"]["events"]["edges"]]


async def _refused(api: Api, mutation: str, release_id: str, **fields: Any) -> dict[str, Any]:
    with pytest.raises(GraphQLErrors) as refused:
        await release_action(api, mutation, release_id, **fields)
    return refused.value.errors[0]


async def test_draft_to_scheduled_to_running_to_aborted(api: Api) -> None:
    release = await _ready_release(api)
    updated = await release_action(
        api, "updateRelease", release["id"], description="v2", services=["payments"]
    )
    assert updated["description"] == "v2"
    assert updated["revision"] == 2

    start = in_hours(2)
    scheduled = await release_action(
        api, "scheduleRelease", release["id"], scheduledStart=start, duration="PT2H"
    )
    assert scheduled["status"] == "SCHEDULED"
    assert scheduled["cadence"] == "SCHEDULED"
    assert scheduled["scheduledStart"] == start
    assert scheduled["scheduledEnd"] == iso(datetime.fromisoformat(start) + timedelta(hours=2))
    assert scheduled["phases"][0]["activities"][0]["waitingOn"][0].startswith(
        "the release has not started: it is SCHEDULED"
    )

    started = await release_action(api, "startRelease", release["id"])  # pre-execute
    assert started["status"] == "RUNNING"
    assert started["startedAt"] is not None
    assert all(a["status"] == "PENDING" for p in started["phases"] for a in p["activities"])

    paused = await release_action(api, "pauseRelease", release["id"], reason="hold on")
    assert (paused["status"], paused["paused"]) == ("ON_HOLD", True)
    resumed = await release_action(api, "resumeRelease", release["id"])
    assert (resumed["status"], resumed["paused"]) == ("RUNNING", False)

    aborted = await release_action(api, "abortRelease", release["id"], reason="bad build")
    assert (aborted["status"], aborted["outcome"]) == ("COMPLETED", "ABORTED")
    assert {a["status"] for p in aborted["phases"] for a in p["activities"]} == {"ABORTED"}
    assert aborted["completedAt"] is not None

    events = await _events(api, release["id"])
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    types = [e["type"] for e in events]
    assert types[:5] == [
        "RELEASE_CREATED",
        "RELEASE_UPDATED",
        "RELEASE_SCHEDULED",
        "RELEASE_STARTED",
        "RELEASE_PAUSED",
    ]
    assert types[-1] == "RELEASE_ABORTED"
    assert "ACTIVITY_STATUS_CHANGED" in types
    assert "PHASE_STATUS_CHANGED" in types
    by_type = {e["type"]: e for e in events}
    assert by_type["RELEASE_SCHEDULED"]["from"] == "DRAFT"
    assert by_type["RELEASE_SCHEDULED"]["to"] == "SCHEDULED"
    assert by_type["RELEASE_STARTED"]["data"]["preExecuted"] is True
    assert by_type["RELEASE_ABORTED"]["message"] == "bad build"
    assert all(e["actor"] == "admin" for e in events)
    activity_events = [e for e in events if e["type"] == "ACTIVITY_STATUS_CHANGED"]
    assert {(e["activityKey"], e["from"], e["to"]) for e in activity_events} == {
        ("compile", "PENDING", "ABORTED"),
        ("deploy", "PENDING", "ABORTED"),
    }


async def test_on_demand_start_from_draft_and_cancel_of_scheduled(api: Api) -> None:
    on_demand = await _ready_release(api)
    started = await release_action(api, "startRelease", on_demand["id"])
    assert started["status"] == "RUNNING"
    assert started["cadence"] == "ON_DEMAND"

    planned = await _ready_release(api)
    await release_action(api, "scheduleRelease", planned["id"], scheduledStart=in_hours(5))
    cancelled = await release_action(api, "cancelRelease", planned["id"], reason="moved")
    assert (cancelled["status"], cancelled["outcome"]) == ("COMPLETED", "ABORTED")
    assert (await _events(api, planned["id"]))[-1]["type"] == "RELEASE_CANCELLED"


async def test_scheduled_releases_lock_inputs_but_not_the_window(api: Api) -> None:
    release = await _ready_release(api)
    await release_action(api, "scheduleRelease", release["id"], scheduledStart=in_hours(5))
    moved = await release_action(
        api,
        "updateRelease",
        release["id"],
        scheduledStart=in_hours(6),
        description="later",
        tags=["moved"],
        owners=[{"phaseKey": "build", "owner": "Night Shift"}],
        links=[{"kind": "RUNBOOK", "url": "https://wiki/rb"}],
    )
    assert moved["description"] == "later"
    assert moved["owners"][0]["owner"] == "Night Shift"
    for locked in (
        {"inputs": {"releaseVersion": "9.9.9"}},
        {"name": "renamed"},
        {"services": ["x"]},
    ):
        error = await _refused(api, "updateRelease", release["id"], **locked)
        assert error["extensions"]["code"] == "INVALID_TRANSITION", locked
        assert error["extensions"]["from"] == "SCHEDULED"
        assert error["extensions"]["action"] == "update"
    after = await api.gql(
        "query($id: ID!) { release(id: $id) { inputs name } }", {"id": release["id"]}
    )
    assert after["release"]["inputs"]["releaseVersion"] == "2.1.3"


ILLEGAL: list[tuple[str, str, dict[str, Any]]] = [
    ("DRAFT", "resumeRelease", {}),
    ("DRAFT", "pauseRelease", {}),
    ("DRAFT", "abortRelease", {"reason": "x"}),
    ("DRAFT", "cancelRelease", {}),
    ("SCHEDULED", "scheduleRelease", {"scheduledStart": in_hours(9)}),
    ("SCHEDULED", "pauseRelease", {}),
    ("SCHEDULED", "abortRelease", {"reason": "x"}),
    ("RUNNING", "startRelease", {}),
    ("RUNNING", "scheduleRelease", {"scheduledStart": in_hours(9)}),
    ("RUNNING", "cancelRelease", {}),
    ("RUNNING", "resumeRelease", {}),
    ("RUNNING", "updateRelease", {"description": "x"}),
    ("COMPLETED", "startRelease", {}),
    ("COMPLETED", "abortRelease", {"reason": "x"}),
    ("COMPLETED", "updateRelease", {"description": "x"}),
]


async def _in_status(api: Api, status: str) -> dict[str, Any]:
    release = await _ready_release(api)
    if status == "SCHEDULED":
        await release_action(api, "scheduleRelease", release["id"], scheduledStart=in_hours(5))
    elif status == "RUNNING":
        await release_action(api, "startRelease", release["id"])
    elif status == "COMPLETED":
        await release_action(api, "startRelease", release["id"])
        await release_action(api, "abortRelease", release["id"], reason="done")
    return release


@pytest.mark.parametrize(("status", "mutation", "fields"), ILLEGAL)
async def test_illegal_actions_name_the_status_and_action(
    api: Api, status: str, mutation: str, fields: dict[str, Any]
) -> None:
    release = await _in_status(api, status)
    before = await _events(api, release["id"])
    error = await _refused(api, mutation, release["id"], **fields)
    assert error["extensions"]["code"] == "INVALID_TRANSITION"
    assert error["extensions"]["from"] == status
    assert status in error["message"]
    assert await _events(api, release["id"]) == before


async def test_delete_only_drafts_and_keep_their_trail(api: Api) -> None:
    release = await _ready_release(api)
    deleted = await api.gql(
        "mutation($id: ID!) { deleteRelease(input: {id: $id}) { deletedId } }",
        {"id": release["id"]},
    )
    assert deleted["deleteRelease"]["deletedId"] == release["id"]
    gone = await api.gql("query($id: ID!) { release(id: $id) { id } }", {"id": release["id"]})
    assert gone["release"] is None

    running = await _in_status(api, "RUNNING")
    errors = await api.errors(
        "mutation($id: ID!) { deleteRelease(input: {id: $id}) { deletedId } }",
        {"id": running["id"]},
    )
    assert codes(errors) == ["INVALID_TRANSITION"]


async def test_stale_revisions_are_conflicts(api: Api) -> None:
    release = await _ready_release(api)
    await release_action(
        api, "updateRelease", release["id"], description="first", expectedRevision=1
    )
    error = await _refused(
        api, "updateRelease", release["id"], description="lost", expectedRevision=1
    )
    assert error["extensions"]["code"] == "CONFLICT"
    error = await _refused(api, "startRelease", release["id"], expectedRevision=1)
    assert error["extensions"]["code"] == "CONFLICT"
    current = await api.gql(
        "query($id: ID!) { release(id: $id) { description revision } }", {"id": release["id"]}
    )
    assert current["release"] == {"description": "first", "revision": 2}


async def test_concurrent_conflicting_actions_never_both_win(api: Api) -> None:
    release = await _ready_release(api)
    await release_action(api, "scheduleRelease", release["id"], scheduledStart=in_hours(5))

    async def attempt(action: Callable[[], Awaitable[dict[str, Any]]]) -> str:
        try:
            return str((await action())["status"])
        except GraphQLErrors as refused:
            return str(refused.errors[0]["extensions"]["code"])

    outcomes = await asyncio.gather(
        *[attempt(lambda: release_action(api, "startRelease", release["id"])) for _ in range(6)],
        *[attempt(lambda: release_action(api, "cancelRelease", release["id"])) for _ in range(6)],
    )
    winners = [o for o in outcomes if o in ("RUNNING", "COMPLETED")]
    assert len(winners) == 1, outcomes
    assert set(outcomes) - set(winners) == {"INVALID_TRANSITION"}
    events = await _events(api, release["id"])
    assert [e["type"] for e in events].count("RELEASE_STARTED") + [e["type"] for e in events].count(
        "RELEASE_CANCELLED"
    ) == 1


async def test_events_page_with_cursors(api: Api) -> None:
    release = await _ready_release(api)
    for i in range(4):
        await release_action(api, "updateRelease", release["id"], description=f"d{i}")
    first = await api.gql(EVENTS, {"id": release["id"], "first": 2})
    page = first["release"]["events"]
    assert page["totalCount"] == 5
    assert [e["node"]["seq"] for e in page["edges"]] == [1, 2]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await api.gql(
        EVENTS, {"id": release["id"], "first": 10, "after": page["pageInfo"]["endCursor"]}
    )
    assert [e["node"]["seq"] for e in rest["release"]["events"]["edges"]] == [3, 4, 5]
    assert rest["release"]["events"]["edges"][0]["node"]["data"] == {"fields": ["description"]}


REVIEW = (
    """query($id: ID!) { releaseReview(id: $id) { ready checks { name ok severity message } } }"""
)


async def test_review_before_execution(api: Api) -> None:
    process = await create_process(api)
    start = datetime.now(UTC) + timedelta(days=3)
    window = {"scheduledStart": iso(start), "duration": "PT4H"}
    other = await create_release(
        api,
        process["id"],
        name="search-v9-prod-deploy",
        services=["payments"],
        inputs={"releaseVersion": "9.0.0"},
        **window,
    )
    await release_action(api, "scheduleRelease", other["id"])
    vague = await create_release(
        api, process["id"], name="release-1", services=["payments"], **window
    )
    review = (await api.gql(REVIEW, {"id": vague["id"]}))["releaseReview"]
    checks = {c["name"]: c for c in review["checks"]}
    assert review["ready"] is False
    assert not checks["inputs"]["ok"]
    assert checks["inputs"]["severity"] == "ERROR"
    assert "releaseVersion" in checks["inputs"]["message"]
    assert not checks["naming"]["ok"]
    assert not checks["conflicts"]["ok"]
    assert "search-v9-prod-deploy" in checks["conflicts"]["message"]
    assert "payments" in checks["conflicts"]["message"]
    assert not checks["description"]["ok"]
    assert checks["owners"]["ok"]

    good = await create_release(
        api,
        process["id"],
        name="payments-service-v2.1.3-production-deploy",
        version="2.1.3",
        services=["payments"],
        environments=["production"],
        inputs={"releaseVersion": "2.1.3"},
        scheduledStart=in_hours(24 * 10),
        context={"purpose": "p", "scope": "s", "risks": "r", "rollbackPlan": "b"},
    )
    review = (await api.gql(REVIEW, {"id": good["id"]}))["releaseReview"]
    assert review["ready"] is True, review
    assert all(c["ok"] for c in review["checks"]), review


async def test_error_checks_block_scheduling(api: Api) -> None:
    process = await create_process(api)
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    error = await _refused(
        api,
        "scheduleRelease",
        release["id"],
        scheduledStart=iso(datetime.now(UTC) - timedelta(hours=3)),
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    error = await _refused(api, "scheduleRelease", release["id"])
    assert error["extensions"]["code"] == "BAD_USER_INPUT"  # no start at all
