"""Readiness of a release: what stops it from being scheduled or started.

Its effective inputs must be complete and valid, its variables must resolve, and a schedule
window must be sound. Pure functions of the release; the review shows the same problems as
checks before a person acts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from app.domain.errors import FieldProblem, InvalidInput
from app.domain.inputs import check_inputs
from app.domain.release import Release
from app.domain.variables import resolve

# A start picked in a form moments ago must not be refused because the request took a while
# or the client's clock runs behind; such a start is simply due at once.
CLOCK_SKEW = timedelta(seconds=60)


def input_problems(release: Release) -> list[FieldProblem]:
    """What stops the release's effective inputs from running it: missing or invalid values."""
    return check_inputs(
        release.plan.inputs, release.inputs, path_prefix="inputs", require_complete=True
    )


def variable_problems(release: Release) -> list[FieldProblem]:
    """Variables of the release that do not resolve with its inputs."""
    return resolve(release.plan, release.inputs, plan_key=release.plan_key).problems


def require_ready(release: Release, extra: Iterable[FieldProblem] = ()) -> None:
    """Raise InvalidInput with `extra` and every input and variable problem, if there is any."""
    problems = [*extra, *input_problems(release), *variable_problems(release)]
    if problems:
        raise InvalidInput(problems)


def window_problems(
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    *,
    start_required: bool,
    check_start: bool,
) -> list[FieldProblem]:
    """Problems with a schedule window; the start is judged against `now` if `check_start`."""
    problems: list[FieldProblem] = []
    for path, moment in (("scheduledStart", start), ("scheduledEnd", end)):
        if moment is not None and moment.utcoffset() is None:
            problems.append(FieldProblem(path, "must include a time zone (UTC on the wire)"))
    if problems:
        return problems  # naive and aware times cannot be compared
    if start is None:
        if start_required:
            problems.append(FieldProblem("scheduledStart", "is required to schedule a release"))
        elif end is not None:
            problems.append(FieldProblem("scheduledEnd", "needs a scheduledStart"))
        return problems
    if check_start and start < now - CLOCK_SKEW:
        problems.append(FieldProblem("scheduledStart", "must not be in the past"))
    if end is not None and end <= start:
        problems.append(FieldProblem("scheduledEnd", "must be after scheduledStart"))
    return problems
