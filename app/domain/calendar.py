"""The release calendar: its window, entries, colours, conflicts and releases per day.

Pure functions over `CalendarItem`s, the few fields of a release the calendar draws.
A view (DAY, WEEK, MONTH, QUARTER) is the calendar period around a date in a time zone;
weeks start on Monday (ISO 8601). Windows are half-open, as in `app/domain/overlaps.py`.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from itertools import accumulate

from app.domain.errors import FieldProblem, InvalidInput
from app.domain.overlaps import shared_resources, windows_overlap
from app.domain.release import ReleaseOutcome, ReleaseStatus

MAX_WINDOW = timedelta(days=400)


class CalendarView(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    QUARTER = "QUARTER"


# The documented palette (README "Release groups and the calendar"): by status, and by
# outcome once completed; projected occurrences are a pale version of SCHEDULED.
PALETTE = {
    "DRAFT": "#9E9E9E",
    "SCHEDULED": "#7E57C2",
    "PROJECTED": "#D1C4E9",
    "RUNNING": "#1E88E5",
    "ON_HOLD": "#FFB300",
    "SUCCESS": "#43A047",
    "PARTIAL_SUCCESS": "#FB8C00",
    "FAILED": "#E53935",
    "ABORTED": "#757575",
}


@dataclass(frozen=True, slots=True)
class CalendarItem:
    """One release on the calendar, or an occurrence of a group not generated yet."""

    id: str
    name: str
    status: ReleaseStatus
    outcome: ReleaseOutcome | None
    start: datetime
    end: datetime
    services: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    group_id: str | None = None
    occurrence: datetime | None = None
    projected: bool = False

    @property
    def color(self) -> str:
        """The entry's colour in the documented palette."""
        if self.projected:
            return PALETTE["PROJECTED"]
        if self.status is ReleaseStatus.COMPLETED:
            return PALETTE[(self.outcome or ReleaseOutcome.SUCCESS).value]
        return PALETTE[self.status.value]


@dataclass(frozen=True, slots=True)
class CalendarCriteria:
    """Which releases the calendar shows; empty lists do not filter."""

    services: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()
    statuses: tuple[ReleaseStatus, ...] = ()
    search: str | None = None
    include_completed: bool = True

    @property
    def effective_statuses(self) -> tuple[ReleaseStatus, ...]:
        """The statuses asked for, without COMPLETED unless completed releases are shown."""
        chosen = self.statuses or tuple(ReleaseStatus)
        if self.include_completed:
            return self.statuses
        return tuple(s for s in chosen if s is not ReleaseStatus.COMPLETED)

    def admits(self, item: CalendarItem) -> bool:
        """The same test the store applies to stored releases, for projected occurrences."""
        statuses = self.effective_statuses
        if statuses and item.status not in statuses:
            return False
        for wanted, have in (
            (self.services, item.services),
            (self.environments, item.environments),
            (self.teams, item.teams),
            (self.tags, item.tags),
        ):
            if wanted and not set(wanted) & set(have):
                return False
        if self.group_ids and item.group_id not in self.group_ids:
            return False
        if self.search:
            needle = self.search.casefold()
            texts = (item.name, *item.tags)
            return any(needle in text.casefold() for text in texts)
        return True


def period_of(view: CalendarView, day: date) -> tuple[date, date]:
    """The first day of `view`'s period holding `day` and the first day after it."""
    if view is CalendarView.DAY:
        return day, day + timedelta(days=1)
    if view is CalendarView.WEEK:
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=7)
    months = 1 if view is CalendarView.MONTH else 3
    first_month = day.month if months == 1 else 3 * ((day.month - 1) // 3) + 1
    first = date(day.year, first_month, 1)
    after = first_month - 1 + months
    return first, date(day.year + after // 12, after % 12 + 1, 1)


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The instant (UTC) a local day begins."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def calendar_window(
    *,
    start: datetime | None,
    end: datetime | None,
    view: CalendarView | None,
    day_of: datetime | None,
    zone: tzinfo,
    now: datetime,
) -> tuple[datetime, datetime]:
    """The window asked for: `from`/`to`, or a view's period around a date (default today).

    With neither, the month around today. InvalidInput lists every problem.
    """
    problems: list[FieldProblem] = []
    for path, moment in (("from", start), ("to", end), ("date", day_of)):
        if moment is not None and moment.utcoffset() is None:
            problems.append(FieldProblem(path, "must include a time zone (UTC on the wire)"))
    if view is not None and (start is not None or end is not None):
        problems.append(FieldProblem("view", "give a view (with a date) or from/to, not both"))
    elif start is not None or end is not None:
        if start is None:
            problems.append(FieldProblem("from", "is required with to"))
        if end is None:
            problems.append(FieldProblem("to", "is required with from"))
        if day_of is not None:
            problems.append(FieldProblem("date", "picks a view's period; give a view too"))
    if problems:
        raise InvalidInput(problems)
    if start is not None and end is not None:
        if end <= start:
            raise InvalidInput.single("to", "must be after from")
        if end - start > MAX_WINDOW:
            raise InvalidInput.single("to", f"the window may span at most {MAX_WINDOW.days} days")
        return start.astimezone(UTC), end.astimezone(UTC)
    first, after = period_of(view or CalendarView.MONTH, (day_of or now).astimezone(zone).date())
    return local_midnight(first, zone), local_midnight(after, zone)


def local_days(start: datetime, end: datetime, zone: tzinfo) -> list[tuple[date, datetime]]:
    """Each local day that `[start, end)` touches, with the instant it begins."""
    day = start.astimezone(zone).date()
    days = []
    while (begins := local_midnight(day, zone)) < end:
        days.append((day, begins))
        day += timedelta(days=1)
    return days


@dataclass(frozen=True, slots=True)
class ConflictPair:
    """Two releases whose windows overlap while they share a service or an environment."""

    first: CalendarItem
    second: CalendarItem
    start: datetime
    end: datetime
    reasons: tuple[str, ...]


def _resource_keys(item: CalendarItem) -> set[tuple[str, str]]:
    return {("service", name.casefold()) for name in item.services} | {
        ("environment", name.casefold()) for name in item.environments
    }


def find_conflicts(items: Sequence[CalendarItem]) -> list[ConflictPair]:
    """Every pair that overlaps and shares a resource, ordered by when the overlap begins.

    One sweep per service and environment over the releases that use it, so the work grows
    with the overlaps found, not with the square of the releases.
    """
    users: dict[tuple[str, str], list[int]] = {}
    for index, item in enumerate(items):
        for key in _resource_keys(item):
            users.setdefault(key, []).append(index)
    pairs: set[tuple[int, int]] = set()
    for indexes in users.values():
        active: list[int] = []
        for i in sorted(indexes, key=lambda k: (items[k].start, items[k].end)):
            current = items[i]
            active = [j for j in active if items[j].end > current.start]
            for j in active:
                other = items[j]
                if windows_overlap(other.start, other.end, current.start, current.end):
                    pairs.add((min(i, j), max(i, j)))
            active.append(i)
    conflicts = []
    for i, j in pairs:
        a, b = sorted((items[i], items[j]), key=lambda item: (item.start, item.id))
        shared = shared_resources(a.services, a.environments, b.services, b.environments)
        conflicts.append(
            ConflictPair(
                first=a,
                second=b,
                start=max(a.start, b.start),
                end=min(a.end, b.end),
                reasons=tuple(shared.reasons()),
            )
        )
    conflicts.sort(key=lambda c: (c.start, c.first.id, c.second.id))
    return conflicts


def count_overlaps(items: Iterable[CalendarItem]) -> int:
    """How many pairs of releases overlap in time at all, sharing anything or not."""
    ends: list[datetime] = []
    count = 0
    for item in sorted(items, key=lambda i: (i.start, i.end)):
        while ends and ends[0] <= item.start:
            heapq.heappop(ends)
        count += len(ends)
        heapq.heappush(ends, item.end)
    return count


@dataclass(frozen=True, slots=True)
class DayCount:
    """How many releases, and conflicts, touch one local day."""

    day: date
    releases: int
    conflicts: int


def _per_day(windows: Iterable[tuple[datetime, datetime]], bounds: list[datetime]) -> list[int]:
    """For each day (bounds[i] to bounds[i+1]), how many windows overlap it."""
    starts, ends = bounds[:-1], bounds[1:]
    changes = [0] * (len(starts) + 1)
    for start, end in windows:
        first = bisect_right(ends, start)  # the first day ending after the window starts
        last = bisect_left(starts, end) - 1  # the last day starting before it ends
        if first <= last:
            changes[first] += 1
            changes[last + 1] -= 1
    return list(accumulate(changes))[:-1]


def day_counts(
    items: Sequence[CalendarItem],
    conflicts: Sequence[ConflictPair],
    *,
    start: datetime,
    end: datetime,
    zone: tzinfo,
) -> list[DayCount]:
    """Releases and conflicts per local day of the window, for capacity planning."""
    days = local_days(start, end, zone)
    if not days:
        return []
    last_day = days[-1][0] + timedelta(days=1)
    bounds = [begins for _, begins in days] + [local_midnight(last_day, zone)]
    releases = _per_day(((i.start, i.end) for i in items), bounds)
    clashes = _per_day(((c.start, c.end) for c in conflicts), bounds)
    return [
        DayCount(day, count, clash)
        for (day, _), count, clash in zip(days, releases, clashes, strict=True)
    ]
