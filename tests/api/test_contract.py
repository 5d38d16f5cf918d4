"""Clients written against API.md work as written: no input it leaves out is required."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.api.test_release_groups import DELETE, READY, soon
from tests.api.test_releases import iso
from tests.factories import create_process, create_release, create_release_group, release_action
from tests.graphql_client import Api, codes

CLONE = """mutation($input: CloneReleaseInput!) {
  cloneRelease(input: $input) { release { id name status } } }"""
PAGE = """query($id: ID!, $last: Int, $before: String) { release(id: $id) {
  events(last: $last, before: $before) { totalCount
    edges { cursor node { seq } } pageInfo { hasNextPage hasPreviousPage startCursor } } } }"""


async def _running(api: Api) -> dict[str, Any]:
    process = await create_process(api)
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    return await release_action(api, "startRelease", release["id"])


async def test_abort_release_needs_no_reason(api: Api) -> None:
    release = await _running(api)
    aborted = await release_action(api, "abortRelease", release["id"])
    assert (aborted["status"], aborted["outcome"]) == ("COMPLETED", "ABORTED")


async def test_delete_release_group_with_only_its_id_keeps_future_releases(api: Api) -> None:
    process = await create_process(api)
    group = await create_release_group(
        api, process["id"], startDate=iso(soon()), defaultInputs=READY
    )
    deleted = await api.gql(DELETE, {"input": {"id": group["releaseGroup"]["id"]}})
    assert deleted["deleteReleaseGroup"]["deletedReleaseIds"] == []
    kept = group["createdReleases"][0]["id"]
    found = await api.gql("query($id: ID!) { release(id: $id) { status } }", {"id": kept})
    assert found["release"]["status"] == "SCHEDULED"


async def test_clone_release_with_only_its_id_and_a_revision_guard(api: Api) -> None:
    source = await _running(api)
    clone = (await api.gql(CLONE, {"input": {"id": source["id"]}}))["cloneRelease"]["release"]
    assert (clone["name"], clone["status"]) == (f"{source['name']} (copy)", "DRAFT")
    stale = {"id": source["id"], "expectedRevision": source["revision"] - 1}
    assert codes(await api.errors(CLONE, {"input": stale})) == ["CONFLICT"]


async def test_update_release_takes_a_duration_from_the_new_or_current_start(api: Api) -> None:
    process = await create_process(api)
    start = datetime.fromisoformat(iso(soon()))
    release = await create_release(api, process["id"], scheduledStart=iso(start))
    longer = await release_action(api, "updateRelease", release["id"], duration="PT4H")
    assert datetime.fromisoformat(longer["scheduledEnd"]) == start + timedelta(hours=4)
    later = start + timedelta(days=1)
    moved = await release_action(
        api, "updateRelease", release["id"], scheduledStart=iso(later), duration="P1D"
    )
    assert datetime.fromisoformat(moved["scheduledEnd"]) == later + timedelta(days=1)
    both = {"id": release["id"], "scheduledEnd": iso(later), "duration": "PT1H"}
    errors = await api.errors(
        "mutation($input: UpdateReleaseInput!) { updateRelease(input: $input) { release { id } } }",
        {"input": both},
    )
    assert errors[0]["extensions"]["fields"][0]["path"] == "duration"


async def test_explicit_nulls_mean_the_documented_defaults(api: Api) -> None:
    process = await create_process(api)
    await create_release(api, process["id"], scheduledStart=iso(soon()))
    listed = await api.gql(
        "query($p: ID) { releases(filter: {processId: $p, includeArchived: null}) { totalCount } }",
        {"p": process["id"]},
    )
    assert listed["releases"]["totalCount"] == 1
    calendar = await api.gql(
        "query($d: DateTime) { calendar(input: {view: MONTH, date: $d, timezone: null, "
        "includeCompleted: null}) { timezone } }",
        {"d": iso(soon())},
    )
    assert calendar["calendar"]["timezone"] == "UTC"


async def test_the_audit_trail_pages_back_with_last_and_before(api: Api) -> None:
    process = await create_process(api)
    release = await create_release(api, process["id"])
    for i in range(6):
        await release_action(api, "updateRelease", release["id"], description=f"v{i}")  # 2..7
    newest = (await api.gql(PAGE, {"id": release["id"], "last": 3}))["release"]["events"]
    assert [e["node"]["seq"] for e in newest["edges"]] == [5, 6, 7]
    assert newest["pageInfo"]["hasPreviousPage"]
    assert not newest["pageInfo"]["hasNextPage"]
    before = newest["pageInfo"]["startCursor"]
    older = await api.gql(PAGE, {"id": release["id"], "last": 3, "before": before})
    page = older["release"]["events"]
    assert [e["node"]["seq"] for e in page["edges"]] == [2, 3, 4]
    oldest = await api.gql(
        PAGE, {"id": release["id"], "last": 3, "before": page["pageInfo"]["startCursor"]}
    )
    assert [e["node"]["seq"] for e in oldest["release"]["events"]["edges"]] == [1]
    assert not oldest["release"]["events"]["pageInfo"]["hasPreviousPage"]
    mixed = await api.errors(
        "query($id: ID!) { release(id: $id) { events(first: 2, last: 2) { totalCount } } }",
        {"id": release["id"]},
    )
    assert codes(mixed) == ["BAD_USER_INPUT"]
