"""`Release`: the GraphQL node of a release, built from the release aggregate at the edge."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.domain import release as domain
from schema.context import Info
from schema.relay import Connection, Node
from schema.releases.details import Link, PhaseOwner, ReleaseContext
from schema.releases.enums import Cadence, ReleaseOutcome, ReleaseStatus
from schema.releases.event_type import ReleaseEventType_
from schema.releases.events import events_page
from schema.releases.phases import PhaseType, phases_of
from schema.releases.release_view import ReleaseView
from schema.releases.resolved_variables import ResolvedVariableType, resolved_variables
from schema.scalars import JSON

if TYPE_CHECKING:
    from schema.input_sets.types import InputSetType
    from schema.processes.types import ProcessType
    from schema.release_groups.types import ReleaseGroupType


@strawberry.type(name="Release", description="An instance of a process with its own inputs.")
class ReleaseType(Node):
    name: str
    description: str | None
    tags: list[str]
    version: str | None
    services: list[str]
    environments: list[str]
    status: ReleaseStatus
    outcome: ReleaseOutcome | None
    cadence: Cadence
    process_version: int
    paused: bool
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    archived_at: datetime | None
    revision: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    _release: strawberry.Private[domain.Release]

    @cached_property
    def _view(self) -> ReleaseView:
        return ReleaseView(self._release)

    @strawberry.field(description="Effective values: process defaults < input set < overrides.")
    def inputs(self) -> JSON:
        return self._release.inputs

    @strawberry.field(description="The values this release sets over its input set.")
    def overrides(self) -> JSON:
        return self._release.overrides

    @strawberry.field(description="The global variables (inputs and process variables).")
    def variables(self) -> list[ResolvedVariableType]:
        return resolved_variables(self._view.resolution.globals)

    @strawberry.field
    def phases(self) -> list[PhaseType]:
        return phases_of(self._view)

    @strawberry.field
    def links(self) -> list[Link]:
        return [Link(kind=k.kind, title=k.title, url=k.url) for k in self._release.links]

    @strawberry.field
    def context(self) -> ReleaseContext | None:
        c = self._release.context
        if c is None:
            return None
        return ReleaseContext(
            purpose=c.purpose,
            scope=c.scope,
            risks=c.risks,
            rollback_plan=c.rollback_plan,
            stakeholders=list(c.stakeholders),
        )

    @strawberry.field(description="Each phase's owner: from the process unless changed here.")
    def owners(self) -> list[PhaseOwner]:
        return [
            PhaseOwner(phase_key=p.key, owner=owner)
            for p in self._release.plan.phases
            if (owner := self._release.owner_of(p)) is not None
        ]

    @strawberry.field(description="The process, as it is now (the release keeps its version).")
    async def process(
        self, info: Info
    ) -> Annotated[ProcessType, strawberry.lazy("schema.processes.types")]:
        from schema.processes.types import process_of

        return await process_of(info, self._release.process_id)

    @strawberry.field
    async def input_set(
        self, info: Info
    ) -> Annotated[InputSetType, strawberry.lazy("schema.input_sets.types")] | None:
        from schema.input_sets.types import input_set_of

        return await input_set_of(info, self._release.input_set_id)

    @strawberry.field(description="The release group that generated it.")
    async def group(
        self, info: Info
    ) -> Annotated[ReleaseGroupType, strawberry.lazy("schema.release_groups.types")] | None:
        from schema.release_groups.types import release_group_of

        return await release_group_of(info, self._release.group_id)

    @strawberry.field(description="The group occurrence it was generated for.")
    def occurrence(self) -> datetime | None:
        return self._release.occurrence

    @strawberry.field(description="False: it waits SCHEDULED until a person starts it.")
    def auto_start(self) -> bool:
        return self._release.auto_start

    @strawberry.field(description="The audit trail, oldest first; last/before page back.")
    async def events(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ReleaseEventType_]:
        return await events_page(
            info, self._release, first=first, after=after, last=last, before=before
        )

    @classmethod
    def from_domain(cls, r: domain.Release) -> ReleaseType:
        return cls(
            id=strawberry.ID(r.id),
            name=r.name,
            description=r.description,
            tags=list(r.tags),
            version=r.version,
            services=list(r.services),
            environments=list(r.environments),
            status=r.status,
            outcome=r.outcome,
            cadence=r.cadence,
            process_version=r.process_version,
            paused=r.paused,
            scheduled_start=r.scheduled_start,
            scheduled_end=r.scheduled_end,
            started_at=r.started_at,
            completed_at=r.completed_at,
            archived_at=r.archived_at,
            revision=r.revision,
            created_by=r.created_by,
            created_at=r.created_at,
            updated_at=r.updated_at,
            _release=r,
        )
