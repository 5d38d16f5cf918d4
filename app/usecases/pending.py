"""The pending actions of a person across every live release."""

from __future__ import annotations

from app.domain.accounts import User
from app.domain.pending import PendingAction, pending_for
from app.domain.release import ReleaseStatus
from app.services import Services
from app.store.releases import ReleaseQuery

MAX_LIVE_RELEASES = 1000


async def pending_actions(services: Services, *, user: User) -> list[PendingAction]:
    live = await services.releases.find(
        ReleaseQuery(statuses=(ReleaseStatus.RUNNING, ReleaseStatus.ON_HOLD)),
        limit=MAX_LIVE_RELEASES,
    )
    return [action for release in live for action in pending_for(release, user)]
