"""GraphQL inputs of release group mutations, and their translation to the domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from app.domain.cadence import CadenceUnit
from app.domain.errors import FieldProblem, InvalidInput
from app.domain.name_templates import DEFAULT_TEMPLATE
from app.domain.release_group import GroupSpec, OccurrenceInputs
from schema.release_groups.types import FutureReleases
from schema.releases.inputs import overrides_of
from schema.scalars import JSON

_DURATION = "How long each release runs: e.g. P2D (two days), P1W, PT4H, 90m."
_TEMPLATE = "e.g. 'Week {isoweek} Release', '{group} {date:%Y-%m-%d}' (see the README)."
_RULE = "RFC 5545 RRULE, e.g. FREQ=MONTHLY;BYDAY=1MO. Leave out for a preset cadence."


@strawberry.input
class OccurrenceInputsInput:
    occurrence: datetime = strawberry.field(description="One of the group's occurrences.")
    inputs: JSON

    def to_domain(self, path: str) -> OccurrenceInputs:
        return OccurrenceInputs(occurrence=self.occurrence, inputs=overrides_of(self.inputs, path))


def _occurrences(given: list[OccurrenceInputsInput]) -> tuple[OccurrenceInputs, ...]:
    return tuple(o.to_domain(f"occurrenceInputs[{i}].inputs") for i, o in enumerate(given))


@strawberry.input
class CreateReleaseGroupInput:
    name: str
    process_id: strawberry.ID
    start_date: datetime = strawberry.field(
        description="The first possible occurrence; its local time is every occurrence's."
    )
    duration: str = strawberry.field(description=_DURATION)
    cadence: CadenceUnit | None = strawberry.field(
        default=None, description="Presets anchor on startDate; omitted: taken from the rule."
    )
    rule: str | None = strawberry.field(default=None, description=_RULE)
    timezone: str = strawberry.field(default="UTC", description="IANA zone, e.g. Europe/Berlin.")
    end_date: datetime | None = None
    description: str | None = None
    name_template: str = strawberry.field(default=DEFAULT_TEMPLATE, description=_TEMPLATE)
    default_inputs: JSON | None = strawberry.field(
        default=None, description="Inputs of every generated release (over the input set)."
    )
    occurrence_inputs: list[OccurrenceInputsInput] = strawberry.field(default_factory=list)
    input_set_id: strawberry.ID | None = None
    active: bool = True
    auto_start: bool = strawberry.field(
        default=True, description="False: generated releases wait for a person to start them."
    )
    services: list[str] = strawberry.field(default_factory=list)
    environments: list[str] = strawberry.field(default_factory=list)
    tags: list[str] = strawberry.field(default_factory=list)

    def to_domain(self) -> GroupSpec:
        return GroupSpec(
            name=self.name,
            description=self.description,
            process_id=self.process_id,
            input_set_id=self.input_set_id,
            cadence=self.cadence,
            rule=self.rule,
            timezone=self.timezone.strip(),
            start_date=self.start_date,
            end_date=self.end_date,
            duration=self.duration,
            name_template=self.name_template,
            default_inputs=overrides_of(self.default_inputs, "defaultInputs"),
            occurrence_inputs=_occurrences(self.occurrence_inputs),
            active=self.active,
            auto_start=self.auto_start,
            services=tuple(self.services),
            environments=tuple(self.environments),
            tags=tuple(self.tags),
        )


@strawberry.input
class UpdateReleaseGroupInput:
    id: strawberry.ID
    expected_revision: int | None = None
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    process_id: strawberry.ID | None = strawberry.UNSET
    input_set_id: strawberry.ID | None = strawberry.UNSET
    cadence: CadenceUnit | None = strawberry.UNSET
    rule: str | None = strawberry.field(
        default=strawberry.UNSET, description="null: back to the cadence's preset."
    )
    timezone: str | None = strawberry.UNSET
    start_date: datetime | None = strawberry.UNSET
    end_date: datetime | None = strawberry.UNSET
    duration: str | None = strawberry.UNSET
    name_template: str | None = strawberry.UNSET
    default_inputs: JSON | None = strawberry.UNSET
    occurrence_inputs: list[OccurrenceInputsInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the whole list."
    )
    active: bool | None = strawberry.UNSET
    auto_start: bool | None = strawberry.UNSET
    services: list[str] | None = strawberry.UNSET
    environments: list[str] | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET

    def changes(self) -> dict[str, object]:
        """Only the fields sent, under the domain's names; null clears where it can."""
        required = (
            ("name", "name"),
            ("process_id", "processId"),
            ("cadence", "cadence"),
            ("timezone", "timezone"),
            ("start_date", "startDate"),
            ("duration", "duration"),
            ("name_template", "nameTemplate"),
            ("active", "active"),
            ("auto_start", "autoStart"),
        )
        problems: list[FieldProblem] = []
        fields: dict[str, Any] = {}
        for name, api_name in required:
            value = getattr(self, name)
            if value is None:
                problems.append(FieldProblem(api_name, "cannot be cleared; leave it out instead"))
            elif value is not strawberry.UNSET:
                fields[name] = value.strip() if name == "timezone" else value
        for name in ("description", "input_set_id", "rule", "end_date"):
            if (value := getattr(self, name)) is not strawberry.UNSET:
                fields[name] = value
        for name in ("services", "environments", "tags"):
            if (value := getattr(self, name)) is not strawberry.UNSET:
                fields[name] = tuple(value or ())
        if self.default_inputs is not strawberry.UNSET:
            fields["default_inputs"] = overrides_of(self.default_inputs, "defaultInputs")
        if self.occurrence_inputs is not strawberry.UNSET:
            fields["occurrence_inputs"] = _occurrences(self.occurrence_inputs or [])
        if problems:
            raise InvalidInput(problems)
        return fields


@strawberry.input
class DeleteReleaseGroupInput:
    id: strawberry.ID
    future_releases: FutureReleases = strawberry.field(
        default=FutureReleases.KEEP,
        description="Its releases of occurrences still ahead that have not started: "
        "KEEP them as they are (the default: nothing is lost), or DELETE them. Started "
        "releases are never touched.",
    )
    expected_revision: int | None = None
