"""Release groups through the API: cadences, generation, edits, deletion, permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.test_release_lifecycle import _events
from tests.factories import (
    GROUP_FIELDS,
    GROUP_RELEASE_FIELDS,
    create_process,
    create_release_group,
    create_user,
    release_action,
    unique,
)
from tests.graphql_client import Api, GraphQLErrors, codes

READY = {"releaseVersion": "2.1.3"}

GROUP = f"""
query($id: ID!) {{
  releaseGroup(id: $id) {{
    {GROUP_FIELDS}
    upcoming(first: 6)
    releases(first: 50) {{ totalCount edges {{ node {{ {GROUP_RELEASE_FIELDS} }} }} }}
  }}
}}
"""

UPDATE = f"""
mutation($input: UpdateReleaseGroupInput!) {{
  updateReleaseGroup(input: $input) {{
    releaseGroup {{ {GROUP_FIELDS} }}
    createdReleases {{ {GROUP_RELEASE_FIELDS} }}
    updatedReleases {{ {GROUP_RELEASE_FIELDS} }}
    deletedReleaseIds
    keptReleases {{ {GROUP_RELEASE_FIELDS} }}
  }}
}}
"""

DELETE = f"""
mutation($input: DeleteReleaseGroupInput!) {{
  deleteReleaseGroup(input: $input) {{
    deletedId deletedReleaseIds keptReleases {{ {GROUP_RELEASE_FIELDS} }}
  }}
}}
"""


def soon(days: float = 1) -> datetime:
    """A whole minute about `days` from now, in UTC."""
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.replace(second=0, microsecond=0)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def read_group(api: Api, group_id: str) -> dict[str, Any]:
    data = await api.gql(GROUP, {"id": group_id})
    group: dict[str, Any] = data["releaseGroup"]
    return group


async def test_a_weekly_train_generates_its_horizon_of_scheduled_releases(api: Api) -> None:
    process = await create_process(api)
    start = soon()
    created = await create_release_group(
        api,
        process["id"],
        startDate=iso(start),
        nameTemplate="Week {isoweek} Release",
        defaultInputs=READY,
        services=["payments"],
        environments=["PROD"],
        tags=["train"],
    )
    group, releases = created["releaseGroup"], created["createdReleases"]
    assert group["cadence"] == "WEEKLY"
    assert group["rule"] == f"FREQ=WEEKLY;BYDAY={start.strftime('%a')[:2].upper()}"
    assert group["duration"] == "P2D"
    # The default horizon is 8 weeks: occurrences 0..7 weeks after a start one day away.
    assert len(releases) == 8
    starts = [when(r["scheduledStart"]) for r in releases]
    assert starts == [start + timedelta(weeks=i) for i in range(8)]
    first = releases[0]
    assert first["status"] == "SCHEDULED"
    assert first["cadence"] == "RECURRING"
    assert first["name"] == f"Week {start.isocalendar().week} Release"
    assert when(first["scheduledEnd"]) == start + timedelta(days=2)
    assert first["services"] == ["payments"]
    assert first["environments"] == ["PROD"]
    assert first["group"]["id"] == group["id"]
    assert first["autoStart"] is True
    assert first["inputs"]["releaseVersion"] == "2.1.3"
    assert group["generatedThrough"] == releases[-1]["occurrence"]

    again = await read_group(api, group["id"])
    assert again["releases"]["totalCount"] == 8
    assert [when(u) for u in again["upcoming"]] == [start + timedelta(weeks=i) for i in range(6)]
    node = await api.gql(
        "query($id: ID!) { node(id: $id) { id ... on ReleaseGroup { name } } }",
        {"id": group["id"]},
    )
    assert node["node"] == {"id": group["id"], "name": group["name"]}
    listed = await api.gql("{ releaseGroups(first: 10) { totalCount edges { node { id } } } }")
    assert [e["node"]["id"] for e in listed["releaseGroups"]["edges"]] == [group["id"]]
    by_filter = await api.gql(
        "query($f: ReleaseFilter) { releases(filter: $f) { totalCount } }",
        {"f": {"groupId": group["id"]}},
    )
    assert by_filter["releases"]["totalCount"] == 8


async def test_generated_releases_without_required_inputs_are_drafts(api: Api) -> None:
    process = await create_process(api)
    created = await create_release_group(api, process["id"], startDate=iso(soon()))
    assert {r["status"] for r in created["createdReleases"]} == {"DRAFT"}
    draft = created["createdReleases"][0]
    # People fill in the inputs and schedule it themselves.
    await release_action(api, "updateRelease", draft["id"], inputs=READY)
    scheduled = await release_action(api, "scheduleRelease", draft["id"])
    assert scheduled["status"] == "SCHEDULED"


async def test_a_cadence_further_apart_than_the_horizon_still_has_its_next_release(
    api: Api,
) -> None:
    process = await create_process(api)
    start = soon(3)
    created = await create_release_group(
        api, process["id"], cadence="QUARTERLY", startDate=iso(start), defaultInputs=READY
    )
    assert [when(r["occurrence"]) for r in created["createdReleases"]] == [start]
    assert created["releaseGroup"]["rule"] == (
        f"FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY={start.day}"
        if start.day <= 28
        else created["releaseGroup"]["rule"]
    )


async def test_the_reference_text_cadences_through_the_api(api: Api) -> None:
    process = await create_process(api)
    monthly = await create_release_group(
        api,
        process["id"],
        cadence=None,
        rule="FREQ=MONTHLY;BYDAY=1MO",
        timezone="Europe/Berlin",
        startDate="2031-01-01T08:00:00Z",
        duration="PT4H",
    )
    group = await read_group(api, monthly["releaseGroup"]["id"])
    assert group["cadence"] == "MONTHLY"
    assert group["upcoming"][:3] == [
        "2031-01-06T08:00:00+00:00",
        "2031-02-03T08:00:00+00:00",
        "2031-03-03T08:00:00+00:00",
    ]
    quarterly = await create_release_group(
        api,
        process["id"],
        cadence=None,
        rule="RRULE:FREQ=YEARLY;BYMONTH=1,4,7,10;BYDAY=1MO",
        timezone="Europe/Berlin",
        startDate="2031-01-01T08:00:00Z",
        duration="P5D",
        nameTemplate="Security {year} Q{quarter}",
    )
    security = await read_group(api, quarterly["releaseGroup"]["id"])
    assert security["cadence"] == "QUARTERLY"
    assert security["rule"] == "FREQ=YEARLY;BYMONTH=1,4,7,10;BYDAY=1MO"
    # Summer time from 2031-03-30: 09:00 Berlin is 07:00 UTC in April and July.
    assert security["upcoming"][:4] == [
        "2031-01-06T08:00:00+00:00",
        "2031-04-07T07:00:00+00:00",
        "2031-07-07T07:00:00+00:00",
        "2031-10-06T07:00:00+00:00",
    ]
    assert quarterly["createdReleases"][0]["name"] == "Security 2031 Q1"
    end = when(quarterly["createdReleases"][0]["scheduledEnd"])
    assert end == datetime(2031, 1, 11, 8, tzinfo=UTC)  # Mon 09:00 + 5 days: Saturday 09:00


async def test_cadences_follow_local_time_across_daylight_saving_changes(api: Api) -> None:
    process = await create_process(api)
    created = await create_release_group(
        api,
        process["id"],
        timezone="Europe/Berlin",
        startDate="2031-03-20T08:00:00Z",  # Thursday 09:00 CET
    )
    group = await read_group(api, created["releaseGroup"]["id"])
    assert group["upcoming"][:3] == [
        "2031-03-20T08:00:00+00:00",
        "2031-03-27T08:00:00+00:00",
        "2031-04-03T07:00:00+00:00",  # still 09:00 in Berlin, now CEST
    ]
    new_york = await create_release_group(
        api,
        process["id"],
        timezone="America/New_York",
        startDate="2031-10-27T14:00:00Z",  # Monday 10:00 EDT
    )
    ny = await read_group(api, new_york["releaseGroup"]["id"])
    assert ny["upcoming"][:2] == ["2031-10-27T14:00:00+00:00", "2031-11-03T15:00:00+00:00"]


async def test_month_ends_and_leap_years(api: Api) -> None:
    process = await create_process(api)
    created = await create_release_group(
        api, process["id"], cadence="MONTHLY", startDate="2032-01-31T10:00:00Z"
    )
    group = await read_group(api, created["releaseGroup"]["id"])
    assert group["rule"] == "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
    assert [u[:10] for u in group["upcoming"][:4]] == [
        "2032-01-31",
        "2032-02-29",  # 2032 is a leap year
        "2032-03-31",
        "2032-04-30",
    ]


async def test_every_problem_of_a_group_is_reported_at_once(api: Api) -> None:
    process = await create_process(api)
    with pytest.raises(GraphQLErrors) as refused:
        await create_release_group(
            api,
            process["id"],
            cadence="CUSTOM",
            rule="FREQ=MINUTELY;INTERVAL=5",
            timezone="Mars/Olympus",
            startDate=iso(soon()),
            duration="P1Y",
            nameTemplate="Week {week}",
            defaultInputs={"nope": 1},
        )
    error = refused.value.errors[0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    paths = sorted(f["path"] for f in error["extensions"]["fields"])
    assert paths == ["defaultInputs.nope", "duration", "nameTemplate", "rule", "timezone"]
    with pytest.raises(GraphQLErrors) as unknown:
        await create_release_group(
            api, "prc_01J00000000000000000000000", startDate=iso(soon()), rule="FREQ=NOPE"
        )
    fields = {f["path"] for f in unknown.value.errors[0]["extensions"]["fields"]}
    assert fields == {"processId", "rule"}
    with pytest.raises(GraphQLErrors) as never:
        await create_release_group(
            api,
            process["id"],
            cadence="CUSTOM",
            rule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            startDate=iso(soon()),
        )
    assert "never occurs" in never.value.errors[0]["extensions"]["fields"][0]["message"]


async def test_group_writes_need_a_release_manager_and_reads_anyone(api: Api) -> None:
    process = await create_process(api)
    _, member = await create_user(api, "MEMBER")
    with pytest.raises(GraphQLErrors) as refused:
        await create_release_group(api, process["id"], token=member, startDate=iso(soon()))
    assert codes(refused.value.errors) == ["FORBIDDEN"]
    _, manager = await create_user(api, "RELEASE_MANAGER")
    created = await create_release_group(api, process["id"], token=manager, startDate=iso(soon()))
    group_id = created["releaseGroup"]["id"]
    _, viewer = await create_user(api, "VIEWER")
    seen = await api.gql(
        "query($id: ID!) { releaseGroup(id: $id) { id } }", {"id": group_id}, token=viewer
    )
    assert seen["releaseGroup"]["id"] == group_id
    for mutation, payload in (
        (UPDATE, {"id": group_id, "name": "x"}),
        (DELETE, {"id": group_id, "futureReleases": "DELETE"}),
    ):
        errors = await api.errors(mutation, {"input": payload}, token=viewer)
        assert codes(errors) == ["FORBIDDEN"]


async def test_duplicate_names_and_stale_revisions_are_conflicts(api: Api) -> None:
    process = await create_process(api)
    name = unique("Train")
    created = await create_release_group(api, process["id"], name=name, startDate=iso(soon()))
    with pytest.raises(GraphQLErrors) as duplicate:
        await create_release_group(api, process["id"], name=name, startDate=iso(soon()))
    assert codes(duplicate.value.errors) == ["CONFLICT"]
    group = created["releaseGroup"]
    stale = {"id": group["id"], "expectedRevision": group["revision"] + 1, "name": "Other"}
    assert codes(await api.errors(UPDATE, {"input": stale})) == ["CONFLICT"]
    cleared = {"id": group["id"], "name": None, "duration": None}
    errors = await api.errors(UPDATE, {"input": cleared})
    assert sorted(f["path"] for f in errors[0]["extensions"]["fields"]) == ["duration", "name"]


async def test_generation_is_idempotent_when_run_again(api: Api) -> None:
    process = await create_process(api)
    created = await create_release_group(
        api, process["id"], startDate=iso(soon()), defaultInputs=READY
    )
    group = created["releaseGroup"]
    # An edit that changes nothing runs generation again: nothing new.
    again = await api.gql(UPDATE, {"input": {"id": group["id"], "name": group["name"]}})
    result = again["updateReleaseGroup"]
    assert result["createdReleases"] == []
    assert result["updatedReleases"] == []
    assert result["releaseGroup"]["revision"] == group["revision"]
    assert (await read_group(api, group["id"]))["releases"]["totalCount"] == 8


async def test_editing_a_group_changes_its_future_releases_but_keeps_hand_edits(
    api: Api,
) -> None:
    process = await create_process(api)
    created = await create_release_group(
        api,
        process["id"],
        startDate=iso(soon()),
        defaultInputs=READY,
        nameTemplate="Train {date}",
    )
    group, releases = created["releaseGroup"], created["createdReleases"]
    edited = await release_action(
        api, "updateRelease", releases[1]["id"], description="moved the notes by hand"
    )
    started = await release_action(api, "startRelease", releases[0]["id"])
    assert started["status"] == "RUNNING"

    changed = await api.gql(
        UPDATE,
        {
            "input": {
                "id": group["id"],
                "nameTemplate": "Release train {date}",
                "defaultInputs": {"releaseVersion": "3.0.0"},
                "environments": ["PROD", "DR"],
            }
        },
    )
    result = changed["updateReleaseGroup"]
    assert result["releaseGroup"]["version"] == group["version"] + 1
    updated = {r["id"]: r for r in result["updatedReleases"]}
    untouched = [r["id"] for r in releases[2:]]
    assert sorted(updated) == sorted(untouched)
    for release in updated.values():
        assert release["name"].startswith("Release train ")
        assert release["inputs"]["releaseVersion"] == "3.0.0"
        assert release["environments"] == ["PROD", "DR"]
        assert release["status"] == "SCHEDULED"
    assert [r["id"] for r in result["keptReleases"]] == [edited["id"]]
    kept = result["keptReleases"][0]
    assert kept["name"] == releases[1]["name"]
    assert kept["inputs"]["releaseVersion"] == "2.1.3"
    note = (await _events(api, edited["id"]))[-1]
    assert note["type"] == "RELEASE_UPDATED"
    assert note["data"]["kept"] is True
    assert "edited by hand" in note["message"]
    regenerated = (await _events(api, releases[3]["id"]))[-1]
    assert regenerated["actor"] == "system"
    assert set(regenerated["data"]["fields"]) >= {"name", "inputs", "environments"}
    # The started release is never touched.
    running = await api.gql(
        "query($id: ID!) { release(id: $id) { name status } }", {"id": releases[0]["id"]}
    )
    assert running["release"] == {"name": releases[0]["name"], "status": "RUNNING"}

    # A new rule moves the occurrences: untouched future releases are replaced.
    start = when(group["startDate"])
    moved = await api.gql(
        UPDATE, {"input": {"id": group["id"], "startDate": iso(start + timedelta(days=1))}}
    )
    shifted = moved["updateReleaseGroup"]
    assert sorted(shifted["deletedReleaseIds"]) == sorted(untouched)
    assert len(shifted["createdReleases"]) == 8
    assert shifted["releaseGroup"]["rule"] != group["rule"]  # the preset followed the start
    assert [r["id"] for r in shifted["keptReleases"]] == [kept["id"]]  # hand edits stay
    gone = await api.gql("query($id: ID!) { release(id: $id) { id } }", {"id": untouched[0]})
    assert gone["release"] is None


async def test_one_occurrence_can_have_inputs_of_its_own(api: Api) -> None:
    process = await create_process(api)
    created = await create_release_group(
        api, process["id"], startDate=iso(soon()), defaultInputs=READY
    )
    group, releases = created["releaseGroup"], created["createdReleases"]
    special = releases[2]["occurrence"]
    changed = await api.gql(
        UPDATE,
        {
            "input": {
                "id": group["id"],
                "occurrenceInputs": [{"occurrence": special, "inputs": {"environment": "PROD"}}],
            }
        },
    )
    by_id = {r["id"]: r for r in changed["updateReleaseGroup"]["updatedReleases"]}
    assert by_id[releases[2]["id"]]["inputs"] == {"releaseVersion": "2.1.3", "environment": "PROD"}
    assert by_id[releases[3]["id"]]["inputs"]["environment"] == "QA"
    assert changed["updateReleaseGroup"]["releaseGroup"]["occurrenceInputs"] == [
        {"occurrence": special, "inputs": {"environment": "PROD"}}
    ]
    wrong = when(special) + timedelta(hours=1)
    errors = await api.errors(
        UPDATE,
        {
            "input": {
                "id": group["id"],
                "occurrenceInputs": [{"occurrence": iso(wrong), "inputs": {}}],
            }
        },
    )
    assert errors[0]["extensions"]["fields"][0]["path"] == "occurrenceInputs[0].occurrence"


async def test_deleting_a_group_keeps_or_deletes_its_future_releases(api: Api) -> None:
    process = await create_process(api)
    keep = await create_release_group(
        api, process["id"], startDate=iso(soon()), defaultInputs=READY
    )
    kept = await api.gql(
        DELETE, {"input": {"id": keep["releaseGroup"]["id"], "futureReleases": "KEEP"}}
    )
    assert kept["deleteReleaseGroup"]["deletedReleaseIds"] == []
    assert len(kept["deleteReleaseGroup"]["keptReleases"]) == 8
    survivor = keep["createdReleases"][0]["id"]
    still = await api.gql(
        "query($id: ID!) { release(id: $id) { status group { id } } }", {"id": survivor}
    )
    assert still["release"] == {"status": "SCHEDULED", "group": None}

    drop = await create_release_group(
        api, process["id"], startDate=iso(soon()), defaultInputs=READY
    )
    running = drop["createdReleases"][0]["id"]
    await release_action(api, "startRelease", running)
    dropped = await api.gql(
        DELETE, {"input": {"id": drop["releaseGroup"]["id"], "futureReleases": "DELETE"}}
    )
    deleted = dropped["deleteReleaseGroup"]["deletedReleaseIds"]
    assert sorted(deleted) == sorted(r["id"] for r in drop["createdReleases"][1:])
    started = await api.gql("query($id: ID!) { release(id: $id) { status } }", {"id": running})
    assert started["release"]["status"] == "RUNNING"
    assert await api.gql(
        "query($id: ID!) { releaseGroup(id: $id) { id } }", {"id": drop["releaseGroup"]["id"]}
    ) == {"releaseGroup": None}
    gone = await api.errors(DELETE, {"input": {"id": drop["releaseGroup"]["id"]}})
    assert codes(gone) == ["NOT_FOUND"]


async def test_an_inactive_group_generates_nothing_until_activated(api: Api) -> None:
    process = await create_process(api)
    created = await create_release_group(
        api, process["id"], startDate=iso(soon()), defaultInputs=READY, active=False
    )
    assert created["createdReleases"] == []
    activated = await api.gql(
        UPDATE, {"input": {"id": created["releaseGroup"]["id"], "active": True}}
    )
    assert len(activated["updateReleaseGroup"]["createdReleases"]) == 8


async def test_a_process_used_by_a_group_cannot_be_deleted(api: Api) -> None:
    process = await create_process(api)
    await create_release_group(api, process["id"], startDate=iso(soon()), active=False)
    errors = await api.errors(
        "mutation($input: DeleteProcessInput!) { deleteProcess(input: $input) { deletedId } }",
        {"input": {"id": process["id"]}},
    )
    assert codes(errors) == ["CONFLICT"]
