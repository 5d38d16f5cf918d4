"""Cadences: presets, rule checks, daylight-saving changes, month ends, leap years, windows."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.cadence import (
    CadenceUnit,
    Schedule,
    classify,
    end_of_window,
    normalise_rule,
    preset_rule,
    rule_problems,
    zone_problems,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def schedule(
    rule: str, start: datetime, zone: ZoneInfo = BERLIN, duration: timedelta = timedelta(hours=2)
) -> Schedule:
    return Schedule(rule, zone, start.astimezone(UTC), duration)


def local(moments: list[datetime], zone: ZoneInfo = BERLIN) -> list[str]:
    return [m.astimezone(zone).strftime("%Y-%m-%d %H:%M %z") for m in moments]


def test_presets_anchor_on_the_start_date() -> None:
    thursday = datetime(2031, 4, 10, 9, tzinfo=BERLIN)
    assert preset_rule(CadenceUnit.WEEKLY, thursday) == "FREQ=WEEKLY;BYDAY=TH"
    assert preset_rule(CadenceUnit.MONTHLY, thursday) == "FREQ=MONTHLY;BYMONTHDAY=10"
    assert preset_rule(CadenceUnit.QUARTERLY, thursday) == "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=10"
    month_end = datetime(2031, 1, 31, 9, tzinfo=BERLIN)
    assert preset_rule(CadenceUnit.MONTHLY, month_end) == (
        "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
    )
    with pytest.raises(ValueError, match="CUSTOM"):
        preset_rule(CadenceUnit.CUSTOM, thursday)


@pytest.mark.parametrize(
    ("rule", "unit"),
    [
        ("FREQ=WEEKLY;BYDAY=TH", CadenceUnit.WEEKLY),
        ("FREQ=MONTHLY;BYDAY=1MO", CadenceUnit.MONTHLY),
        ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1", CadenceUnit.QUARTERLY),
        ("FREQ=YEARLY;BYMONTH=1,4,7,10;BYDAY=1MO", CadenceUnit.QUARTERLY),
        ("FREQ=YEARLY;BYMONTH=1,4,7,11;BYDAY=1MO", CadenceUnit.CUSTOM),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", CadenceUnit.CUSTOM),
        ("FREQ=DAILY", CadenceUnit.CUSTOM),
    ],
)
def test_rules_are_classified_by_their_period(rule: str, unit: CadenceUnit) -> None:
    assert classify(rule) is unit


def test_rules_may_carry_the_rrule_prefix_and_any_case() -> None:
    assert normalise_rule("  RRULE:freq=weekly;byday=th ") == "FREQ=WEEKLY;BYDAY=TH"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=HOURLY", "finer than DAILY"),
        ("FREQ=MINUTELY;INTERVAL=30", "finer than DAILY"),
        ("FREQ=SECONDLY", "finer than DAILY"),
        ("FREQ=FORTNIGHTLY", "not one of DAILY"),
        ("BYDAY=MO", "FREQ is required"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a valid RRULE"),
        ("FREQ=WEEKLY;FOO=1", "FOO is not an RRULE part"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL must be"),
        ("FREQ=WEEKLY;COUNT=0", "COUNT must be"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20311231T000000Z", "COUNT or UNTIL"),
        ("FREQ=WEEKLY;UNTIL=20311231", "UNTIL must be a UTC time"),
        ("FREQ=DAILY;BYHOUR=9", "time of day comes from startDate"),
        ("DTSTART=20310101T000000Z;FREQ=DAILY", "set startDate"),
        ("", "must not be empty"),
        ("FREQ=WEEKLY\nRRULE:FREQ=DAILY", "single RRULE line"),
        ("FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2", "never occurs"),
        ("FREQ=MONTHLY;UNTIL=20300101T000000Z", "never occurs"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(rule: str, message: str) -> None:
    start = datetime(2031, 1, 2, 9, tzinfo=BERLIN)
    problems = rule_problems(normalise_rule(rule), start, None)
    assert problems, rule
    assert all(p.path == "rule" for p in problems)
    assert any(message in p.message for p in problems), problems


def test_a_rule_that_never_matches_is_refused_quickly() -> None:
    # dateutil alone would look until the year 9999 (about 12 s for this rule).
    started = time.perf_counter()
    problems = rule_problems(
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", datetime(2031, 1, 2, 9, tzinfo=BERLIN), None
    )
    assert problems
    assert "never occurs" in problems[0].message
    assert time.perf_counter() - started < 3


def test_an_end_before_the_first_occurrence_is_refused() -> None:
    start = datetime(2031, 1, 2, 9, tzinfo=BERLIN)  # a Thursday; the rule wants Mondays
    problems = rule_problems("FREQ=WEEKLY;BYDAY=MO", start, datetime(2031, 1, 5, tzinfo=UTC))
    assert [p.path for p in problems] == ["endDate"]


def test_count_and_until_bound_the_occurrences() -> None:
    start = datetime(2031, 1, 2, 9, tzinfo=BERLIN)
    counted = schedule("FREQ=WEEKLY;COUNT=3", start)
    assert len(counted.next_occurrences(start, 10)) == 3
    until = schedule("FREQ=WEEKLY;UNTIL=20310117T000000Z", start)
    assert local(until.next_occurrences(start, 10)) == [
        "2031-01-02 09:00 +0100",
        "2031-01-09 09:00 +0100",
        "2031-01-16 09:00 +0100",
    ]


def test_time_zones_are_checked() -> None:
    assert zone_problems("Europe/Berlin") == []
    assert zone_problems("Mars/Olympus")[0].path == "timezone"
    assert zone_problems("../etc/passwd")


def test_a_weekly_release_keeps_its_local_time_across_spring_forward() -> None:
    train = schedule("FREQ=WEEKLY;BYDAY=TH", datetime(2031, 3, 20, 9, tzinfo=BERLIN))
    found = train.occurrences(datetime(2031, 3, 19, tzinfo=UTC), datetime(2031, 4, 4, tzinfo=UTC))
    assert local(found) == [
        "2031-03-20 09:00 +0100",
        "2031-03-27 09:00 +0100",
        "2031-04-03 09:00 +0200",  # Europe changed to summer time on 2031-03-30
    ]
    assert [m.hour for m in found] == [8, 8, 7]  # in UTC the release moves instead


def test_a_weekly_release_keeps_its_local_time_across_fall_back() -> None:
    train = schedule("FREQ=WEEKLY;BYDAY=MO", datetime(2031, 10, 27, 10, tzinfo=NEW_YORK), NEW_YORK)
    found = train.next_occurrences(datetime(2031, 10, 27, tzinfo=UTC), 3)
    assert local(found, NEW_YORK) == [
        "2031-10-27 10:00 -0400",
        "2031-11-03 10:00 -0500",  # the US changed back on 2031-11-02
        "2031-11-10 10:00 -0500",
    ]


def test_a_skipped_local_time_moves_forward_and_a_repeated_one_is_the_first() -> None:
    nightly = schedule("FREQ=WEEKLY;BYDAY=SU", datetime(2031, 3, 23, 2, 30, tzinfo=BERLIN))
    spring = nightly.next_occurrences(datetime(2031, 3, 23, tzinfo=UTC), 3)
    # 02:30 does not exist on 2031-03-30: the clocks jump from 02:00 to 03:00.
    assert local(spring) == [
        "2031-03-23 02:30 +0100",
        "2031-03-30 03:30 +0200",
        "2031-04-06 02:30 +0200",
    ]
    autumn = schedule("FREQ=WEEKLY;BYDAY=SU", datetime(2031, 10, 19, 2, 30, tzinfo=BERLIN))
    repeated = autumn.next_occurrences(datetime(2031, 10, 19, tzinfo=UTC), 2)
    # 02:30 happens twice on 2031-10-26; the first (summer time) one counts.
    assert local(repeated)[1] == "2031-10-26 02:30 +0200"


def test_a_monthly_preset_from_the_31st_clamps_to_each_month_end() -> None:
    start = datetime(2031, 1, 31, 9, tzinfo=BERLIN)
    monthly = schedule(preset_rule(CadenceUnit.MONTHLY, start), start)
    assert [
        m.astimezone(BERLIN).date().isoformat() for m in monthly.next_occurrences(start, 4)
    ] == [
        "2031-01-31",
        "2031-02-28",
        "2031-03-31",
        "2031-04-30",
    ]


def test_month_ends_follow_leap_years() -> None:
    start = datetime(2032, 1, 30, 9, tzinfo=BERLIN)
    monthly = schedule(preset_rule(CadenceUnit.MONTHLY, start), start)
    days = [m.astimezone(BERLIN).date().isoformat() for m in monthly.next_occurrences(start, 3)]
    assert days == ["2032-01-30", "2032-02-29", "2032-03-30"]  # 2032 is a leap year


def test_a_yearly_rule_on_february_29_waits_for_leap_years() -> None:
    leap_day = schedule("FREQ=YEARLY", datetime(2032, 2, 29, 9, tzinfo=BERLIN))
    years = [m.year for m in leap_day.next_occurrences(datetime(2032, 1, 1, tzinfo=UTC), 3)]
    assert years == [2032, 2036, 2040]  # RFC 5545: invalid dates are skipped


def test_the_reference_text_cadences() -> None:
    # "Every Thursday", "first Monday of each month", "first week of Jan, Apr, Jul, Oct".
    start = datetime(2031, 1, 1, 9, tzinfo=BERLIN)
    thursdays = schedule("FREQ=WEEKLY;BYDAY=TH", start).next_occurrences(start, 2)
    assert local(thursdays) == ["2031-01-02 09:00 +0100", "2031-01-09 09:00 +0100"]
    mondays = schedule("FREQ=MONTHLY;BYDAY=1MO", start).next_occurrences(start, 3)
    assert local(mondays) == [
        "2031-01-06 09:00 +0100",
        "2031-02-03 09:00 +0100",
        "2031-03-03 09:00 +0100",
    ]
    quarterly = schedule(
        "FREQ=YEARLY;BYMONTH=1,4,7,10;BYDAY=1MO", start, duration=timedelta(days=5)
    )
    firsts = quarterly.next_occurrences(start, 4)
    assert [m.astimezone(BERLIN).date().isoformat() for m in firsts] == [
        "2031-01-06",
        "2031-04-07",
        "2031-07-07",
        "2031-10-06",
    ]
    assert quarterly.window(firsts[0])[1].astimezone(BERLIN).strftime("%a %H:%M") == "Sat 09:00"


def test_days_in_a_window_are_nominal_and_hours_exact() -> None:
    # "2 days: Thursday and Friday" ends at Saturday 00:00 local.
    thursday = datetime(2031, 3, 27, 0, 0, tzinfo=BERLIN)
    ends = end_of_window(thursday, timedelta(days=2))
    assert ends.astimezone(BERLIN).strftime("%a %H:%M") == "Sat 00:00"
    # Across the change to summer time, two calendar days last 47 hours.
    saturday = datetime(2031, 3, 29, 0, 0, tzinfo=BERLIN)
    end = end_of_window(saturday, timedelta(days=2))
    assert end.astimezone(BERLIN).strftime("%a %H:%M") == "Mon 00:00"
    assert end - saturday == timedelta(hours=47)
    hours = end_of_window(datetime(2031, 3, 30, 1, 0, tzinfo=BERLIN), timedelta(hours=3))
    assert hours.astimezone(BERLIN).strftime("%H:%M") == "05:00"  # 3 h of real time


def test_occurrences_are_numbered_from_the_start_date() -> None:
    start = datetime(2031, 1, 2, 9, tzinfo=BERLIN)
    train = schedule("FREQ=WEEKLY;BYDAY=TH", start)
    third = train.next_occurrences(start, 3)[2]
    assert train.sequence_number(third) == 3
    assert train.is_occurrence(third)
    assert not train.is_occurrence(third + timedelta(minutes=1))


def test_an_end_date_stops_the_occurrences() -> None:
    start = datetime(2031, 1, 2, 9, tzinfo=BERLIN)
    bounded = Schedule(
        "FREQ=WEEKLY;BYDAY=TH",
        BERLIN,
        start.astimezone(UTC),
        timedelta(hours=1),
        end=datetime(2031, 1, 10, tzinfo=UTC),
    )
    assert len(bounded.next_occurrences(start, 5)) == 2
    assert len(bounded.occurrences(start, start + timedelta(days=60))) == 2
