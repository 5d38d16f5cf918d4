"""Review before execution: the checks a person should see before scheduling or starting.

Following the reference text's best practices: inputs provided and valid, variables that
resolve, owners for every phase, a sound schedule without conflicts, a clear name, a
documented context, and a valid process structure. ERROR checks block scheduling; WARNING
checks are advice.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from app.domain.errors import FieldProblem
from app.domain.naming import naming_problems
from app.domain.overlaps import shared_resources
from app.domain.process_validation import validate_process
from app.domain.readiness import CLOCK_SKEW, input_problems, variable_problems
from app.domain.release import Release, ReleaseStatus

Severity = Literal["ERROR", "WARNING"]

# schedule_release checks these itself, per field and against the requested window, so
# the use case leaves them out of the review's blocking problems: `skip=CHECKED_ON_SCHEDULE`.
CHECKED_ON_SCHEDULE = frozenset({"inputs", "variables", "schedule"})

# What a description should cover when the structured context does not.
_TOPICS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("purpose", "purpose", re.compile(r"\b(purpose|goal|why)\b", re.IGNORECASE)),
    ("scope", "scope", re.compile(r"\bscope\b", re.IGNORECASE)),
    ("risks", "risks", re.compile(r"\brisks?\b", re.IGNORECASE)),
    (
        "rollback_plan",
        "rollback plan",
        re.compile(r"\b(roll[\s-]?back|revert)", re.IGNORECASE),
    ),
)


@dataclass(frozen=True, slots=True)
class ReviewCheck:
    """One item of the review: whether it passed, how much a failure matters, and why."""

    name: str
    ok: bool
    severity: Severity
    message: str


def _listed(problems: Iterable[FieldProblem]) -> str:
    return "; ".join(f"{problem.path}: {problem.message}" for problem in problems)


def _when(moment: datetime) -> str:
    return moment.isoformat()


def _inputs(release: Release) -> ReviewCheck:
    problems = input_problems(release)
    if problems:
        return ReviewCheck("inputs", False, "ERROR", f"inputs are not ready: {_listed(problems)}")
    count = len(release.plan.inputs)
    return ReviewCheck("inputs", True, "ERROR", f"all {count} input(s) are provided and valid")


def _variables(release: Release) -> ReviewCheck:
    problems = variable_problems(release)
    if problems:
        message = f"variables do not resolve: {_listed(problems)}"
        return ReviewCheck("variables", False, "ERROR", message)
    return ReviewCheck("variables", True, "ERROR", "every variable resolves")


def _owners(release: Release) -> ReviewCheck:
    missing = [phase.key for phase in release.plan.phases if not release.owner_of(phase)]
    if missing:
        message = f"phases without an owner: {', '.join(missing)}"
        return ReviewCheck("owners", False, "WARNING", message)
    return ReviewCheck("owners", True, "WARNING", "every phase has an owner")


def _schedule(release: Release, now: datetime) -> ReviewCheck:
    start, end = release.scheduled_start, release.scheduled_end
    if start is None:
        message = "no scheduled start: the release runs on demand; make sure that is intended"
        return ReviewCheck("schedule", False, "WARNING", message)
    problems = []
    if end is not None and end <= start:
        problems.append(f"the end ({_when(end)}) is not after the start ({_when(start)})")
    not_started = release.status in (ReleaseStatus.DRAFT, ReleaseStatus.SCHEDULED)
    if not_started and start < now - CLOCK_SKEW:
        problems.append(f"the start ({_when(start)}) is in the past")
    if problems:
        return ReviewCheck("schedule", False, "ERROR", "; ".join(problems))
    until = f" until {_when(end)}" if end else " (no end set)"
    return ReviewCheck("schedule", True, "ERROR", f"starts at {_when(start)}{until}")


def _conflicts(release: Release, overlapping: Sequence[Release]) -> ReviewCheck:
    others = [other for other in overlapping if other.id != release.id]
    conflicts: list[str] = []
    for other in others:
        # The same rule as the calendar's conflicts (app/domain/overlaps.py).
        shared = shared_resources(
            release.services, release.environments, other.services, other.environments
        )
        if shared:
            conflicts.append(f"{other.name!r} ({other.id}) shares {shared.describe()}")
    plain = len(others) - len(conflicts)
    plain_note = (
        f"{plain} other overlapping release(s) share no service or environment" if plain else ""
    )
    if conflicts:
        message = "conflicts: " + "; ".join(conflicts)
        message += f" ({plain_note})" if plain else ""
        return ReviewCheck("conflicts", False, "WARNING", message)
    message = plain_note or "no other release overlaps this window"
    return ReviewCheck("conflicts", True, "WARNING", message)


def _naming(release: Release) -> ReviewCheck:
    problems = naming_problems(release)
    if problems:
        return ReviewCheck("naming", False, "WARNING", "; ".join(problems))
    return ReviewCheck("naming", True, "WARNING", "the name follows the naming guidance")


def missing_context(release: Release) -> list[str]:
    """Which of purpose, scope, risks and rollback plan neither the context nor the text gives."""
    context = release.context
    description = release.description or ""
    missing = []
    for field, label, mention in _TOPICS:
        given = getattr(context, field) if context is not None else None
        if (given is None or not given.strip()) and not mention.search(description):
            missing.append(label)
    return missing


def _description(release: Release) -> ReviewCheck:
    missing = missing_context(release)
    if missing:
        message = f"the description or context should give the {', '.join(missing)}"
        return ReviewCheck("description", False, "WARNING", message)
    message = "purpose, scope, risks and rollback plan are documented"
    return ReviewCheck("description", True, "WARNING", message)


def _dependencies(release: Release) -> ReviewCheck:
    problems = validate_process(release.plan)
    if problems:
        message = f"the process structure has problems: {_listed(problems)}"
        return ReviewCheck("dependencies", False, "ERROR", message)
    message = "phases, activities and their dependencies are valid"
    return ReviewCheck("dependencies", True, "ERROR", message)


def review_release(
    release: Release, *, overlapping: Sequence[Release], now: datetime
) -> list[ReviewCheck]:
    """Every review check, in a fixed order; `overlapping` are releases whose windows overlap."""
    return [
        _inputs(release),
        _variables(release),
        _owners(release),
        _schedule(release, now),
        _conflicts(release, overlapping),
        _naming(release),
        _description(release),
        _dependencies(release),
    ]


def review_ready(checks: Iterable[ReviewCheck]) -> bool:
    """True when no ERROR check failed."""
    return all(check.ok or check.severity != "ERROR" for check in checks)


def blocking_problems(
    checks: Iterable[ReviewCheck], *, skip: Collection[str] = ()
) -> list[FieldProblem]:
    """The failed ERROR checks as problems (path = check name), for schedule_release."""
    return [
        FieldProblem(check.name, check.message)
        for check in checks
        if not check.ok and check.severity == "ERROR" and check.name not in skip
    ]
