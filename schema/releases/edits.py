"""Release edit mutations: create, update, delete and clone a release before it runs."""

from __future__ import annotations

from typing import Any

import strawberry

from app.domain.errors import InvalidInput
from app.domain.release import ReleaseDetails
from app.domain.release_edits import InputSetChoice, ReleaseChanges
from app.usecases import release_actions as actions
from app.usecases import releases as usecases
from app.usecases.input_sets import get_input_set_or_raise
from schema.context import Info
from schema.releases.inputs import (
    CloneReleaseInput,
    CreateReleaseInput,
    DeleteReleaseInput,
    UpdateReleaseInput,
    end_of,
    overrides_of,
    owners_map,
)
from schema.releases.types import ReleaseType


@strawberry.type
class CreateReleasePayload:
    release: ReleaseType


@strawberry.type
class UpdateReleasePayload:
    release: ReleaseType


@strawberry.type
class CloneReleasePayload:
    release: ReleaseType


@strawberry.type
class DeleteReleasePayload:
    deleted_id: strawberry.ID


def _given(value: Any) -> bool:
    return value is not strawberry.UNSET


async def _changes(info: Info, input: UpdateReleaseInput) -> ReleaseChanges:
    """Only the fields the client sent; a null clears the field."""
    fields: dict[str, Any] = {}
    for name in ("name", "description", "version", "scheduled_start", "scheduled_end"):
        if _given(value := getattr(input, name)):
            fields[name] = value
    for name in ("tags", "services", "environments"):
        if _given(value := getattr(input, name)):
            fields[name] = None if value is None else tuple(value)
    if _given(input.links):
        fields["links"] = (
            None if input.links is None else tuple(link.to_domain() for link in input.links)
        )
    if _given(input.context):
        fields["context"] = None if input.context is None else input.context.to_domain()
    if _given(input.owners):
        fields["owners"] = None if input.owners is None else owners_map(input.owners)
    if _given(input.inputs):
        fields["overrides"] = None if input.inputs is None else overrides_of(input.inputs)
    if input.duration is not None:
        start = input.scheduled_start
        if not _given(start):
            release = await usecases.get_release_or_raise(info.context.services, input.id)
            start = release.scheduled_start
        end = input.scheduled_end if _given(input.scheduled_end) else None
        fields["scheduled_end"] = end_of(start, end, input.duration)
    if _given(input.input_set_id):
        if input.input_set_id is None:
            fields["input_set"] = None
        else:
            chosen = await get_input_set_or_raise(info.context.services, input.input_set_id)
            release = await usecases.get_release_or_raise(info.context.services, input.id)
            if chosen.process_id != release.process_id:
                raise InvalidInput.single("inputSetId", "belongs to another process")
            fields["input_set"] = InputSetChoice(
                id=chosen.id, version=chosen.version, values=chosen.values
            )
    return ReleaseChanges(**fields)


@strawberry.type
class ReleaseEditMutations:
    @strawberry.mutation(description="A DRAFT release from a process, with inputs and metadata.")
    async def create_release(self, info: Info, input: CreateReleaseInput) -> CreateReleasePayload:
        details = ReleaseDetails(
            name=input.name,
            description=input.description,
            tags=tuple(input.tags),
            version=input.version,
            services=tuple(input.services),
            environments=tuple(input.environments),
            links=tuple(link.to_domain() for link in input.links),
            context=None if input.context is None else input.context.to_domain(),
            owners=owners_map(input.owners),
            scheduled_start=input.scheduled_start,
            scheduled_end=end_of(input.scheduled_start, input.scheduled_end, input.duration),
        )
        release = await usecases.create_release(
            info.context.services,
            actor=info.context.user,
            process_id=input.process_id,
            details=details,
            input_set_id=input.input_set_id,
            overrides=overrides_of(input.inputs),
        )
        return CreateReleasePayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="DRAFT: change anything; SCHEDULED: window, text, owners.")
    async def update_release(self, info: Info, input: UpdateReleaseInput) -> UpdateReleasePayload:
        release = await actions.update(
            info.context.services,
            actor=info.context.user,
            release_id=input.id,
            changes=await _changes(info, input),
            expected_revision=input.expected_revision,
        )
        return UpdateReleasePayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="Delete a DRAFT release.")
    async def delete_release(self, info: Info, input: DeleteReleaseInput) -> DeleteReleasePayload:
        deleted = await usecases.delete_release(
            info.context.services,
            actor=info.context.user,
            release_id=input.id,
            expected_revision=input.expected_revision,
        )
        return DeleteReleasePayload(deleted_id=strawberry.ID(deleted))

    @strawberry.mutation(description="A new DRAFT from an earlier release: same as last time.")
    async def clone_release(self, info: Info, input: CloneReleaseInput) -> CloneReleasePayload:
        source = await usecases.get_release_or_raise(info.context.services, input.id)
        details = ReleaseDetails(
            name=f"{source.name} (copy)" if input.name is None else input.name,
            description=source.description
            if input.description is strawberry.UNSET
            else input.description,
            tags=source.tags if input.tags is strawberry.UNSET else tuple(input.tags or ()),
            version=source.version if input.version is strawberry.UNSET else input.version,
            services=source.services,
            environments=source.environments,
            links=source.links,
            context=source.context,
            owners=source.owners,
            scheduled_start=input.scheduled_start,
            scheduled_end=end_of(input.scheduled_start, input.scheduled_end, input.duration),
        )
        clone = await usecases.clone_release(
            info.context.services,
            actor=info.context.user,
            source_id=input.id,
            details=details,
            expected_revision=input.expected_revision,
        )
        return CloneReleasePayload(release=ReleaseType.from_domain(clone))
