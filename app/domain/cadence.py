"""Cadences: when a release group's releases happen, as an RFC 5545 RRULE in a time zone.

The rule runs in the group's local time (python-dateutil over zoneinfo), so a weekly
09:00 release stays at 09:00 local across daylight-saving changes; its instant in UTC
moves instead. A local time that does not exist (the hour skipped in spring) is shifted
forward by the gap; an ambiguous one (the hour repeated in autumn) is its first instance.
The time of day always comes from the start date, so a rule yields at most one occurrence
a day and FREQ is DAILY or coarser.

Windows follow RFC 5545's DURATION rules: days and weeks are nominal (a "P2D" release
starting at 00:00 ends at 00:00 two local days later, 47 or 49 hours across a change),
hours, minutes and seconds are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import MAXYEAR, UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from app.domain.errors import FieldProblem


class CadenceUnit(StrEnum):
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    CUSTOM = "CUSTOM"


_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY")
_TOO_FINE = ("HOURLY", "MINUTELY", "SECONDLY")
_PARTS = frozenset(
    {
        "FREQ",
        "UNTIL",
        "COUNT",
        "INTERVAL",
        "BYDAY",
        "BYMONTHDAY",
        "BYYEARDAY",
        "BYWEEKNO",
        "BYMONTH",
        "BYSETPOS",
        "WKST",
    }
)
_TIME_PARTS = frozenset({"BYHOUR", "BYMINUTE", "BYSECOND"})
# A rule must occur within this long after its start date to be accepted.
LOOKAHEAD_YEARS = 10
# The Gregorian calendar repeats every 400 years (weekdays and leap years alike).
_CYCLE_YEARS = 400
MAX_DURATION = timedelta(days=366)


def parse_zone(name: str) -> ZoneInfo | None:
    """The IANA time zone called `name`, or None when there is no such zone."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone_problems(name: str, path: str = "timezone") -> list[FieldProblem]:
    """A problem when `name` is not an IANA time zone such as Europe/Berlin."""
    if parse_zone(name) is None:
        return [FieldProblem(path, f"{name!r} is not an IANA time zone (e.g. Europe/Berlin, UTC)")]
    return []


def normalise_rule(text: str) -> str:
    """The rule without an `RRULE:` prefix and surrounding space, in upper case."""
    rule = text.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    return rule.strip().upper()


def rule_parts(rule: str) -> dict[str, str]:
    """`FREQ=WEEKLY;BYDAY=TH` as `{"FREQ": "WEEKLY", "BYDAY": "TH"}` (no checking)."""
    parts: dict[str, str] = {}
    for piece in rule.split(";"):
        name, _, value = piece.partition("=")
        parts[name.strip()] = value.strip()
    return parts


def _month_day_rule(day: int) -> str:
    # Days past the 28th clamp to the month's end: the 31st is Feb 28 (29 in leap years),
    # Apr 30, ... instead of skipping the months that lack it, as a bare BYMONTHDAY would.
    if day <= 28:
        return f"BYMONTHDAY={day}"
    return f"BYMONTHDAY={','.join(str(d) for d in range(28, day + 1))};BYSETPOS=-1"


def preset_rule(unit: CadenceUnit, local_start: datetime) -> str:
    """The rule of a preset cadence, anchored on the start date's weekday or day of month."""
    if unit is CadenceUnit.WEEKLY:
        return f"FREQ=WEEKLY;BYDAY={_WEEKDAYS[local_start.weekday()]}"
    if unit is CadenceUnit.MONTHLY:
        return f"FREQ=MONTHLY;{_month_day_rule(local_start.day)}"
    if unit is CadenceUnit.QUARTERLY:
        return f"FREQ=MONTHLY;INTERVAL=3;{_month_day_rule(local_start.day)}"
    raise ValueError("a CUSTOM cadence has no preset rule")


def classify(rule: str) -> CadenceUnit:
    """The preset a rule's period matches (weekly, monthly, every three months), else CUSTOM."""
    parts = rule_parts(rule)
    freq = parts.get("FREQ")
    interval = parts.get("INTERVAL", "1")
    months = [m for m in parts.get("BYMONTH", "").split(",") if m]
    if freq == "WEEKLY" and interval == "1":
        return CadenceUnit.WEEKLY
    if freq == "MONTHLY" and not months:
        if interval == "1":
            return CadenceUnit.MONTHLY
        if interval == "3":
            return CadenceUnit.QUARTERLY
    # e.g. BYMONTH=1,4,7,10: one month of each quarter, always the same one.
    quarterly_months = (
        len(set(months)) == 4
        and all(m.isdigit() for m in months)
        and len({int(m) % 3 for m in months}) == 1
    )
    if freq == "YEARLY" and interval == "1" and quarterly_months:
        return CadenceUnit.QUARTERLY
    return CadenceUnit.CUSTOM


def syntax_problems(rule: str) -> list[str]:
    """What is wrong with the rule's text before dateutil reads it."""
    if not rule:
        return ["must not be empty (e.g. FREQ=WEEKLY;BYDAY=TH)"]
    if "\n" in rule or "\r" in rule:
        return ["must be a single RRULE line; the start date and time zone are separate fields"]
    messages = []
    parts = rule_parts(rule)
    for name in parts:
        if name in _TIME_PARTS:
            messages.append(f"{name} is not supported: the time of day comes from startDate")
        elif name == "DTSTART":
            messages.append("DTSTART is not part of the rule: set startDate instead")
        elif name not in _PARTS:
            messages.append(f"{name or '(empty)'} is not an RRULE part")
    freq = parts.get("FREQ")
    if freq is None:
        messages.append("FREQ is required (DAILY, WEEKLY, MONTHLY or YEARLY)")
    elif freq in _TOO_FINE:
        messages.append(f"FREQ={freq} is finer than DAILY; releases repeat at most daily")
    elif freq not in _FREQS:
        messages.append(f"FREQ={freq} is not one of DAILY, WEEKLY, MONTHLY, YEARLY")
    for name in ("INTERVAL", "COUNT"):
        if name in parts and (not parts[name].isdigit() or int(parts[name]) < 1):
            messages.append(f"{name} must be a whole number of at least 1")
    if "COUNT" in parts and "UNTIL" in parts:
        messages.append("give COUNT or UNTIL, not both")
    if "UNTIL" in parts and not parts["UNTIL"].endswith("Z"):
        messages.append("UNTIL must be a UTC time such as 20311231T235959Z")
    return messages


def compile_rule(rule: str, local_start: datetime) -> rrule:
    """The dateutil rule for `rule` starting at `local_start`; ValueError when unreadable."""
    try:
        compiled = rrulestr(rule, dtstart=local_start)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise ValueError(f"is not a valid RRULE: {error}") from None
    if not isinstance(compiled, rrule):  # an rruleset needs several lines; refused above
        raise ValueError("must be a single RRULE")
    return compiled


def first_occurrence(compiled: rrule, local_start: datetime) -> datetime | None:
    """The rule's first local occurrence, found with bounded work; None if it never occurs.

    dateutil looks for a match until the year 9999, which takes seconds for a rule that
    never matches (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30). Shifting the start by whole
    400-year cycles, which repeat the calendar exactly, leaves it only a few centuries.
    """
    cycles = max(0, (MAXYEAR - LOOKAHEAD_YEARS - local_start.year) // _CYCLE_YEARS)
    shift = cycles * _CYCLE_YEARS
    probe = compiled.replace(
        dtstart=local_start.replace(year=local_start.year + shift, tzinfo=None),
        until=None,
        count=None,
    )
    found: datetime | None = next(iter(probe), None)
    if found is None:
        return None
    first = found.replace(year=found.year - shift, tzinfo=local_start.tzinfo)
    until: datetime | None = getattr(compiled, "_until", None)  # no public accessor
    if until is not None and first > until:
        return None
    return first


def rule_problems(
    rule: str, local_start: datetime, end: datetime | None, path: str = "rule"
) -> list[FieldProblem]:
    """Every problem of a rule for a group starting at `local_start` (aware, local)."""
    messages = syntax_problems(rule)
    if messages:
        return [FieldProblem(path, message) for message in messages]
    try:
        compiled = compile_rule(rule, local_start)
    except ValueError as error:
        return [FieldProblem(path, str(error))]
    first = first_occurrence(compiled, local_start)
    horizon = local_start + timedelta(days=365 * LOOKAHEAD_YEARS + 3)
    if first is None or first > horizon:
        return [
            FieldProblem(
                path, f"never occurs in the {LOOKAHEAD_YEARS} years after startDate; check it"
            )
        ]
    if end is not None and first.astimezone(UTC) > end:
        return [FieldProblem("endDate", "comes before the first occurrence; nothing would run")]
    return []


def to_utc(local: datetime) -> datetime:
    """The instant of an aware local time (a skipped local time moves forward by the gap)."""
    return local.astimezone(UTC)


def wall_time(moment: datetime, zone: tzinfo) -> datetime:
    """`moment` as local wall-clock time in `zone`, aware."""
    return moment.astimezone(zone)


def end_of_window(local_start: datetime, duration: timedelta) -> datetime:
    """The end of a window, in UTC: whole days on the calendar, the rest by the clock."""
    zone = local_start.tzinfo
    wall_end = (local_start.replace(tzinfo=None) + timedelta(days=duration.days)).replace(
        tzinfo=zone
    )
    rest = duration - timedelta(days=duration.days)
    return to_utc(wall_end) + rest


@dataclass(frozen=True)
class Schedule:
    """A group's occurrences: `rule` from `start` in `zone`, none starting after `end`."""

    rule: str
    zone: ZoneInfo
    start: datetime  # an aware instant: the first possible occurrence and the time of day
    duration: timedelta
    end: datetime | None = None

    @cached_property
    def local_start(self) -> datetime:
        return wall_time(self.start, self.zone)

    @cached_property
    def _compiled(self) -> rrule:
        return compile_rule(self.rule, self.local_start)

    def _limit(self, before: datetime) -> datetime:
        return before if self.end is None else min(before, self.end + timedelta(microseconds=1))

    def occurrences(self, after: datetime, before: datetime) -> list[datetime]:
        """Occurrence instants (UTC) with `after <= occurrence < before`."""
        before = self._limit(before)
        if before <= after:
            return []
        # dateutil compares local times; a day's margin covers any offset, then filter exactly.
        low = wall_time(after, self.zone) - timedelta(days=1)
        high = wall_time(before, self.zone) + timedelta(days=1)
        found = (to_utc(local) for local in self._compiled.between(low, high, inc=True))
        return sorted({moment for moment in found if after <= moment < before})

    def next_occurrences(self, after: datetime, count: int) -> list[datetime]:
        """The first `count` occurrence instants at or after `after`."""
        found: list[datetime] = []
        local_after = wall_time(after, self.zone) - timedelta(days=1)
        for local in self._compiled.xafter(local_after, count=count + 3, inc=True):
            moment = to_utc(local)
            if self.end is not None and moment > self.end:
                break
            if moment >= after and moment not in found:
                found.append(moment)
            if len(found) == count:
                break
        return found

    def is_occurrence(self, moment: datetime) -> bool:
        """True when an occurrence starts exactly at `moment`."""
        return moment in self.occurrences(moment, moment + timedelta(microseconds=1))

    def sequence_number(self, occurrence: datetime) -> int:
        """1 for the first occurrence after the start date, 2 for the next, ..."""
        local = wall_time(occurrence, self.zone)
        return len(self._compiled.between(self.local_start, local, inc=True))

    def window(self, occurrence: datetime) -> tuple[datetime, datetime]:
        """When the release of an occurrence runs: its start and end, in UTC."""
        return occurrence, end_of_window(wall_time(occurrence, self.zone), self.duration)
