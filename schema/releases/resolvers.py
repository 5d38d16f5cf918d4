"""Release queries and mutations: parse arguments, call a use case, map the result."""

from __future__ import annotations

from typing import Any

import strawberry

from app.domain.errors import InvalidInput
from app.domain.release import Release, ReleaseDetails
from app.domain.release_edits import InputSetChoice, ReleaseChanges
from app.domain.review import review_ready
from app.store.releases import ReleaseQuery
from app.usecases import release_actions as actions
from app.usecases import releases as usecases
from app.usecases.input_sets import get_input_set_or_raise
from app.usecases.release_review import review
from schema.context import Info
from schema.relay import Connection, connection, page_request
from schema.releases.inputs import (
    AbortReleaseInput,
    CancelReleaseInput,
    CloneReleaseInput,
    CreateReleaseInput,
    DeleteReleaseInput,
    PauseReleaseInput,
    PreviewReleaseInput,
    ReleaseFilter,
    ResumeReleaseInput,
    ScheduleReleaseInput,
    StartReleaseInput,
    UpdateReleaseInput,
    end_of,
    overrides_of,
    owners_map,
)
from schema.releases.types import (
    PhaseType,
    ReleaseType,
    ReleaseView,
    ResolvedVariableType,
    phases_of,
)
from schema.scalars import JSON


@strawberry.type
class Problem:
    path: str
    message: str


@strawberry.type
class ReleasePreview:
    ready: bool
    inputs: JSON
    variables: list[ResolvedVariableType]
    phases: list[PhaseType]
    problems: list[Problem]


@strawberry.type
class ReviewCheck:
    name: str
    ok: bool
    severity: str = strawberry.field(description="ERROR blocks scheduling; WARNING does not.")
    message: str


@strawberry.type
class ReleaseReview:
    ready: bool = strawberry.field(description="No ERROR check fails.")
    checks: list[ReviewCheck]


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
class ScheduleReleasePayload:
    release: ReleaseType


@strawberry.type
class StartReleasePayload:
    release: ReleaseType


@strawberry.type
class CancelReleasePayload:
    release: ReleaseType


@strawberry.type
class PauseReleasePayload:
    release: ReleaseType


@strawberry.type
class ResumeReleasePayload:
    release: ReleaseType


@strawberry.type
class AbortReleasePayload:
    release: ReleaseType


@strawberry.type
class DeleteReleasePayload:
    deleted_id: strawberry.ID


def query_of(filter: ReleaseFilter | None) -> ReleaseQuery:
    if filter is None:
        return ReleaseQuery()
    return ReleaseQuery(
        statuses=tuple(filter.statuses or ()),
        outcomes=tuple(filter.outcomes or ()),
        tags=tuple(filter.tags or ()),
        services=tuple(filter.services or ()),
        environments=tuple(filter.environments or ()),
        teams=tuple(filter.teams or ()),
        process_id=filter.process_id,
        group_id=filter.group_id,
        search=filter.search,
        window_from=filter.from_,
        window_to=filter.to,
        include_archived=bool(filter.include_archived),
    )


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
class ReleaseQueries:
    @strawberry.field(description="A release by id.")
    async def release(self, info: Info, id: strawberry.ID) -> ReleaseType | None:
        found = await info.context.services.releases.get(id)
        return None if found is None else ReleaseType.from_domain(found)

    @strawberry.field(description="Releases by scheduled start (else start, else creation).")
    async def releases(
        self,
        info: Info,
        filter: ReleaseFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ReleaseType]:
        services = info.context.services
        query = query_of(filter)
        page = await usecases.list_releases(
            services,
            query=query,
            page=page_request(
                services.settings, first=first, after=after, last=last, before=before
            ),
        )
        return connection(
            page, ReleaseType.from_domain, lambda: usecases.count_releases(services, query=query)
        )

    @strawberry.field(description="A would-be release, resolved, with every problem listed.")
    async def preview_release(self, info: Info, input: PreviewReleaseInput) -> ReleasePreview:
        preview = await usecases.preview_release(
            info.context.services,
            process_id=input.process_id,
            input_set_id=input.input_set_id,
            overrides=overrides_of(input.inputs),
        )
        now = info.context.services.clock()
        would_be = Release(
            id="preview",
            name=preview.process.name,
            process_id=preview.process.id,
            process_version=preview.process.version,
            plan=preview.process.spec,
            overrides=preview.inputs,
            created_by=info.context.user.name,
            created_at=now,
            updated_at=now,
        )
        return ReleasePreview(
            ready=preview.ready,
            inputs=preview.inputs,
            variables=[ResolvedVariableType.from_domain(v) for v in preview.resolution.globals],
            phases=phases_of(ReleaseView(would_be, preview.resolution)),
            problems=[Problem(path=p.path, message=p.message) for p in preview.problems],
        )

    @strawberry.field(description="Review before execution: inputs, owners, schedule, naming.")
    async def release_review(self, info: Info, id: strawberry.ID) -> ReleaseReview:
        services = info.context.services
        release = await usecases.get_release_or_raise(services, id)
        checks = await review(services, release)
        return ReleaseReview(
            ready=review_ready(checks),
            checks=[
                ReviewCheck(name=c.name, ok=c.ok, severity=c.severity, message=c.message)
                for c in checks
            ],
        )


@strawberry.type
class ReleaseMutations:
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

    @strawberry.mutation(description="DRAFT -> SCHEDULED: locks inputs; starts by itself.")
    async def schedule_release(
        self, info: Info, input: ScheduleReleaseInput
    ) -> ScheduleReleasePayload:
        release = await actions.schedule(
            info.context.services,
            actor=info.context.user,
            release_id=input.id,
            start=input.scheduled_start,
            end=end_of(input.scheduled_start, input.scheduled_end, input.duration),
            expected_revision=input.expected_revision,
        )
        return ScheduleReleasePayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="DRAFT (on demand) or SCHEDULED (pre-execute) -> RUNNING.")
    async def start_release(self, info: Info, input: StartReleaseInput) -> StartReleasePayload:
        release = await actions.start(
            info.context.services,
            actor=info.context.user,
            release_id=input.id,
            expected_revision=input.expected_revision,
        )
        return StartReleasePayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="SCHEDULED -> COMPLETED/ABORTED.")
    async def cancel_release(self, info: Info, input: CancelReleaseInput) -> CancelReleasePayload:
        release = await actions.cancel(
            info.context.services,
            actor=info.context.user,
            release_id=input.id,
            reason=input.reason,
            expected_revision=input.expected_revision,
        )
        return CancelReleasePayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="RUNNING -> ON_HOLD: no new activity starts.")
    async def pause_release(self, info: Info, input: PauseReleaseInput) -> PauseReleasePayload:
        release = await actions.pause(
            info.context.services,
            actor=info.context.user,
            release_id=input.id,
            reason=input.reason,
            expected_revision=input.expected_revision,
        )
        return PauseReleasePayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="A paused release runs again.")
    async def resume_release(self, info: Info, input: ResumeReleaseInput) -> ResumeReleasePayload:
        release = await actions.resume(
            info.context.services,
            actor=info.context.user,
            release_id=input.id,
            expected_revision=input.expected_revision,
        )
        return ResumeReleasePayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(
        description="RUNNING|ON_HOLD -> COMPLETED/ABORTED (or FAILED after a failure)."
    )
    async def abort_release(self, info: Info, input: AbortReleaseInput) -> AbortReleasePayload:
        release = await actions.abort(
            info.context.services,
            actor=info.context.user,
            release_id=input.id,
            reason=input.reason,
            expected_revision=input.expected_revision,
        )
        return AbortReleasePayload(release=ReleaseType.from_domain(release))
