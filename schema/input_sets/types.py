"""GraphQL types of input sets."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.domain import input_set as domain
from schema.context import Info
from schema.loaders import input_set_by_id
from schema.relay import Node
from schema.scalars import JSON

if TYPE_CHECKING:
    from schema.processes.types import ProcessType


@strawberry.type(description="One state of an input set; creation is revision 1.")
class InputSetRevision:
    version: int
    at: datetime
    actor: str
    values: JSON
    changed: list[str] = strawberry.field(description="Inputs added, removed or changed.")

    @classmethod
    def from_domain(cls, r: domain.InputSetRevision) -> InputSetRevision:
        return cls(
            version=r.version, at=r.at, actor=r.actor, values=r.values, changed=list(r.changed)
        )


@strawberry.type(name="InputSet", description="Named values for a process's inputs.")
class InputSetType(Node):
    name: str
    description: str | None
    values: JSON
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    _input_set: strawberry.Private[domain.InputSet]

    @strawberry.field(description="Every revision, oldest first.")
    def history(self) -> list[InputSetRevision]:
        return [InputSetRevision.from_domain(r) for r in self._input_set.history]

    @strawberry.field
    async def process(
        self, info: Info
    ) -> Annotated[ProcessType, strawberry.lazy("schema.processes.types")]:
        from schema.processes.types import process_of

        return await process_of(info, self._input_set.process_id)

    @classmethod
    def from_domain(cls, s: domain.InputSet) -> InputSetType:
        return cls(
            id=strawberry.ID(s.id),
            name=s.name,
            description=s.description,
            values=s.values,
            version=s.version,
            created_by=s.created_by,
            created_at=s.created_at,
            updated_at=s.updated_at,
            _input_set=s,
        )


async def input_set_of(info: Info, input_set_id: str | None) -> InputSetType | None:
    """The input set something takes values from, if any, through the request's loader."""
    if input_set_id is None:
        return None
    found = await input_set_by_id(info).load(input_set_id)
    return None if found is None else InputSetType.from_domain(found)
