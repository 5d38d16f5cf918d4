"""The release calendar through the API: views, filters, colours, conflicts, projections."""

from __future__ import annotations

from typing import Any

from app.domain.calendar import PALETTE
from tests.factories import create_process, create_release, create_release_group, release_action
from tests.graphql_client import Api, codes

READY = {"releaseVersion": "2.1.3"}

CALENDAR = """
query($input: CalendarInput!) {
  calendar(input: $input) {
    from to timezone overlaps truncated
    entries {
      releaseId name start end status outcome color conflicting projected occurrence
      release { id name status } group { id }
    }
    conflicts { start end reasons releaseIds releases { id name } }
    days { date releases conflicts }
  }
}
"""


async def calendar(api: Api, **fields: Any) -> dict[str, Any]:
    data = await api.gql(CALENDAR, {"input": fields})
    found: dict[str, Any] = data["calendar"]
    return found


async def planned(
    api: Api, process_id: str, name: str, start: str, end: str, **fields: Any
) -> dict[str, Any]:
    return await create_release(
        api,
        process_id,
        name=name,
        scheduledStart=start,
        scheduledEnd=end,
        inputs=READY,
        **fields,
    )


def names(found: dict[str, Any]) -> list[str]:
    return [entry["name"] for entry in found["entries"]]


async def test_a_month_shows_releases_by_start_coloured_by_status(api: Api) -> None:
    process = await create_process(api)
    day = "2031-06-1"
    draft = await planned(api, process["id"], "draft", f"{day}0T08:00:00Z", f"{day}0T10:00:00Z")
    scheduled = await planned(
        api, process["id"], "scheduled", f"{day}1T08:00:00Z", f"{day}1T10:00:00Z"
    )
    await release_action(api, "scheduleRelease", scheduled["id"])
    running = await planned(api, process["id"], "running", f"{day}2T08:00:00Z", f"{day}2T10:00:00Z")
    await release_action(api, "startRelease", running["id"])
    paused = await planned(api, process["id"], "paused", f"{day}3T08:00:00Z", f"{day}3T10:00:00Z")
    await release_action(api, "startRelease", paused["id"])
    await release_action(api, "pauseRelease", paused["id"])
    aborted = await planned(api, process["id"], "aborted", f"{day}4T08:00:00Z", f"{day}4T10:00:00Z")
    await release_action(api, "startRelease", aborted["id"])
    await release_action(api, "abortRelease", aborted["id"], reason="called off")
    await create_release(api, process["id"], name="unplanned draft", inputs=READY)
    await planned(api, process["id"], "next month", "2031-07-01T08:00:00Z", "2031-07-01T09:00:00Z")

    june = await calendar(api, view="MONTH", date="2031-06-15T12:00:00Z")
    assert (june["from"], june["to"]) == ("2031-06-01T00:00:00+00:00", "2031-07-01T00:00:00+00:00")
    assert names(june) == ["draft", "scheduled", "running", "paused", "aborted"]
    colours = {entry["name"]: entry["color"] for entry in june["entries"]}
    assert colours == {
        "draft": PALETTE["DRAFT"],
        "scheduled": PALETTE["SCHEDULED"],
        "running": PALETTE["RUNNING"],
        "paused": PALETTE["ON_HOLD"],
        "aborted": PALETTE["ABORTED"],
    }
    first = june["entries"][0]
    assert first["release"]["id"] == draft["id"] == first["releaseId"]
    assert (first["start"], first["end"]) == (
        "2031-06-10T08:00:00+00:00",
        "2031-06-10T10:00:00+00:00",
    )
    assert first["projected"] is False
    assert first["group"] is None
    assert june["conflicts"] == []
    assert len(june["days"]) == 30
    busy = {d["date"]: d["releases"] for d in june["days"] if d["releases"]}
    assert busy == {f"2031-06-{n}": 1 for n in range(10, 15)}

    hidden = await calendar(api, view="MONTH", date="2031-06-15T12:00:00Z", includeCompleted=False)
    assert "aborted" not in names(hidden)
    live = await calendar(
        api, view="MONTH", date="2031-06-15T12:00:00Z", statuses=["RUNNING", "ON_HOLD"]
    )
    assert names(live) == ["running", "paused"]


async def test_filters_by_service_environment_team_tag_and_text(api: Api) -> None:
    process = await create_process(api)
    other = await create_process(
        api,
        phases=[
            {
                "key": "ship",
                "name": "Ship",
                "owner": "Platform Team",
                "activities": [{"key": "go", "name": "Go", "kind": "CHECKPOINT"}],
            }
        ],
    )
    window = {"from": "2031-08-01T00:00:00Z", "to": "2031-08-08T00:00:00Z"}
    await planned(
        api,
        process["id"],
        "payments-v3-prod",
        "2031-08-02T08:00:00Z",
        "2031-08-02T09:00:00Z",
        services=["payments"],
        environments=["PROD"],
        tags=["security-patch"],
    )
    await planned(
        api,
        other["id"],
        "search-v9-qa",
        "2031-08-03T08:00:00Z",
        "2031-08-03T09:00:00Z",
        services=["search"],
        environments=["QA"],
    )
    assert names(await calendar(api, **window)) == ["payments-v3-prod", "search-v9-qa"]
    assert names(await calendar(api, **window, services=["search"])) == ["search-v9-qa"]
    assert names(await calendar(api, **window, environments=["PROD"])) == ["payments-v3-prod"]
    assert names(await calendar(api, **window, teams=["Platform Team"])) == ["search-v9-qa"]
    assert names(await calendar(api, **window, tags=["security-patch"])) == ["payments-v3-prod"]
    assert names(await calendar(api, **window, search="V9")) == ["search-v9-qa"]
    assert names(await calendar(api, **window, search="security")) == ["payments-v3-prod"]


async def test_conflicts_need_an_overlap_and_a_shared_service_or_environment(api: Api) -> None:
    process = await create_process(api)
    d = "2031-09-10T"
    a = await planned(
        api, process["id"], "a", f"{d}10:00:00Z", f"{d}14:00:00Z",
        services=["payments"], environments=["PROD"],
    )  # fmt: skip
    b = await planned(
        api, process["id"], "b", f"{d}12:00:00Z", f"{d}16:00:00Z",
        services=["payments"], environments=["QA"],
    )  # fmt: skip
    c = await planned(
        api, process["id"], "c", f"{d}13:00:00Z", f"{d}15:00:00Z",
        services=["search"], environments=["QA"],
    )  # fmt: skip
    await planned(
        api, process["id"], "d", f"{d}14:00:00Z", f"{d}15:00:00Z",
        services=["ledger"], environments=["STAGING"],
    )  # fmt: skip
    found = await calendar(api, view="DAY", date=f"{d}12:00:00Z")
    conflicts = found["conflicts"]
    assert [c_["releaseIds"] for c_ in conflicts] == [[a["id"], b["id"]], [b["id"], c["id"]]]
    assert conflicts[0]["start"] == f"{d}12:00:00+00:00"
    assert conflicts[0]["end"] == f"{d}14:00:00+00:00"
    assert conflicts[0]["reasons"] == ["shared service payments"]
    assert conflicts[1]["reasons"] == ["shared environment QA"]
    assert [r["name"] for r in conflicts[1]["releases"]] == ["b", "c"]
    flags = {entry["name"]: entry["conflicting"] for entry in found["entries"]}
    assert flags == {"a": True, "b": True, "c": True, "d": False}
    # a-c, b-d and c-d overlap without sharing anything: counted, not conflicts
    # (a ends when d starts: no overlap).
    assert found["overlaps"] == 3
    assert found["days"] == [{"date": "2031-09-10", "releases": 4, "conflicts": 2}]


async def test_recurring_occurrences_beyond_the_horizon_are_projected(api: Api) -> None:
    process = await create_process(api)
    created = await create_release_group(
        api,
        process["id"],
        name="Weekly Production Release",
        timezone="Europe/Berlin",
        startDate="2031-06-05T07:00:00Z",  # Thursday 09:00 in Berlin
        nameTemplate="Week {isoweek} Release",
        defaultInputs=READY,
        environments=["PROD"],
    )
    group = created["releaseGroup"]
    generated = created["createdReleases"]
    assert len(generated) == 1  # far ahead: only the next occurrence is generated
    q2 = await calendar(api, view="QUARTER", date="2031-05-01T00:00:00Z", timezone="Europe/Berlin")
    assert q2["from"] == "2031-03-31T22:00:00+00:00"
    assert names(q2) == ["Week 23 Release", "Week 24 Release", "Week 25 Release", "Week 26 Release"]
    first, *rest = q2["entries"]
    assert first["projected"] is False
    assert first["releaseId"] == generated[0]["id"]
    for entry in rest:
        assert entry["projected"] is True
        assert entry["color"] == PALETTE["PROJECTED"]
        assert entry["status"] == "SCHEDULED"
        assert entry["group"]["id"] == group["id"]
        assert entry["release"]["name"] == entry["name"]
    gone = await api.gql(
        "query($id: ID!) { release(id: $id) { id } }", {"id": rest[0]["releaseId"]}
    )
    assert gone["release"] is None  # projected: not stored
    q3 = await calendar(api, view="QUARTER", date="2031-08-01T00:00:00Z", timezone="Europe/Berlin")
    assert len(q3["entries"]) == 13  # every Thursday of July to September
    assert all(entry["projected"] for entry in q3["entries"])
    # Still 09:00 in Berlin after the change to winter time on 2031-10-26.
    q4 = await calendar(api, view="QUARTER", date="2031-11-01T00:00:00Z", timezone="Europe/Berlin")
    assert q4["entries"][0]["start"] == "2031-10-02T07:00:00+00:00"
    assert q4["entries"][-1]["start"] == "2031-12-25T08:00:00+00:00"
    only_group = await calendar(
        api,
        view="QUARTER",
        date="2031-08-01T00:00:00Z",
        groupIds=["grp_01J00000000000000000000000"],
    )
    assert only_group["entries"] == []


async def test_overlapping_groups_conflict_on_every_shared_occurrence(api: Api) -> None:
    process = await create_process(api)
    for name, start in (
        ("Train", "2031-06-05T07:00:00Z"),
        ("Hotfix window", "2031-06-05T08:00:00Z"),
    ):
        await create_release_group(
            api,
            process["id"],
            name=name,
            startDate=start,
            duration="PT2H",
            defaultInputs=READY,
            environments=["PROD"],
        )
    june = await calendar(api, view="MONTH", date="2031-06-15T00:00:00Z")
    assert len(june["entries"]) == 8  # four Thursdays, two groups
    assert len(june["conflicts"]) == 4
    assert {tuple(c["reasons"]) for c in june["conflicts"]} == {("shared environment PROD",)}
    assert all(entry["conflicting"] for entry in june["entries"])
    per_day = {d["date"]: (d["releases"], d["conflicts"]) for d in june["days"] if d["releases"]}
    assert per_day == {
        day: (2, 1) for day in ("2031-06-05", "2031-06-12", "2031-06-19", "2031-06-26")
    }


async def test_views_are_periods_in_the_calendar_time_zone(api: Api) -> None:
    week = await calendar(
        api, view="WEEK", date="2031-06-11T12:00:00Z", timezone="America/New_York"
    )
    assert (week["from"], week["to"]) == ("2031-06-09T04:00:00+00:00", "2031-06-16T04:00:00+00:00")
    assert week["days"][0]["date"] == "2031-06-09"
    assert len(week["days"]) == 7
    spring = await calendar(api, view="DAY", date="2031-03-30T12:00:00Z", timezone="Europe/Berlin")
    assert (spring["from"], spring["to"]) == (
        "2031-03-29T23:00:00+00:00",
        "2031-03-30T22:00:00+00:00",  # a 23-hour day
    )


async def test_bad_calendar_inputs_are_reported_together(api: Api) -> None:
    errors = await api.errors(
        CALENDAR,
        {"input": {"view": "WEEK", "from": "2031-01-01T00:00:00Z", "to": "2031-01-02T00:00:00Z"}},
    )
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert errors[0]["extensions"]["fields"][0]["path"] == "view"
    errors = await api.errors(CALENDAR, {"input": {"view": "DAY", "timezone": "Nowhere/Town"}})
    assert errors[0]["extensions"]["fields"][0]["path"] == "timezone"
    errors = await api.errors(CALENDAR, {"input": {"from": "2031-01-01T00:00:00Z"}})
    assert [f["path"] for f in errors[0]["extensions"]["fields"]] == ["to"]
