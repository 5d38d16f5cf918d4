"""Subscriptions: live release events, whole releases, dashboards, pending actions."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from app.usecases import live
from schema.context import Info
from schema.releases.activities import PendingAction
from schema.releases.inputs import ReleaseFilter
from schema.releases.types import ReleaseEventType_, ReleaseType


@strawberry.type
class PendingActionChange:
    action: PendingAction
    active: bool = strawberry.field(description="False: it was done or is no longer needed.")


def _facts(filter: ReleaseFilter | None) -> live.ReleaseFilterFacts:
    if filter is None:
        return live.ReleaseFilterFacts()
    return live.ReleaseFilterFacts(
        statuses=frozenset(s.value for s in filter.statuses or ()),
        outcomes=frozenset(o.value for o in filter.outcomes or ()),
        tags=frozenset(filter.tags or ()),
        services=frozenset(filter.services or ()),
        environments=frozenset(filter.environments or ()),
        teams=frozenset(filter.teams or ()),
        process_id=filter.process_id,
        group_id=filter.group_id,
        search=filter.search,
    )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="afterSeq given: the stored events after it, then live ones; absent: live only."
    )
    async def release_events(
        self, info: Info, release_id: strawberry.ID, after_seq: int | None = None
    ) -> AsyncGenerator[ReleaseEventType_, None]:
        async for event in live.release_events(
            info.context.services, release_id=release_id, after_seq=after_seq
        ):
            yield ReleaseEventType_.from_domain(event)

    @strawberry.subscription(description="The whole release after each change.")
    async def release_updated(
        self, info: Info, release_id: strawberry.ID
    ) -> AsyncGenerator[ReleaseType, None]:
        async for release in live.release_updates(info.context.services, release_id=release_id):
            yield ReleaseType.from_domain(release)

    @strawberry.subscription(description="Status changes of releases matching the filter.")
    async def releases_changed(
        self, info: Info, filter: ReleaseFilter | None = None
    ) -> AsyncGenerator[ReleaseEventType_, None]:
        async for event in live.releases_changed(info.context.services, wanted=_facts(filter)):
            yield ReleaseEventType_.from_domain(event)

    @strawberry.subscription(
        description="Your pending actions now, then each one that appears (active) or goes."
    )
    async def pending_actions(self, info: Info) -> AsyncGenerator[PendingActionChange, None]:
        async for change in live.pending_changes(info.context.services, user=info.context.user):
            yield PendingActionChange(
                action=PendingAction.from_domain(change.action), active=change.active
            )
