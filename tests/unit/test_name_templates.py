"""Name templates of generated releases."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.domain.name_templates import render_name, template_problems, uses_field

THURSDAY = datetime(2031, 4, 10, 9, 30)
FRIDAY_END = datetime(2031, 4, 12, 0, 0)


def render(template: str, n: int = 7) -> str:
    return render_name(template, group="Weekly Train", start=THURSDAY, end=FRIDAY_END, n=n)


@pytest.mark.parametrize(
    ("template", "name"),
    [
        ("Week {isoweek} Release", "Week 15 Release"),
        ("{group} {date:%Y-%m-%d}", "Weekly Train 2031-04-10"),
        ("{group} {date}", "Weekly Train 2031-04-10"),
        ("{isoyear}-W{isoweek:02d}", "2031-W15"),
        ("{weekday} {day} {monthname} {year}", "Thursday 10 April 2031"),
        ("Q{quarter}/{year} #{n}", "Q2/2031 #7"),
        ("{start} to {end:%a %H:%M}", "2031-04-10 09:30 to Sat 00:00"),
        ("{{literal}} {month:02d}", "{literal} 04"),
    ],
)
def test_templates_render_each_field(template: str, name: str) -> None:
    assert template_problems(template) == []
    assert render(template) == name


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("Week {week}", "{week} is not a field"),
        ("{group.name}", "is not a field"),
        ("{date[0]}", "is not a field"),
        ("{group!r}", "no conversions"),
        ("{date:{group}}", "nested fields"),
        ("{isoweek:%Y}", "does not render"),
        ("Week {isoweek", "not a valid template"),
        ("   ", "must not be empty"),
    ],
)
def test_bad_templates_are_refused(template: str, message: str) -> None:
    problems = template_problems(template)
    assert problems
    assert all(p.path == "nameTemplate" for p in problems)
    assert any(message in p.message for p in problems), problems


def test_long_names_are_cut_to_the_limit() -> None:
    name = render_name("{group}" * 10, group="x" * 50, start=THURSDAY, end=THURSDAY, n=1)
    assert len(name) == 200
    assert name.endswith("…")


def test_uses_field_finds_the_sequence_number() -> None:
    assert uses_field("Train #{n}", "n")
    assert not uses_field("Week {isoweek}", "n")
