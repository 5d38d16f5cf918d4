"""GraphQL types of release groups, built from the domain group at the edge."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.domain.cadence import CadenceUnit
from app.domain.durations import format_duration
from app.domain.release_group import ReleaseGroup
from app.store.releases import ReleaseQuery
from app.usecases import release_groups as usecases
from app.usecases import releases as release_usecases
from schema.context import Info
from schema.relay import Connection, Node, connection, page_request
from schema.release_groups.loaders import group_by_id
from schema.scalars import JSON

if TYPE_CHECKING:
    from schema.input_sets.types import InputSetType
    from schema.processes.types import ProcessType
    from schema.releases.types import ReleaseType

strawberry.enum(CadenceUnit, description="How often a group's releases come round.")

DEFAULT_UPCOMING = 5


@strawberry.enum(description="What deleting a group does with its future, not-started releases.")
class FutureReleases(Enum):
    KEEP = "KEEP"
    DELETE = "DELETE"


@strawberry.type(description="Input values for one occurrence, over the group's defaults.")
class OccurrenceInputs:
    occurrence: datetime
    inputs: JSON


@strawberry.type(
    name="ReleaseGroup", description="A process run on a cadence: one release per occurrence."
)
class ReleaseGroupType(Node):
    name: str
    description: str | None
    cadence: CadenceUnit
    rule: str = strawberry.field(
        description="RFC 5545 RRULE; WEEKLY/MONTHLY/QUARTERLY are presets over it."
    )
    timezone: str = strawberry.field(description="IANA zone; the rule runs in its local time.")
    start_date: datetime = strawberry.field(
        description="The first possible occurrence; its local time of day is every one's."
    )
    end_date: datetime | None = strawberry.field(description="No occurrence starts after it.")
    duration: str = strawberry.field(description="How long each release runs (ISO 8601).")
    name_template: str = strawberry.field(description="e.g. 'Week {isoweek} Release'.")
    default_inputs: JSON = strawberry.field(description="Inputs of every generated release.")
    active: bool = strawberry.field(description="False: it generates nothing.")
    auto_start: bool = strawberry.field(
        description="False: generated releases stay SCHEDULED until someone starts them."
    )
    services: list[str]
    environments: list[str]
    tags: list[str]
    version: int = strawberry.field(description="Bumps with every edit.")
    revision: int = strawberry.field(description="For expectedRevision.")
    generated_through: datetime | None = strawberry.field(
        description="Occurrences up to here have been generated."
    )
    created_by: str
    created_at: datetime
    updated_at: datetime
    _group: strawberry.Private[ReleaseGroup]

    @strawberry.field(description="Occurrences with input values of their own.")
    def occurrence_inputs(self) -> list[OccurrenceInputs]:
        return [
            OccurrenceInputs(occurrence=o.occurrence, inputs=o.inputs)
            for o in self._group.occurrence_inputs
        ]

    @strawberry.field(description="The process every generated release runs.")
    async def process(
        self, info: Info
    ) -> Annotated[ProcessType, strawberry.lazy("schema.processes.types")]:
        from schema.processes.types import process_of

        return await process_of(info, self._group.process_id)

    @strawberry.field(description="The input set every generated release takes values from.")
    async def input_set(
        self, info: Info
    ) -> Annotated[InputSetType, strawberry.lazy("schema.input_sets.types")] | None:
        from schema.input_sets.types import input_set_of

        return await input_set_of(info, self._group.input_set_id)

    @strawberry.field(description="The next occurrences from now, generated or not.")
    def upcoming(self, info: Info, first: int | None = DEFAULT_UPCOMING) -> list[datetime]:
        now = info.context.services.clock()
        return usecases.upcoming(self._group, now=now, first=first or 0)

    @strawberry.field(description="Its generated releases by start.")
    async def releases(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated[ReleaseType, strawberry.lazy("schema.releases.types")]]:
        from schema.releases.types import ReleaseType

        services = info.context.services
        query = ReleaseQuery(group_id=self._group.id)
        page = await release_usecases.list_releases(
            services,
            query=query,
            page=page_request(
                services.settings, first=first, after=after, last=last, before=before
            ),
        )
        return connection(
            page,
            ReleaseType.from_domain,
            lambda: release_usecases.count_releases(services, query=query),
        )

    @classmethod
    def from_domain(cls, g: ReleaseGroup) -> ReleaseGroupType:
        return cls(
            id=strawberry.ID(g.id),
            name=g.name,
            description=g.description,
            cadence=g.cadence,
            rule=g.rule,
            timezone=g.timezone,
            start_date=g.start_date,
            end_date=g.end_date,
            duration=format_duration(g.duration),
            name_template=g.name_template,
            default_inputs=g.default_inputs,
            active=g.active,
            auto_start=g.auto_start,
            services=list(g.services),
            environments=list(g.environments),
            tags=list(g.tags),
            version=g.version,
            revision=g.revision,
            generated_through=g.generated_through,
            created_by=g.created_by,
            created_at=g.created_at,
            updated_at=g.updated_at,
            _group=g,
        )


async def release_group_of(info: Info, group_id: str | None) -> ReleaseGroupType | None:
    """The group something belongs to, if any, through the request's loader."""
    if group_id is None:
        return None
    found = await group_by_id(info).load(group_id)
    return None if found is None else ReleaseGroupType.from_domain(found)
