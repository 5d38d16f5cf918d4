"""Running releases: apply the reconciler's decisions and record activity attempts.

Every write is a compare-and-set on the release's revision; a lost race decides again on
the fresh state. Jobs have deterministic ids, so asking twice runs once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.domain import attempts, engine
from app.domain.engine_types import Advance, Notification
from app.domain.release import Release, ReleaseOutcome, ReleaseStatus
from app.services import Services

log = logging.getLogger("cadenza.engine")

MAX_ATTEMPTS = 20


def activity_job_id(release_id: str, activity_key: str, attempt: int) -> str:
    return f"activity:{release_id}:{activity_key}:{attempt}"


async def _enqueue_follow_ups(services: Services, advance: Advance) -> None:
    release = advance.release
    for run in advance.runs:
        await services.queue.enqueue(
            "run_activity",
            release.id,
            run.activity_key,
            run.attempt,
            job_id=activity_job_id(release.id, run.activity_key, run.attempt),
            defer_until=run.defer_until,
        )
    if advance.wake_at is not None:
        await services.queue.enqueue(
            "advance_release",
            release.id,
            job_id=f"advance:{release.id}:at:{advance.wake_at.isoformat()}",
            defer_until=advance.wake_at,
        )
    if advance.notifications:
        await notify(services, release, advance.notifications)


async def notify(
    services: Services, release: Release, notifications: tuple[Notification, ...]
) -> None:
    """Hand notifications to the notify job (webhooks are slow; the engine is not)."""
    for n in notifications:
        await services.queue.enqueue(
            "send_notification",
            release.id,
            n.kind,
            list(n.recipients),
            n.text,
            n.phase_key,
            n.activity_key,
        )


async def advance_release(services: Services, release_id: str) -> Release | None:
    """Decide what happens next and make it so."""
    for _ in range(MAX_ATTEMPTS):
        release = await services.releases.get(release_id)
        if release is None:
            return None
        decision = engine.advance(release, services.clock())
        if decision.release.revision == release.revision:
            await _enqueue_follow_ups(services, decision)  # re-ask for lost jobs, re-arm wakes
            return release
        if await services.releases.save(decision.release):
            await _enqueue_follow_ups(services, decision)
            if decision.release.parent_release_id is not None:
                await report_to_parent(services, decision.release)
            return decision.release
    # Others keep winning the race, so they are making progress; their writes enqueue
    # further advances, and the sweep re-advances anything that stalls.
    log.warning("release %s: gave up advancing after %d lost races", release_id, MAX_ATTEMPTS)
    return None


async def enqueue_advance(services: Services, release: Release) -> None:
    await services.queue.enqueue(
        "advance_release", release.id, job_id=f"advance:{release.id}:{release.revision}"
    )


async def apply_change(
    services: Services, release_id: str, change: Callable[[Release], Release | None]
) -> Release | None:
    for _ in range(MAX_ATTEMPTS):
        release = await services.releases.get(release_id)
        if release is None:
            return None
        changed = change(release)
        if changed is None:
            return None
        if await services.releases.save(changed):
            return changed
    raise RuntimeError(f"release {release_id}: too many lost races")


async def begin_attempt(
    services: Services,
    release_id: str,
    activity_key: str,
    attempt: int,
    inputs: dict[str, object] | None,
) -> Release | None:
    """QUEUED -> RUNNING for this attempt; None if it is not due (late or duplicate job)."""
    now = services.clock()
    started = await apply_change(
        services,
        release_id,
        lambda r: attempts.begin_attempt(r, activity_key, attempt, now, inputs),
    )
    # Look again at the attempt's deadline, so it times out even if this worker dies mid-call.
    if started is not None and (deadline := started.activity_state(activity_key).deadline_at):
        await _enqueue_follow_ups(services, Advance(started, wake_at=deadline))
    return started


async def finish_attempt(
    services: Services,
    release_id: str,
    activity_key: str,
    attempt: int,
    *,
    ok: bool,
    output: dict[str, object] | None = None,
    error: str | None = None,
) -> Release | None:
    """Record an attempt's result, then let the engine carry on."""
    follow_ups: list[Advance] = []

    def change(release: Release) -> Release | None:
        follow_ups.clear()
        decided = attempts.finish_attempt(
            release, activity_key, attempt, services.clock(), ok=ok, output=output, error=error
        )
        if decided is None:
            return None
        follow_ups.append(decided)
        return decided.release

    finished = await apply_change(services, release_id, change)
    if finished is not None:
        for decided in follow_ups:
            await _enqueue_follow_ups(services, decided)
        # Carry on here rather than through another job: saves a queue hop per activity.
        await advance_release(services, release_id)
    return finished


SUCCESSFUL = frozenset({ReleaseOutcome.SUCCESS, ReleaseOutcome.PARTIAL_SUCCESS})


async def report_to_parent(services: Services, child: Release) -> None:
    """A finished child release ends its parent's SUBPROCESS attempt."""
    if (
        child.status is not ReleaseStatus.COMPLETED
        or child.parent_release_id is None
        or child.parent_activity_key is None
        or child.parent_attempt is None
    ):
        return
    ok = child.outcome in SUCCESSFUL
    await finish_attempt(
        services,
        child.parent_release_id,
        child.parent_activity_key,
        child.parent_attempt,
        ok=ok,
        output={"releaseId": child.id, "outcome": child.outcome.value if child.outcome else None},
        error=None if ok else f"subprocess {child.name} ended {child.outcome}",
    )
