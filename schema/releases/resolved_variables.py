"""`ResolvedVariable`: a variable of a release, resolved as far as its outputs allow."""

from __future__ import annotations

import strawberry

from app.domain.variables import ResolvedVariable
from schema.scalars import JSON


@strawberry.type(name="ResolvedVariable")
class ResolvedVariableType:
    name: str
    expression: str = strawberry.field(description="As written, with its ${references}.")
    value: JSON | None = strawberry.field(description="Null while it awaits an output.")
    pending: list[str] = strawberry.field(description="Outputs it still waits for.")

    @classmethod
    def from_domain(cls, v: ResolvedVariable) -> ResolvedVariableType:
        return cls(name=v.name, expression=v.expression, value=v.value, pending=list(v.pending))


def resolved_variables(resolved: list[ResolvedVariable]) -> list[ResolvedVariableType]:
    return [ResolvedVariableType.from_domain(v) for v in resolved]
