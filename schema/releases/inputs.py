"""GraphQL inputs of release mutations and filters."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import strawberry

from app.domain.durations import parse_duration
from app.domain.errors import InvalidInput
from app.domain.release import Link, ReleaseContext
from schema.releases.enums import ReleaseOutcome, ReleaseStatus
from schema.scalars import JSON


@strawberry.input
class LinkInput:
    kind: str
    url: str
    title: str | None = None

    def to_domain(self) -> Link:
        return Link(kind=self.kind, url=self.url, title=self.title)


@strawberry.input
class ReleaseContextInput:
    purpose: str | None = None
    scope: str | None = None
    risks: str | None = None
    rollback_plan: str | None = None
    stakeholders: list[str] = strawberry.field(default_factory=list)

    def to_domain(self) -> ReleaseContext:
        return ReleaseContext(
            purpose=self.purpose,
            scope=self.scope,
            risks=self.risks,
            rollback_plan=self.rollback_plan,
            stakeholders=tuple(self.stakeholders),
        )


@strawberry.input
class PhaseOwnerInput:
    phase_key: str
    owner: str


def owners_map(owners: list[PhaseOwnerInput]) -> dict[str, str]:
    return {o.phase_key: o.owner for o in owners}


def overrides_of(value: Any, path: str = "inputs") -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput.single(path, "must be an object of input names to values")
    return value


def end_of(start: datetime | None, end: datetime | None, duration: str | None) -> datetime | None:
    """The scheduled end: given, or start + duration."""
    if duration is None:
        return end
    if end is not None:
        raise InvalidInput.single("duration", "give either scheduledEnd or duration, not both")
    if start is None:
        raise InvalidInput.single("duration", "needs a scheduledStart")
    try:
        span = parse_duration(duration)
    except ValueError as error:
        raise InvalidInput.single("duration", str(error)) from error
    if span <= timedelta(0):
        raise InvalidInput.single("duration", "must be positive")
    return start + span


@strawberry.input
class CreateReleaseInput:
    process_id: strawberry.ID
    name: str
    description: str | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    version: str | None = None
    services: list[str] = strawberry.field(default_factory=list)
    environments: list[str] = strawberry.field(default_factory=list)
    links: list[LinkInput] = strawberry.field(default_factory=list)
    context: ReleaseContextInput | None = None
    owners: list[PhaseOwnerInput] = strawberry.field(
        default_factory=list, description="Change phase owners for this release."
    )
    input_set_id: strawberry.ID | None = None
    inputs: JSON | None = strawberry.field(
        default=None, description="Overrides: win over the input set and process defaults."
    )
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    duration: str | None = strawberry.field(
        default=None, description="Instead of scheduledEnd: e.g. P2D, PT4H, 90m."
    )


@strawberry.input
class UpdateReleaseInput:
    id: strawberry.ID
    expected_revision: int | None = None
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    version: str | None = strawberry.UNSET
    services: list[str] | None = strawberry.UNSET
    environments: list[str] | None = strawberry.UNSET
    links: list[LinkInput] | None = strawberry.UNSET
    context: ReleaseContextInput | None = strawberry.UNSET
    owners: list[PhaseOwnerInput] | None = strawberry.UNSET
    scheduled_start: datetime | None = strawberry.UNSET
    scheduled_end: datetime | None = strawberry.UNSET
    duration: str | None = strawberry.field(
        default=None,
        description="Instead of scheduledEnd: the end is the (new or current) scheduledStart "
        "plus this, e.g. P2D, PT4H, 90m.",
    )
    input_set_id: strawberry.ID | None = strawberry.UNSET
    inputs: JSON | None = strawberry.UNSET


@strawberry.input
class CloneReleaseInput:
    id: strawberry.ID = strawberry.field(description="The release to start from.")
    expected_revision: int | None = strawberry.field(
        default=None, description="Clone only if the source is still at this revision."
    )
    name: str | None = strawberry.field(
        default=None, description="Default: the source's name with ' (copy)'."
    )
    version: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    duration: str | None = None


@strawberry.input(description="Release actions name the release and may guard its revision.")
class DeleteReleaseInput:
    id: strawberry.ID
    expected_revision: int | None = None


@strawberry.input
class StartReleaseInput:
    id: strawberry.ID
    expected_revision: int | None = None


@strawberry.input
class ResumeReleaseInput:
    id: strawberry.ID
    expected_revision: int | None = None


@strawberry.input
class ScheduleReleaseInput:
    id: strawberry.ID
    expected_revision: int | None = None
    scheduled_start: datetime | None = strawberry.field(
        default=None, description="Defaults to the release's scheduledStart."
    )
    scheduled_end: datetime | None = None
    duration: str | None = None


@strawberry.input
class CancelReleaseInput:
    id: strawberry.ID
    expected_revision: int | None = None
    reason: str | None = None


@strawberry.input
class PauseReleaseInput:
    id: strawberry.ID
    expected_revision: int | None = None
    reason: str | None = None


@strawberry.input
class AbortReleaseInput:
    id: strawberry.ID
    reason: str | None = strawberry.field(default=None, description="Kept in the audit trail.")
    expected_revision: int | None = None


@strawberry.input
class PreviewReleaseInput:
    process_id: strawberry.ID
    input_set_id: strawberry.ID | None = None
    inputs: JSON | None = None


@strawberry.input
class ReleaseFilter:
    statuses: list[ReleaseStatus] | None = None
    outcomes: list[ReleaseOutcome] | None = None
    tags: list[str] | None = None
    services: list[str] | None = None
    environments: list[str] | None = None
    teams: list[str] | None = strawberry.field(default=None, description="Phase owners.")
    process_id: strawberry.ID | None = None
    group_id: strawberry.ID | None = None
    search: str | None = strawberry.field(default=None, description="Part of a name or tag.")
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None
    include_archived: bool | None = False
