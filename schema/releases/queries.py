"""Release queries: one release, a filtered page of them, a preview and a review."""

from __future__ import annotations

import strawberry

from app.domain.release import Release
from app.domain.review import review_ready
from app.store.releases import ReleaseQuery
from app.usecases import releases as usecases
from app.usecases.release_review import review
from schema.context import Info
from schema.relay import Connection, connection, page_request
from schema.releases.inputs import PreviewReleaseInput, ReleaseFilter, overrides_of
from schema.releases.phases import phases_of
from schema.releases.readiness import Problem, ReleasePreview, ReleaseReview, ReviewCheck
from schema.releases.release_view import ReleaseView
from schema.releases.resolved_variables import resolved_variables
from schema.releases.types import ReleaseType


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
            variables=resolved_variables(preview.resolution.globals),
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
