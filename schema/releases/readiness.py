"""Whether a release is ready to run: a would-be release's preview, a drafted one's review."""

from __future__ import annotations

import strawberry

from schema.releases.phases import PhaseType
from schema.releases.resolved_variables import ResolvedVariableType
from schema.scalars import JSON


@strawberry.type
class Problem:
    path: str
    message: str


@strawberry.type
class ReleasePreview:
    ready: bool
    inputs: JSON
    variables: list[ResolvedVariableType]
    phases: list[PhaseType]
    problems: list[Problem]


@strawberry.type
class ReviewCheck:
    name: str
    ok: bool
    severity: str = strawberry.field(description="ERROR blocks scheduling; WARNING does not.")
    message: str


@strawberry.type
class ReleaseReview:
    ready: bool = strawberry.field(description="No ERROR check fails.")
    checks: list[ReviewCheck]
