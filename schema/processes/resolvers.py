"""Process queries and mutations: parse arguments, call a use case, map the result."""

from __future__ import annotations

import strawberry

from app.store.processes import ProcessQuery
from app.usecases import processes as usecases
from schema.context import Info
from schema.enums import ProcessKind
from schema.processes.inputs import CreateProcessInput, DeleteProcessInput, UpdateProcessInput
from schema.processes.types import ProcessType
from schema.relay import Connection, connection, page_request


@strawberry.input
class ProcessFilter:
    kind: ProcessKind | None = None
    tag: str | None = None
    search: str | None = strawberry.field(default=None, description="Part of the name.")


@strawberry.type
class CreateProcessPayload:
    process: ProcessType


@strawberry.type
class UpdateProcessPayload:
    process: ProcessType


@strawberry.type
class DeleteProcessPayload:
    deleted_id: strawberry.ID


@strawberry.type
class ProcessQueries:
    @strawberry.field(description="A process at its current version, or at `version`.")
    async def process(
        self, info: Info, id: strawberry.ID, version: int | None = None
    ) -> ProcessType | None:
        store = info.context.services.processes
        found = await (store.get(id) if version is None else store.get_version(id, version))
        return None if found is None else ProcessType.from_domain(found)

    @strawberry.field(description="Processes, oldest first; filter by kind, tag or name.")
    async def processes(
        self,
        info: Info,
        filter: ProcessFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ProcessType]:
        services = info.context.services
        query = ProcessQuery(
            kind=None if filter is None or filter.kind is None else filter.kind,
            tag=None if filter is None else filter.tag,
            search=None if filter is None else filter.search,
        )
        page = await usecases.list_processes(
            services,
            query=query,
            page=page_request(
                services.settings, first=first, after=after, last=last, before=before
            ),
        )
        return connection(
            page,
            ProcessType.from_domain,
            lambda: usecases.count_processes(services, query=query),
        )


@strawberry.type
class ProcessMutations:
    @strawberry.mutation(description="Create a process blueprint (version 1).")
    async def create_process(self, info: Info, input: CreateProcessInput) -> CreateProcessPayload:
        spec = usecases.spec_from_fields(input.to_domain())
        process = await usecases.create_process(
            info.context.services, actor=info.context.user, spec=spec
        )
        return CreateProcessPayload(process=ProcessType.from_domain(process))

    @strawberry.mutation(description="Change a process; bumps its version and keeps the old one.")
    async def update_process(self, info: Info, input: UpdateProcessInput) -> UpdateProcessPayload:
        process = await usecases.update_process(
            info.context.services,
            actor=info.context.user,
            process_id=input.id,
            changes=input.changes(),
            expected_version=input.expected_version,
        )
        return UpdateProcessPayload(process=ProcessType.from_domain(process))

    @strawberry.mutation(description="Delete a process no release uses.")
    async def delete_process(self, info: Info, input: DeleteProcessInput) -> DeleteProcessPayload:
        deleted = await usecases.delete_process(
            info.context.services, actor=info.context.user, process_id=input.id
        )
        return DeleteProcessPayload(deleted_id=strawberry.ID(deleted))
