"""Lifecycle actions on a release: each one a compare-and-set of the whole release.

The pure transition decides; this module loads, applies, writes with a compare-and-set
on `revision`, and retries on a lost race by deciding again on the fresh state (so two
conflicting actions never both win). With `expected_revision`, a stale caller gets
CONFLICT instead of a retry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from app.domain import lifecycle, release_edits
from app.domain.accounts import User, require_role
from app.domain.errors import Conflict
from app.domain.release import Release, ReleaseStatus
from app.domain.release_edits import ReleaseChanges
from app.domain.review import CHECKED_ON_SCHEDULE, blocking_problems
from app.services import Services
from app.usecases import subprocesses
from app.usecases.execution import enqueue_advance, report_to_parent
from app.usecases.release_review import review
from app.usecases.releases import RELEASE_WRITERS, get_release_or_raise, require_revision

MAX_ATTEMPTS = 5

Transition = Callable[[Release], Release]


async def apply_transition(
    services: Services,
    *,
    release_id: str,
    transition: Transition,
    expected_revision: int | None = None,
) -> Release:
    """Decide on the current state and write the result, or report CONFLICT."""
    for _ in range(MAX_ATTEMPTS):
        current = await get_release_or_raise(services, release_id)
        require_revision(current, expected_revision)
        changed = transition(current)
        if changed.revision == current.revision:
            return current  # nothing to change
        if await services.releases.save(changed):
            return changed
        if expected_revision is not None:
            raise Conflict(f"release {release_id} was changed by someone else; reload it")
    raise Conflict(f"release {release_id} is changing too often; try again")


Decide = Callable[[Release, str, datetime], Release]  # (release, actor name, now)


async def act(
    services: Services,
    *,
    actor: User,
    action: str,
    release_id: str,
    decide: Decide,
    expected_revision: int | None = None,
) -> Release:
    """A release manager's action: check the role, then decide and write it."""
    require_role(actor, RELEASE_WRITERS, action)
    now = services.clock()
    return await apply_transition(
        services,
        release_id=release_id,
        expected_revision=expected_revision,
        transition=lambda r: decide(r, actor.name, now),
    )


async def update(
    services: Services,
    *,
    actor: User,
    release_id: str,
    changes: ReleaseChanges,
    expected_revision: int | None = None,
) -> Release:
    """Change a DRAFT freely, a SCHEDULED release's window, description, links, tags, owners."""
    return await act(
        services,
        actor=actor,
        action="updateRelease",
        release_id=release_id,
        expected_revision=expected_revision,
        decide=lambda r, who, now: release_edits.update_release(r, changes, actor=who, now=now),
    )


async def schedule(
    services: Services,
    *,
    actor: User,
    release_id: str,
    start: datetime | None,
    end: datetime | None,
    expected_revision: int | None = None,
) -> Release:
    """DRAFT -> SCHEDULED: the inputs lock and the start happens by itself at `start`."""
    require_role(actor, RELEASE_WRITERS, "scheduleRelease")
    current = await get_release_or_raise(services, release_id)
    window = current.model_copy(
        update={
            "scheduled_start": start or current.scheduled_start,
            "scheduled_end": end or current.scheduled_end,
        }
    )
    # Inputs, variables and the window are checked by the transition itself, field by field.
    blocking = blocking_problems(await review(services, window), skip=CHECKED_ON_SCHEDULE)
    now = services.clock()
    scheduled = await apply_transition(
        services,
        release_id=release_id,
        expected_revision=expected_revision,
        transition=lambda r: lifecycle.schedule_release(
            r,
            start=window.scheduled_start,
            end=window.scheduled_end,
            actor=actor.name,
            now=now,
            blocking_problems=blocking,
        ),
    )
    await enqueue_scheduled_start(services, scheduled)
    return scheduled


async def enqueue_scheduled_start(services: Services, release: Release) -> None:
    """A deferred job at the scheduled start; its id makes a second enqueue a no-op."""
    if release.status is ReleaseStatus.SCHEDULED and release.scheduled_start is not None:
        await services.queue.enqueue(
            "start_scheduled_release",
            release.id,
            job_id=f"start:{release.id}:{release.scheduled_start.isoformat()}",
            defer_until=release.scheduled_start,
        )


async def start(
    services: Services, *, actor: User, release_id: str, expected_revision: int | None = None
) -> Release:
    """DRAFT (on demand) or SCHEDULED (pre-execute) -> RUNNING, then hand it to the engine."""
    started = await act(
        services,
        actor=actor,
        action="startRelease",
        release_id=release_id,
        expected_revision=expected_revision,
        decide=lambda r, who, now: lifecycle.start_release(r, actor=who, now=now),
    )
    await enqueue_advance(services, started)
    return started


async def cancel(
    services: Services,
    *,
    actor: User,
    release_id: str,
    reason: str | None = None,
    expected_revision: int | None = None,
) -> Release:
    """SCHEDULED -> COMPLETED/ABORTED."""
    return await act(
        services,
        actor=actor,
        action="cancelRelease",
        release_id=release_id,
        expected_revision=expected_revision,
        decide=lambda r, who, now: lifecycle.cancel_release(r, actor=who, now=now, reason=reason),
    )


async def pause(
    services: Services,
    *,
    actor: User,
    release_id: str,
    reason: str | None = None,
    expected_revision: int | None = None,
) -> Release:
    """No new activity starts until resumed."""
    return await act(
        services,
        actor=actor,
        action="pauseRelease",
        release_id=release_id,
        expected_revision=expected_revision,
        decide=lambda r, who, now: lifecycle.pause_release(r, actor=who, now=now, reason=reason),
    )


async def resume(
    services: Services, *, actor: User, release_id: str, expected_revision: int | None = None
) -> Release:
    """A paused release goes on."""
    resumed = await act(
        services,
        actor=actor,
        action="resumeRelease",
        release_id=release_id,
        expected_revision=expected_revision,
        decide=lambda r, who, now: lifecycle.resume_release(r, actor=who, now=now),
    )
    await enqueue_advance(services, resumed)
    return resumed


async def abort(
    services: Services,
    *,
    actor: User,
    release_id: str,
    reason: str | None,
    expected_revision: int | None = None,
) -> Release:
    """RUNNING|ON_HOLD -> COMPLETED; running subprocesses are aborted too."""
    aborted = await act(
        services,
        actor=actor,
        action="abortRelease",
        release_id=release_id,
        expected_revision=expected_revision,
        decide=lambda r, who, now: lifecycle.abort_release(r, actor=who, now=now, reason=reason),
    )
    await subprocesses.abort_children(services, aborted, reason)
    await report_to_parent(services, aborted)
    return aborted


async def start_if_due(services: Services, release_id: str) -> Release | None:
    """The scheduled start: exactly once however many workers race (compare-and-set).

    A release with `auto_start` off (from a release group that waits for a person) stays
    SCHEDULED: only startRelease starts it.
    """
    release = await services.releases.get(release_id)
    now = services.clock()
    if (
        release is None
        or release.status is not ReleaseStatus.SCHEDULED
        or not release.auto_start
        or release.scheduled_start is None
        or release.scheduled_start > now
    ):
        return None
    started = await apply_transition(
        services,
        release_id=release_id,
        transition=lambda r: (
            lifecycle.start_release(r, actor="scheduler", now=now)
            if r.status is ReleaseStatus.SCHEDULED
            else r
        ),
    )
    if started.status is ReleaseStatus.RUNNING and started.revision != release.revision:
        await enqueue_advance(services, started)
        return started
    return None


async def archive_completed(services: Services, *, retention: timedelta, limit: int = 500) -> int:
    """Archive releases completed longer ago than `retention`; returns how many."""
    from app.store.releases import ReleaseQuery

    now = services.clock()
    candidates = await services.releases.find(
        ReleaseQuery(statuses=(ReleaseStatus.COMPLETED,), window_to=now - retention),
        limit=limit,
    )
    archived = 0
    for release in candidates:
        if release.completed_at is None or release.completed_at > now - retention:
            continue
        await apply_transition(
            services,
            release_id=release.id,
            transition=lambda r: lifecycle.archive_release(r, now=now, retention=retention),
        )
        archived += 1
    return archived
