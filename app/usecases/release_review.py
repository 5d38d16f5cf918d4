"""Review before execution: the release's checks, with the releases it overlaps."""

from __future__ import annotations

from app.domain.release import Release, ReleaseStatus
from app.domain.review import ReviewCheck, review_release
from app.services import Services
from app.store.releases import ReleaseQuery, window_of

MAX_OVERLAPS = 200


async def overlapping_releases(services: Services, release: Release) -> list[Release]:
    """Releases not yet completed whose windows overlap this one's."""
    if release.scheduled_start is None:
        return []
    start, end = window_of(release)
    return await services.releases.find(
        ReleaseQuery(
            statuses=(
                ReleaseStatus.SCHEDULED,
                ReleaseStatus.RUNNING,
                ReleaseStatus.ON_HOLD,
                ReleaseStatus.DRAFT,
            ),
            window_from=start,
            window_to=end,
            exclude_ids=(release.id,),
        ),
        limit=MAX_OVERLAPS,
    )


async def review(services: Services, release: Release) -> list[ReviewCheck]:
    overlapping = await overlapping_releases(services, release)
    return review_release(release, overlapping=overlapping, now=services.clock())
