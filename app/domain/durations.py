"""Durations as people write them (`PT30M`, `30m`, `1h30m`) and retry backoff rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

_NUMBER = r"\d{1,9}(?:[.,]\d{1,9})?"

# Years and months are matched only to refuse them with a helpful message: neither has a
# fixed length, so "P1M" could never mean the same span twice.
_ISO = re.compile(
    rf"""P(?:(?P<years>{_NUMBER})Y)?(?:(?P<months>{_NUMBER})M)?(?:(?P<weeks>{_NUMBER})W)?
    (?:(?P<days>{_NUMBER})D)?
    (?:T(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?(?:(?P<seconds>{_NUMBER})S)?)?""",
    re.IGNORECASE | re.VERBOSE,
)
_SHORT_PART = re.compile(rf"\s*({_NUMBER})\s*(ms|w|d|h|m|s)")
_SHORT_UNITS = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
    "ms": timedelta(milliseconds=1),
}
_EXAMPLES = "e.g. 'PT30M', 'P2D', '30s', '10m', '1h30m' or '500ms'"


def parse_duration(text: str) -> timedelta:
    """The span an ISO-8601 (`PT1H30M`) or short (`1h30m`) duration names; ValueError if none."""
    stripped = text.strip()
    if not stripped:
        raise ValueError(f"a duration cannot be empty ({_EXAMPLES})")
    try:
        if stripped[0] in "Pp":
            return _parse_iso(stripped)
        return _parse_short(stripped)
    except OverflowError:
        raise ValueError(f"duration {text!r} is too long") from None


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _parse_iso(text: str) -> timedelta:
    match = _ISO.fullmatch(text)
    parts = match.groupdict() if match else {}
    if not match or all(v is None for v in parts.values()) or text.upper().endswith("T"):
        raise ValueError(f"{text!r} is not an ISO-8601 duration ({_EXAMPLES})")
    if parts["years"] is not None or parts["months"] is not None:
        raise ValueError(
            f"{text!r} uses years or months, which have no fixed length; use days or weeks"
        )
    return timedelta(
        weeks=_number(parts["weeks"] or "0"),
        days=_number(parts["days"] or "0"),
        hours=_number(parts["hours"] or "0"),
        minutes=_number(parts["minutes"] or "0"),
        seconds=_number(parts["seconds"] or "0"),
    )


def _parse_short(text: str) -> timedelta:
    total = timedelta()
    seen: set[str] = set()
    position = 0
    while position < len(text):
        match = _SHORT_PART.match(text, position)
        if match is None:
            raise ValueError(f"{text!r} is not a duration ({_EXAMPLES})")
        amount, unit = match.groups()
        if unit in seen:
            raise ValueError(f"{text!r} gives the unit {unit!r} more than once")
        seen.add(unit)
        total += _SHORT_UNITS[unit] * _number(amount)
        position = match.end()
    return total


def format_duration(span: timedelta) -> str:
    """The ISO-8601 form of `span` (`P1DT2H`, `PT0.5S`); negative spans get a leading '-'."""
    if span < timedelta():
        return "-" + format_duration(-span)
    days = span.days
    hours, rest = divmod(span.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"P{days}D" if days else "P"
    time_part = ""
    if hours:
        time_part += f"{hours}H"
    if minutes:
        time_part += f"{minutes}M"
    if seconds or span.microseconds:
        fraction = f"{span.microseconds:06d}".rstrip("0")
        time_part += f"{seconds}.{fraction}S" if fraction else f"{seconds}S"
    if time_part:
        text += "T" + time_part
    return text if text != "P" else "PT0S"


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long to wait before the next attempt: fixed, or doubling from `initial` up to `cap`."""

    initial: timedelta
    exponential: bool = False
    cap: timedelta | None = None

    def delay_for(self, attempt: int) -> timedelta:
        """The wait after failed attempt number `attempt` (1 = the first attempt)."""
        if attempt < 1:
            raise ValueError("attempts are counted from 1")
        if not self.exponential:
            return self.initial
        ceiling = self.cap if self.cap is not None else timedelta.max
        # Past 2**40 the product overflows timedelta long before any cap would matter.
        if attempt > 40:
            return ceiling
        try:
            delay = self.initial * (1 << (attempt - 1))
        except OverflowError:
            return ceiling
        return min(delay, ceiling)


_BACKOFF_FORMS = "'30s' (fixed), 'exponential:10s' or 'exponential:10s:5m' (with a cap)"


def parse_backoff(text: str) -> Backoff:
    """The backoff rule `text` names: a duration, or `exponential:<initial>[:<cap>]`."""
    kind, colon, rest = text.strip().partition(":")
    if not colon:
        return Backoff(_backoff_duration(kind, text))
    if kind.strip().lower() != "exponential":
        raise ValueError(f"backoff {text!r} is not one of {_BACKOFF_FORMS}")
    initial_text, _, cap_text = rest.partition(":")
    initial = _backoff_duration(initial_text, text)
    if not cap_text:
        return Backoff(initial, exponential=True)
    cap = _backoff_duration(cap_text, text)
    if cap < initial:
        raise ValueError(f"backoff {text!r}: the cap is shorter than the initial delay")
    return Backoff(initial, exponential=True, cap=cap)


def _backoff_duration(part: str, whole: str) -> timedelta:
    try:
        return parse_duration(part)
    except ValueError as error:
        raise ValueError(f"backoff {whole!r}: {error}; forms: {_BACKOFF_FORMS}") from None
