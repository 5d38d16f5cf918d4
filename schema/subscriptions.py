"""Subscriptions: live release events, whole releases, dashboards, pending actions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TypeVar

import strawberry

from app.usecases import live
from schema.context import Info
from schema.releases.activities import PendingAction
from schema.releases.event_type import ReleaseEventType_
from schema.releases.inputs import ReleaseFilter
from schema.releases.types import ReleaseType

T = TypeVar("T")

# A websocket close code in the application range that no graphql-ws protocol uses, and that
# clients (graphql-ws among them) treat as "reconnect", not as a fatal error.
SLOW_SUBSCRIBER_CLOSE_CODE = 4008
SLOW_SUBSCRIBER_CLOSE_REASON = (
    "too slow to keep up: subscribe again with afterSeq = the last seq you got"
)


async def _live(info: Info, source: AsyncIterator[T]) -> AsyncIterator[T]:
    """`source`, except that a subscriber too slow to keep up loses its connection.

    Its socket is what cannot keep up, so every subscription on it is behind: the close
    frame goes out after the frames already queued, and the client resumes each stream from
    the last seq it got. Other ends (Redis lost) stay an error on the one subscription.
    """
    try:
        async for item in source:
            yield item
    except live.LiveEnded as ended:
        close = info.context.close_connection
        if ended.code != "SLOW_SUBSCRIBER" or close is None:
            raise
        await close(SLOW_SUBSCRIBER_CLOSE_CODE, SLOW_SUBSCRIBER_CLOSE_REASON)
        await asyncio.Future()  # the connection's shutdown cancels this operation


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
        async for event in _live(
            info,
            live.release_events(info.context.services, release_id=release_id, after_seq=after_seq),
        ):
            yield ReleaseEventType_.from_domain(event)

    @strawberry.subscription(description="The whole release after each change.")
    async def release_updated(
        self, info: Info, release_id: strawberry.ID
    ) -> AsyncGenerator[ReleaseType, None]:
        async for release in _live(
            info, live.release_updates(info.context.services, release_id=release_id)
        ):
            yield ReleaseType.from_domain(release)

    @strawberry.subscription(description="Status changes of releases matching the filter.")
    async def releases_changed(
        self, info: Info, filter: ReleaseFilter | None = None
    ) -> AsyncGenerator[ReleaseEventType_, None]:
        async for event in _live(
            info, live.releases_changed(info.context.services, wanted=_facts(filter))
        ):
            yield ReleaseEventType_.from_domain(event)

    @strawberry.subscription(
        description="Your pending actions now, then each one that appears (active: true) or "
        "goes (active: false)."
    )
    async def pending_actions(self, info: Info) -> AsyncGenerator[PendingAction, None]:
        async for change in _live(
            info, live.pending_changes(info.context.services, user=info.context.user)
        ):
            yield PendingAction.from_domain(change.action, active=change.active)
