"""`GET /calendar.ics`: the calendar as an iCalendar feed, checked with a parser."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import icalendar

from app.http.calendar_feed import RedactTokens
from tests.conftest import ADMIN_TOKEN
from tests.factories import create_process, create_release, create_release_group, release_action
from tests.graphql_client import Api
from tests.server import RunningServer

READY = {"releaseVersion": "2.1.3"}
JULY = {"from": "2031-07-01T00:00:00Z", "to": "2031-08-01T00:00:00Z"}


async def feed(server: RunningServer, **params: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.get(f"{server.base_url}/calendar.ics", params=params)


def events(response: httpx.Response) -> list[icalendar.Event]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    parsed = icalendar.Calendar.from_ical(response.content)
    assert parsed["VERSION"] == "2.0"
    assert str(parsed["PRODID"]).startswith("-//Cadenza")
    return [event for event in parsed.walk("VEVENT") if isinstance(event, icalendar.Event)]


async def _plan(api: Api) -> dict[str, Any]:
    process = await create_process(api)
    release = await create_release(
        api,
        process["id"],
        name="payments-v3-prod",
        scheduledStart="2031-07-03T08:00:00Z",
        scheduledEnd="2031-07-03T10:00:00Z",
        inputs=READY,
        environments=["PROD"],
        links=[{"kind": "JIRA", "title": "REL-7", "url": "https://jira.example.com/REL-7"}],
    )
    await release_action(api, "scheduleRelease", release["id"])
    called_off = await create_release(
        api,
        process["id"],
        name="search-v9-prod",
        scheduledStart="2031-07-04T08:00:00Z",
        scheduledEnd="2031-07-04T09:00:00Z",
        inputs=READY,
    )
    await release_action(api, "scheduleRelease", called_off["id"])
    await release_action(api, "cancelRelease", called_off["id"], reason="freeze")
    group = await create_release_group(
        api,
        process["id"],
        name="Weekly Train",
        startDate="2031-07-10T07:00:00Z",
        nameTemplate="Train {date}",
        environments=["PROD"],
    )
    return {"release": release, "called_off": called_off, "group": group}


async def test_the_feed_has_one_event_per_calendar_entry(api: Api, server: RunningServer) -> None:
    planned = await _plan(api)
    response = await feed(server, token=ADMIN_TOKEN, **JULY)
    found = events(response)
    entries = await api.gql(
        "query($i: CalendarInput!) { calendar(input: $i) { entries { releaseId name } } }",
        {"i": JULY},
    )
    assert [str(e["SUMMARY"]) for e in found] == [
        entry["name"] for entry in entries["calendar"]["entries"]
    ]
    by_name = {str(e["SUMMARY"]): e for e in found}
    scheduled = by_name["payments-v3-prod"]
    release_id = planned["release"]["id"]
    assert str(scheduled["UID"]) == f"{release_id}@cadenza"
    assert scheduled["STATUS"] == "CONFIRMED"
    assert scheduled.decoded("DTSTART").isoformat() == "2031-07-03T08:00:00+00:00"
    assert scheduled.decoded("DTEND").isoformat() == "2031-07-03T10:00:00+00:00"
    description = str(scheduled["DESCRIPTION"])
    assert "Status: SCHEDULED" in description
    assert "Environments: PROD" in description
    assert "JIRA: REL-7 https://jira.example.com/REL-7" in description
    assert f"{server.base_url}/graphql (release {release_id})" in description
    assert str(scheduled["URL"]) == "https://jira.example.com/REL-7"
    assert by_name["search-v9-prod"]["STATUS"] == "CANCELLED"
    # The group: its first occurrence generated, the rest projected (and tentative).
    trains = [e for name, e in by_name.items() if name.startswith("Train ")]
    assert len(trains) == 4
    assert all(str(e["UID"]).startswith(planned["group"]["releaseGroup"]["id"]) for e in trains)
    assert [e["STATUS"] for e in trains] == ["TENTATIVE"] * 4  # drafts: inputs missing
    # UIDs are unique and stable across fetches.
    again = events(await feed(server, token=ADMIN_TOKEN, **JULY))
    assert [str(e["UID"]) for e in again] == [str(e["UID"]) for e in found]
    assert len({str(e["UID"]) for e in found}) == len(found)


async def test_the_feed_takes_the_calendar_filters_as_parameters(
    api: Api, server: RunningServer
) -> None:
    await _plan(api)
    prod = events(await feed(server, token=ADMIN_TOKEN, environments="PROD,DR", **JULY))
    assert "search-v9-prod" not in [str(e["SUMMARY"]) for e in prod]
    live = events(
        await feed(server, token=ADMIN_TOKEN, includeCompleted="false", statuses="scheduled,draft")
    )
    assert "search-v9-prod" not in [str(e["SUMMARY"]) for e in live]
    month = events(
        await feed(
            server, token=ADMIN_TOKEN, view="WEEK", date="2031-07-03", timezone="Europe/Berlin"
        )
    )
    assert [str(e["SUMMARY"]) for e in month] == ["payments-v3-prod", "search-v9-prod"]


async def test_the_feed_needs_a_valid_token_and_parameters(server: RunningServer) -> None:
    missing = await feed(server)
    assert missing.status_code == 401
    assert "token" in missing.text
    wrong = await feed(server, token="cdz_not-a-token")
    assert wrong.status_code == 401
    bad = await feed(server, token=ADMIN_TOKEN, view="YEAR", statuses="DONE", **{"from": "soon"})
    assert bad.status_code == 400
    assert bad.text.splitlines() == [
        "from: must be an ISO-8601 date or date-time",
        "view: 'YEAR' is not one of DAY, WEEK, MONTH, QUARTER",
        "statuses: 'DONE' is not one of DRAFT, SCHEDULED, RUNNING, ON_HOLD, COMPLETED",
    ]
    async with httpx.AsyncClient(timeout=30) as client:
        header = await client.get(
            f"{server.base_url}/calendar.ics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        )
    assert header.status_code == 200


def test_tokens_in_urls_are_masked_in_the_access_log() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/calendar.ics?view=WEEK&token=cdz_secret&x=1", "1.1", 200),
        None,
    )
    assert RedactTokens().filter(record)
    assert "cdz_secret" not in record.getMessage()
    assert "token=***&x=1" in record.getMessage()
