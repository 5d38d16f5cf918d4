from datetime import timedelta

import pytest

from app.domain.durations import Backoff, format_duration, parse_backoff, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT30M", timedelta(minutes=30)),
        ("P2D", timedelta(days=2)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("P1W", timedelta(weeks=1)),
        ("PT0.5S", timedelta(milliseconds=500)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("pt5m", timedelta(minutes=5)),
        ("30s", timedelta(seconds=30)),
        ("10m", timedelta(minutes=10)),
        ("2h", timedelta(hours=2)),
        ("3d", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("500ms", timedelta(milliseconds=500)),
        ("1.5h", timedelta(minutes=90)),
        ("0s", timedelta()),
    ],
)
def test_parse_duration_accepts_iso_and_short_forms(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "cannot be empty"),
        ("P", "not an ISO-8601 duration"),
        ("PT", "not an ISO-8601 duration"),
        ("P1DT", "not an ISO-8601 duration"),
        ("P1M", "no fixed length"),
        ("P1Y", "no fixed length"),
        ("10", "not a duration"),
        ("-5m", "not a duration"),
        ("5 minutes", "not a duration"),
        ("1m1m", "more than once"),
        ("999999999w", "too long"),
    ],
)
def test_parse_duration_refuses_with_a_clear_message(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_duration(text)


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        (timedelta(minutes=30), "PT30M"),
        (timedelta(days=2), "P2D"),
        (timedelta(days=1, hours=2, seconds=5), "P1DT2H5S"),
        (timedelta(milliseconds=500), "PT0.5S"),
        (timedelta(), "PT0S"),
        (-timedelta(minutes=5), "-PT5M"),
    ],
)
def test_format_duration_writes_iso_8601(span: timedelta, expected: str) -> None:
    assert format_duration(span) == expected


def test_format_then_parse_round_trips() -> None:
    span = timedelta(days=3, hours=4, minutes=5, seconds=6, microseconds=700)
    assert parse_duration(format_duration(span)) == span


def test_fixed_backoff_waits_the_same_every_time() -> None:
    backoff = parse_backoff("30s")
    assert backoff == Backoff(timedelta(seconds=30))
    assert [backoff.delay_for(n) for n in (1, 2, 5)] == [timedelta(seconds=30)] * 3


def test_exponential_backoff_doubles() -> None:
    backoff = parse_backoff("exponential:10s")
    delays = [backoff.delay_for(n).total_seconds() for n in (1, 2, 3, 4)]
    assert delays == [10, 20, 40, 80]


def test_exponential_backoff_stops_at_its_cap() -> None:
    backoff = parse_backoff("exponential:10s:1m")
    assert backoff.delay_for(3) == timedelta(seconds=40)
    assert backoff.delay_for(4) == timedelta(minutes=1)
    assert backoff.delay_for(1000) == timedelta(minutes=1)


def test_uncapped_backoff_does_not_overflow() -> None:
    assert parse_backoff("exponential:1h").delay_for(200) == timedelta.max


def test_the_default_backoff_is_no_wait() -> None:
    assert parse_backoff("0s").delay_for(1) == timedelta()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("linear:10s", "is not one of"),
        ("exponential:", "cannot be empty"),
        ("exponential:soon", "not a duration"),
        ("exponential:1m:10s", "cap is shorter"),
        ("fast", "not a duration"),
    ],
)
def test_parse_backoff_refuses_unknown_forms(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_backoff(text)


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        parse_backoff("1s").delay_for(0)
