"""Names of generated releases: a template such as `Week {isoweek} Release` per occurrence.

Fields (all in the group's time zone):

| field | value | example |
| --- | --- | --- |
| `{group}` | the group's name | `Weekly Production Release` |
| `{date}` | the start date; strftime spec allowed | `2031-04-10`, `{date:%d %b %Y}` |
| `{start}`, `{end}` | start and end time; strftime spec allowed | `2031-04-10 09:00` |
| `{isoweek}`, `{isoyear}` | ISO-8601 week number and its year | `15`, `{isoweek:02d}` → `15` |
| `{year}`, `{month}`, `{day}` | numbers | `2031`, `4`, `10` |
| `{monthname}`, `{weekday}` | English names | `April`, `Thursday` |
| `{quarter}` | 1 to 4 | `2` |
| `{n}` | the occurrence's number, 1 for the first after the start date | `7` |

Only plain field names are allowed: no attribute or index access, no conversions.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from string import Formatter

from app.domain.errors import FieldProblem

MAX_NAME_LENGTH = 200
DEFAULT_TEMPLATE = "{group} {date}"
FIELDS = (
    "group",
    "date",
    "start",
    "end",
    "isoweek",
    "isoyear",
    "year",
    "month",
    "day",
    "monthname",
    "weekday",
    "quarter",
    "n",
)


@dataclass(frozen=True, slots=True)
class _Moment:
    """A local time that formats with strftime; plain `{start}` is `YYYY-MM-DD HH:MM`."""

    value: datetime | date
    default: str

    def __format__(self, spec: str) -> str:
        return self.value.strftime(spec or self.default)


def _values(group: str, start: datetime, end: datetime, n: int) -> dict[str, object]:
    iso = start.isocalendar()
    return {
        "group": group,
        "date": _Moment(start.date(), "%Y-%m-%d"),
        "start": _Moment(start, "%Y-%m-%d %H:%M"),
        "end": _Moment(end, "%Y-%m-%d %H:%M"),
        "isoweek": iso.week,
        "isoyear": iso.year,
        "year": start.year,
        "month": start.month,
        "day": start.day,
        "monthname": calendar.month_name[start.month],
        "weekday": calendar.day_name[start.weekday()],
        "quarter": (start.month - 1) // 3 + 1,
        "n": n,
    }


def template_problems(template: str, path: str = "nameTemplate") -> list[FieldProblem]:
    """Every problem of a name template, checked by rendering a sample occurrence."""
    problems: list[FieldProblem] = []
    if not template.strip():
        return [FieldProblem(path, "must not be empty (e.g. 'Week {isoweek} Release')")]
    try:
        pieces = list(Formatter().parse(template))
    except ValueError as error:
        return [FieldProblem(path, f"is not a valid template: {error} (write {{{{ for a brace)")]
    known = ", ".join(f"{{{name}}}" for name in FIELDS)
    for _, field, spec, conversion in pieces:
        if field is None:
            continue
        if field not in FIELDS:
            problems.append(FieldProblem(path, f"{{{field}}} is not a field; use {known}"))
        if conversion:
            problems.append(FieldProblem(path, f"{{{field}!{conversion}}}: no conversions"))
        if spec and "{" in spec:
            problems.append(FieldProblem(path, f"{{{field}}}: nested fields are not allowed"))
    if problems:
        return problems
    sample = datetime(2031, 4, 10, 9, 0)
    try:
        render_name(template, group="Sample", start=sample, end=sample, n=1)
    except (ValueError, TypeError) as error:
        problems.append(FieldProblem(path, f"does not render: {error}"))
    return problems


def uses_field(template: str, name: str) -> bool:
    """True when a (checked) template refers to the field `name`."""
    return any(field == name for _, field, _, _ in Formatter().parse(template))


def render_name(template: str, *, group: str, start: datetime, end: datetime, n: int) -> str:
    """The name of the occurrence starting at local time `start` (template already checked)."""
    name = template.format_map(_values(group, start, end, n)).strip()
    if len(name) > MAX_NAME_LENGTH:
        name = name[: MAX_NAME_LENGTH - 1].rstrip() + "…"
    return name or group
