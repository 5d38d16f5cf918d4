"""`node(id)`: any object by its id; the id's prefix names its type."""

from __future__ import annotations

import strawberry

from app.domain.ids import type_of
from schema.context import Info
from schema.input_sets.types import InputSetType
from schema.processes.types import ProcessType
from schema.relay import Node
from schema.release_groups.types import ReleaseGroupType
from schema.releases.types import ReleaseType


@strawberry.type
class NodeQueries:
    @strawberry.field(description="Any object with an id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        services = info.context.services
        kind = type_of(id)
        if kind == "Process":
            process = await services.processes.get(id)
            return None if process is None else ProcessType.from_domain(process)
        if kind == "InputSet":
            input_set = await services.input_sets.get(id)
            return None if input_set is None else InputSetType.from_domain(input_set)
        if kind == "Release":
            release = await services.releases.get(id)
            return None if release is None else ReleaseType.from_domain(release)
        if kind == "ReleaseGroup":
            group = await services.release_groups.get(id)
            return None if group is None else ReleaseGroupType.from_domain(group)
        return None
