"""Release group queries and mutations: parse arguments, call a use case, map the result."""

from __future__ import annotations

import strawberry

from app.usecases import release_groups as usecases
from app.usecases.group_generation import SyncResult
from schema.context import Info
from schema.relay import Connection, connection, page_request
from schema.release_groups.inputs import (
    CreateReleaseGroupInput,
    DeleteReleaseGroupInput,
    UpdateReleaseGroupInput,
)
from schema.release_groups.types import FutureReleases, ReleaseGroupType
from schema.releases.types import ReleaseType


@strawberry.type
class CreateReleaseGroupPayload:
    release_group: ReleaseGroupType
    created_releases: list[ReleaseType] = strawberry.field(
        description="The releases generated for the horizon."
    )


@strawberry.type
class UpdateReleaseGroupPayload:
    release_group: ReleaseGroupType
    created_releases: list[ReleaseType]
    updated_releases: list[ReleaseType] = strawberry.field(
        description="Future releases that followed the edit."
    )
    deleted_release_ids: list[strawberry.ID] = strawberry.field(
        description="Future releases of occurrences the group no longer has."
    )
    kept_releases: list[ReleaseType] = strawberry.field(
        description="Future releases edited by hand: they keep their values (and say so)."
    )


@strawberry.type
class DeleteReleaseGroupPayload:
    deleted_id: strawberry.ID
    deleted_release_ids: list[strawberry.ID]
    kept_releases: list[ReleaseType] = strawberry.field(
        description="Its future releases that stay (futureReleases KEEP, or changed meanwhile)."
    )


def _update_payload(result: SyncResult) -> UpdateReleaseGroupPayload:
    return UpdateReleaseGroupPayload(
        release_group=ReleaseGroupType.from_domain(result.group),
        created_releases=[ReleaseType.from_domain(r) for r in result.created],
        updated_releases=[ReleaseType.from_domain(r) for r in result.updated],
        deleted_release_ids=[strawberry.ID(i) for i in result.deleted_ids],
        kept_releases=[ReleaseType.from_domain(r) for r in result.kept],
    )


@strawberry.type
class ReleaseGroupQueries:
    @strawberry.field(description="A release group by id.")
    async def release_group(self, info: Info, id: strawberry.ID) -> ReleaseGroupType | None:
        found = await info.context.services.release_groups.get(id)
        return None if found is None else ReleaseGroupType.from_domain(found)

    @strawberry.field(description="Release groups, oldest first.")
    async def release_groups(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ReleaseGroupType]:
        services = info.context.services
        page = await usecases.list_groups(
            services,
            page=page_request(
                services.settings, first=first, after=after, last=last, before=before
            ),
        )
        return connection(
            page, ReleaseGroupType.from_domain, lambda: usecases.count_groups(services)
        )


@strawberry.type
class ReleaseGroupMutations:
    @strawberry.mutation(description="A recurring cadence; generates its releases for the horizon.")
    async def create_release_group(
        self, info: Info, input: CreateReleaseGroupInput
    ) -> CreateReleaseGroupPayload:
        result = await usecases.create_group(
            info.context.services, actor=info.context.user, spec=input.to_domain()
        )
        return CreateReleaseGroupPayload(
            release_group=ReleaseGroupType.from_domain(result.group),
            created_releases=[ReleaseType.from_domain(r) for r in result.created],
        )

    @strawberry.mutation(description="Edit a group; its future releases follow unless hand-edited.")
    async def update_release_group(
        self, info: Info, input: UpdateReleaseGroupInput
    ) -> UpdateReleaseGroupPayload:
        result = await usecases.update_group(
            info.context.services,
            actor=info.context.user,
            group_id=input.id,
            changes=input.changes(),
            expected_revision=input.expected_revision,
        )
        return _update_payload(result)

    @strawberry.mutation(description="Delete a group; say what becomes of its future releases.")
    async def delete_release_group(
        self, info: Info, input: DeleteReleaseGroupInput
    ) -> DeleteReleaseGroupPayload:
        result = await usecases.delete_group(
            info.context.services,
            actor=info.context.user,
            group_id=input.id,
            delete_future=input.future_releases is FutureReleases.DELETE,
            expected_revision=input.expected_revision,
        )
        return DeleteReleaseGroupPayload(
            deleted_id=strawberry.ID(result.group.id),
            deleted_release_ids=[strawberry.ID(i) for i in result.deleted_release_ids],
            kept_releases=[ReleaseType.from_domain(r) for r in result.kept],
        )
