"""Input set queries and mutations."""

from __future__ import annotations

import strawberry

from app.domain.errors import InvalidInput
from app.usecases import input_sets as usecases
from schema.context import Info
from schema.input_sets.types import InputSetType
from schema.scalars import JSON


@strawberry.input
class CreateInputSetInput:
    process_id: strawberry.ID
    name: str
    description: str | None = None
    values: JSON = strawberry.field(default_factory=dict)


@strawberry.type
class CreateInputSetPayload:
    input_set: InputSetType


@strawberry.input
class UpdateInputSetInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=None, description="Fail with CONFLICT when the set is no longer at it."
    )
    name: str | None = None
    description: str | None = None
    values: JSON | None = strawberry.field(
        default=None, description="Replaces the values whole; omit to keep them."
    )


@strawberry.type
class UpdateInputSetPayload:
    input_set: InputSetType


@strawberry.input
class DeleteInputSetInput:
    id: strawberry.ID


@strawberry.type
class DeleteInputSetPayload:
    deleted_id: strawberry.ID


def _values(value: object, path: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise InvalidInput.single(path, "must be an object of input names to values")
    return value


@strawberry.type
class InputSetQueries:
    @strawberry.field(description="An input set by id.")
    async def input_set(self, info: Info, id: strawberry.ID) -> InputSetType | None:
        found = await info.context.services.input_sets.get(id)
        return None if found is None else InputSetType.from_domain(found)


@strawberry.type
class InputSetMutations:
    @strawberry.mutation(description="Store named input values for a process (revision 1).")
    async def create_input_set(
        self, info: Info, input: CreateInputSetInput
    ) -> CreateInputSetPayload:
        created = await usecases.create_input_set(
            info.context.services,
            actor=info.context.user,
            process_id=input.process_id,
            name=input.name,
            description=input.description,
            values=_values(input.values, "values"),
        )
        return CreateInputSetPayload(input_set=InputSetType.from_domain(created))

    @strawberry.mutation(description="Change an input set; records a new revision.")
    async def update_input_set(
        self, info: Info, input: UpdateInputSetInput
    ) -> UpdateInputSetPayload:
        updated = await usecases.update_input_set(
            info.context.services,
            actor=info.context.user,
            input_set_id=input.id,
            name=input.name,
            description=input.description,
            values=None if input.values is None else _values(input.values, "values"),
            expected_version=input.expected_version,
        )
        return UpdateInputSetPayload(input_set=InputSetType.from_domain(updated))

    @strawberry.mutation(description="Delete an input set no release refers to.")
    async def delete_input_set(
        self, info: Info, input: DeleteInputSetInput
    ) -> DeleteInputSetPayload:
        deleted = await usecases.delete_input_set(
            info.context.services, actor=info.context.user, input_set_id=input.id
        )
        return DeleteInputSetPayload(deleted_id=strawberry.ID(deleted))
