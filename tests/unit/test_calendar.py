"""The calendar's pure parts: windows and views, conflicts, overlaps, colours, day counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.calendar import (
    PALETTE,
    CalendarCriteria,
    CalendarItem,
    CalendarView,
    calendar_window,
    count_overlaps,
    day_counts,
    find_conflicts,
    period_of,
)
from app.domain.errors import InvalidInput
from app.domain.release import ReleaseOutcome, ReleaseStatus

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2031, 5, 14, 12, tzinfo=UTC)


def item(
    name: str,
    start_h: float,
    end_h: float,
    *,
    services: tuple[str, ...] = (),
    environments: tuple[str, ...] = (),
    status: ReleaseStatus = ReleaseStatus.SCHEDULED,
    outcome: ReleaseOutcome | None = None,
    projected: bool = False,
) -> CalendarItem:
    base = datetime(2031, 5, 1, tzinfo=UTC)
    return CalendarItem(
        id=f"rel_{name}",
        name=name,
        status=status,
        outcome=outcome,
        start=base + timedelta(hours=start_h),
        end=base + timedelta(hours=end_h),
        services=services,
        environments=environments,
        projected=projected,
    )


@pytest.mark.parametrize(
    ("view", "day", "first", "after"),
    [
        (CalendarView.DAY, date(2031, 12, 31), date(2031, 12, 31), date(2032, 1, 1)),
        (CalendarView.WEEK, date(2031, 5, 14), date(2031, 5, 12), date(2031, 5, 19)),
        (CalendarView.WEEK, date(2031, 5, 18), date(2031, 5, 12), date(2031, 5, 19)),
        (CalendarView.MONTH, date(2032, 2, 29), date(2032, 2, 1), date(2032, 3, 1)),
        (CalendarView.MONTH, date(2031, 12, 5), date(2031, 12, 1), date(2032, 1, 1)),
        (CalendarView.QUARTER, date(2031, 5, 14), date(2031, 4, 1), date(2031, 7, 1)),
        (CalendarView.QUARTER, date(2031, 11, 30), date(2031, 10, 1), date(2032, 1, 1)),
    ],
)
def test_views_are_calendar_periods(
    view: CalendarView, day: date, first: date, after: date
) -> None:
    assert period_of(view, day) == (first, after)


def test_a_view_is_the_period_in_the_calendar_zone() -> None:
    start, end = calendar_window(
        start=None, end=None, view=CalendarView.DAY, day_of=NOW, zone=BERLIN, now=NOW
    )
    assert (start.isoformat(), end.isoformat()) == (
        "2031-05-13T22:00:00+00:00",
        "2031-05-14T22:00:00+00:00",
    )
    # The day of the change to summer time has 23 hours.
    start, end = calendar_window(
        start=None,
        end=None,
        view=CalendarView.DAY,
        day_of=datetime(2031, 3, 30, 12, tzinfo=UTC),
        zone=BERLIN,
        now=NOW,
    )
    assert end - start == timedelta(hours=23)


def test_without_a_window_the_calendar_is_this_month() -> None:
    start, end = calendar_window(start=None, end=None, view=None, day_of=None, zone=UTC, now=NOW)
    assert (start.date(), end.date()) == (date(2031, 5, 1), date(2031, 6, 1))


def test_window_problems_are_reported_together() -> None:
    with pytest.raises(InvalidInput) as refused:
        calendar_window(start=NOW, end=None, view=None, day_of=NOW, zone=UTC, now=NOW)
    assert sorted(p.path for p in refused.value.problems) == ["date", "to"]
    with pytest.raises(InvalidInput) as both:
        calendar_window(start=NOW, end=NOW, view=CalendarView.DAY, day_of=None, zone=UTC, now=NOW)
    assert [p.path for p in both.value.problems] == ["view"]
    with pytest.raises(InvalidInput, match="after from"):
        calendar_window(start=NOW, end=NOW, view=None, day_of=None, zone=UTC, now=NOW)
    with pytest.raises(InvalidInput, match="at most 400 days"):
        calendar_window(
            start=NOW, end=NOW + timedelta(days=401), view=None, day_of=None, zone=UTC, now=NOW
        )
    with pytest.raises(InvalidInput, match="time zone"):
        calendar_window(
            start=NOW.replace(tzinfo=None), end=NOW, view=None, day_of=None, zone=UTC, now=NOW
        )


def test_overlapping_releases_that_share_a_resource_conflict() -> None:
    a = item("a", 0, 10, services=("payments",), environments=("PROD",))
    b = item("b", 5, 20, services=("Payments", "search"), environments=("prod",))
    c = item("c", 6, 8, services=("ledger",), environments=("QA",))  # overlaps, shares nothing
    d = item("d", 10, 12, services=("payments",))  # touches a, does not overlap it
    conflicts = find_conflicts([a, b, c, d])
    assert [(x.first.name, x.second.name) for x in conflicts] == [("a", "b"), ("b", "d")]
    first = conflicts[0]
    assert (first.start, first.end) == (b.start, a.end)
    assert first.reasons == ("shared service payments", "shared environment PROD")
    # Pairs overlapping in time: a-b, a-c, b-c, b-d; two of them share nothing.
    assert count_overlaps([a, b, c, d]) - len(conflicts) == 2


def test_conflicts_scale_with_the_overlaps_not_the_square() -> None:
    days = [item(f"r{i}", 24 * i, 24 * i + 2, environments=("PROD",)) for i in range(5000)]
    assert find_conflicts(days) == []
    assert count_overlaps(days) == 0


def test_colours_follow_status_and_outcome() -> None:
    assert item("a", 0, 1).color == PALETTE["SCHEDULED"]
    assert item("a", 0, 1, status=ReleaseStatus.RUNNING).color == PALETTE["RUNNING"]
    assert item("a", 0, 1, status=ReleaseStatus.ON_HOLD).color == PALETTE["ON_HOLD"]
    assert item("a", 0, 1, status=ReleaseStatus.DRAFT).color == PALETTE["DRAFT"]
    done = ReleaseStatus.COMPLETED
    for outcome in ReleaseOutcome:
        assert item("a", 0, 1, status=done, outcome=outcome).color == PALETTE[outcome.value]
    assert item("a", 0, 1, projected=True).color == PALETTE["PROJECTED"]
    assert len(set(PALETTE.values())) == len(PALETTE)


def test_day_counts_cover_each_local_day() -> None:
    a = item("a", 0, 30, environments=("PROD",))  # May 1 02:00 to May 2 08:00 Berlin
    b = item("b", 25, 26, environments=("PROD",))  # May 2 03:00 to 04:00
    c = item("c", 47, 49)  # May 3 01:00 to 03:00
    conflicts = find_conflicts([a, b, c])
    start = datetime(2031, 4, 30, 22, tzinfo=UTC)  # May 1 00:00 Berlin
    counts = day_counts(
        [a, b, c], conflicts, start=start, end=start + timedelta(days=3), zone=BERLIN
    )
    assert [(d.day.isoformat(), d.releases, d.conflicts) for d in counts] == [
        ("2031-05-01", 1, 0),
        ("2031-05-02", 2, 1),
        ("2031-05-03", 1, 0),
    ]


def test_criteria_filter_projected_occurrences_like_the_store() -> None:
    projected = item("Week 20 Release", 0, 1, services=("payments",), projected=True)
    assert CalendarCriteria().admits(projected)
    assert CalendarCriteria(services=("payments",)).admits(projected)
    assert not CalendarCriteria(services=("search",)).admits(projected)
    assert CalendarCriteria(search="week 20").admits(projected)
    assert not CalendarCriteria(statuses=(ReleaseStatus.RUNNING,)).admits(projected)
    assert not CalendarCriteria(group_ids=("grp_x",)).admits(projected)
    hidden = CalendarCriteria(include_completed=False)
    assert ReleaseStatus.COMPLETED not in hidden.effective_statuses
    assert CalendarCriteria().effective_statuses == ()
