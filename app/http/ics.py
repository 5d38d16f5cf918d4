"""The calendar as an RFC 5545 iCalendar document (one VEVENT per release), via `icalendar`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import icalendar

from app.domain.calendar import CalendarItem
from app.domain.release import Release, ReleaseOutcome, ReleaseStatus
from app.usecases.calendar import CalendarResult

PRODID = "-//Cadenza//Release calendar//EN"
UID_DOMAIN = "cadenza"


def event_uid(item: CalendarItem) -> str:
    """A UID that stays the same for as long as the event exists.

    An occurrence of a release group keeps its UID from projection to generated release,
    so a subscribed calendar updates the event instead of adding a second one.
    """
    if item.group_id is not None and item.occurrence is not None:
        return f"{item.group_id}-{item.occurrence:%Y%m%dT%H%M%SZ}@{UID_DOMAIN}"
    return f"{item.id}@{UID_DOMAIN}"


def event_status(item: CalendarItem) -> str:
    if item.projected or item.status is ReleaseStatus.DRAFT:
        return "TENTATIVE"
    if item.status is ReleaseStatus.COMPLETED and item.outcome is ReleaseOutcome.ABORTED:
        return "CANCELLED"
    return "CONFIRMED"


def _description(item: CalendarItem, release: Release, api_url: str, conflicting: bool) -> str:
    state = item.status.value + (f" / {item.outcome.value}" if item.outcome else "")
    lines = [f"Status: {state}"]
    if item.projected:
        lines.append("Projected occurrence of a release group (not generated yet)")
    if conflicting:
        lines.append("Conflicts with another release (shared service or environment)")
    if item.services:
        lines.append(f"Services: {', '.join(item.services)}")
    if item.environments:
        lines.append(f"Environments: {', '.join(item.environments)}")
    if release.version:
        lines.append(f"Version: {release.version}")
    if release.description:
        lines += ["", release.description]
    lines += ["", f"Cadenza: {api_url} (release {item.id})"]
    for link in release.links:
        lines.append(
            f"{link.kind}: {link.title} {link.url}" if link.title else f"{link.kind}: {link.url}"
        )
    return "\n".join(lines)


def render_ics(
    result: CalendarResult, releases: Mapping[str, Release], *, api_url: str, now: datetime
) -> bytes:
    """The iCalendar text of a calendar; `api_url` is where its releases can be looked up."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Cadenza releases")
    calendar.add("x-wr-timezone", result.timezone)
    conflicting = result.conflicting_ids
    for item in result.entries:
        release = releases.get(item.id)
        if release is None:
            continue  # deleted between the two reads
        event = icalendar.Event()
        event.add("uid", event_uid(item))
        event.add("dtstamp", now)
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("summary", item.name)
        event.add("status", event_status(item))
        event.add("description", _description(item, release, api_url, item.id in conflicting))
        if not item.projected:
            event.add("last-modified", release.updated_at)
        if item.tags:
            event.add("categories", list(item.tags))
        event.add("url", release.links[0].url if release.links else api_url)
        event.add("x-cadenza-release-id", item.id)
        event.add("x-cadenza-status", item.status.value)
        event.add("x-cadenza-color", item.color)
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical
