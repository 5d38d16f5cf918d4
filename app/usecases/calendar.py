"""The release calendar: stored releases and projected occurrences in a window, with
their conflicts and per-day counts."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.domain.cadence import parse_zone, zone_problems
from app.domain.calendar import (
    CalendarCriteria,
    CalendarItem,
    CalendarView,
    ConflictPair,
    DayCount,
    calendar_window,
    count_overlaps,
    day_counts,
    find_conflicts,
)
from app.domain.errors import InvalidInput
from app.domain.group_generation import generated_release, projected_item
from app.domain.release import Release
from app.services import Services
from app.store.calendar import calendar_items
from app.store.releases import ReleaseQuery

# Beyond this many releases in one window the calendar is cut short (`truncated`).
MAX_ENTRIES = 10_000

Projection = Callable[[], Release]


@dataclass(frozen=True, slots=True)
class CalendarRequest:
    """A window (from/to, or a view around a date) in a time zone, and the filters."""

    start: datetime | None = None
    end: datetime | None = None
    view: CalendarView | None = None
    date: datetime | None = None
    timezone: str = "UTC"
    criteria: CalendarCriteria = field(default_factory=CalendarCriteria)


@dataclass(frozen=True)
class CalendarResult:
    start: datetime
    end: datetime
    timezone: str
    entries: list[CalendarItem]
    conflicts: list[ConflictPair]
    overlaps: int  # overlapping pairs that share no service or environment
    days: list[DayCount]
    truncated: bool
    # How to make the release a projected entry would be; stored ones are read by id.
    projections: dict[str, Projection]

    @functools.cached_property
    def conflicting_ids(self) -> set[str]:
        return {item.id for c in self.conflicts for item in (c.first, c.second)}


async def _projected(
    services: Services, criteria: CalendarCriteria, start: datetime, end: datetime
) -> list[tuple[CalendarItem, Projection]]:
    """Occurrences of active groups in the window that are not generated yet."""
    groups = [
        g
        for g in await services.release_groups.active()
        if not criteria.group_ids or g.id in criteria.group_ids
    ]
    if not groups:
        return []
    now = services.clock()
    processes = await services.processes.get_many(list({g.process_id for g in groups}))
    set_ids = list({g.input_set_id for g in groups if g.input_set_id is not None})
    input_sets = await services.input_sets.get_many(set_ids) if set_ids else {}
    found: list[tuple[CalendarItem, Projection]] = []
    for group in groups:
        process = processes.get(group.process_id)
        if process is None:
            continue
        input_set = None if group.input_set_id is None else input_sets.get(group.input_set_id)
        # A window that began before `start` may still reach into it; days are nominal, so
        # allow a day more for daylight-saving changes.
        lower = max(start - group.duration - timedelta(days=1), now)
        through = group.generated_through
        for occurrence in group.schedule.occurrences(lower, end):
            if through is not None and occurrence <= through:
                continue  # generated already (or deliberately deleted since)
            item = projected_item(
                group, process=process, input_set=input_set, occurrence=occurrence
            )
            if item.end <= start or not criteria.admits(item):
                continue
            make = functools.partial(
                generated_release,
                group,
                process=process,
                input_set=input_set,
                occurrence=occurrence,
                release_id=item.id,
                now=now,
            )
            found.append((item, make))
    return found


async def build_calendar(services: Services, *, request: CalendarRequest) -> CalendarResult:
    """The calendar of a window: entries, conflicts, plain overlaps and per-day counts."""
    zone = parse_zone(request.timezone)
    if zone is None:
        raise InvalidInput(zone_problems(request.timezone))
    start, end = calendar_window(
        start=request.start,
        end=request.end,
        view=request.view,
        day_of=request.date,
        zone=zone,
        now=services.clock(),
    )
    criteria = request.criteria
    query = ReleaseQuery(
        statuses=criteria.effective_statuses,
        services=criteria.services,
        environments=criteria.environments,
        teams=criteria.teams,
        tags=criteria.tags,
        group_ids=criteria.group_ids,
        search=criteria.search,
        window_from=start,
        window_to=end,
    )
    stored, truncated = await calendar_items(services.db, query, limit=MAX_ENTRIES)
    projected = await _projected(services, criteria, start, end)
    items = sorted([*stored, *(item for item, _ in projected)], key=lambda i: (i.start, i.id))
    if len(items) > MAX_ENTRIES:
        items, truncated = items[:MAX_ENTRIES], True
    conflicts = find_conflicts(items)
    return CalendarResult(
        start=start,
        end=end,
        timezone=request.timezone,
        entries=items,
        conflicts=conflicts,
        overlaps=count_overlaps(items) - len(conflicts),
        days=day_counts(items, conflicts, start=start, end=end, zone=zone),
        truncated=truncated,
        projections={item.id: make for item, make in projected},
    )


async def releases_of(
    services: Services, result: CalendarResult, ids: Iterable[str]
) -> dict[str, Release]:
    """The whole releases behind entries: stored ones in one read, projected ones made."""
    wanted = list(dict.fromkeys(ids))
    stored = [i for i in wanted if i not in result.projections]
    found = await services.releases.get_many(stored) if stored else {}
    for release_id in wanted:
        if release_id in result.projections:
            found[release_id] = result.projections[release_id]()
    return found
