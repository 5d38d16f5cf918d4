"""Job functions: verbs taking arq's `ctx` first; the same functions run in-process too."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from app.domain.release import ReleaseStatus
from app.services import Services, queue_name
from app.store.releases import ReleaseQuery
from app.usecases.group_generation import materialise_active
from app.usecases.release_actions import archive_completed, start_if_due
from jobs.engine import advance_release, run_activity, send_notification

log = logging.getLogger("cadenza.jobs")

WORKERS = "workers"
DUE_SWEEP_LIMIT = 500
STALL_AFTER = timedelta(seconds=60)


def _services(ctx: dict[str, Any]) -> Services:
    services: Services = ctx["services"]
    return services


async def start_scheduled_release(ctx: dict[str, Any], release_id: str) -> None:
    """The deferred start of a SCHEDULED release; a no-op if it started or moved since."""
    started = await start_if_due(_services(ctx), release_id)
    if started is not None:
        log.info("started scheduled release %s", release_id)


async def start_due_releases(ctx: dict[str, Any]) -> None:
    """Sweep: start any due SCHEDULED release whose deferred job was lost."""
    services = _services(ctx)
    due = await services.releases.find(
        # Releases waiting for a person (auto_start off) would crowd out those that are due.
        ReleaseQuery(
            statuses=(ReleaseStatus.SCHEDULED,), window_to=services.clock(), auto_start=True
        ),
        limit=DUE_SWEEP_LIMIT,
    )
    for release in due:
        await start_if_due(services, release.id)


async def generate_group_releases(ctx: dict[str, Any]) -> None:
    """Keep every active release group's releases generated for the horizon."""
    created = await materialise_active(_services(ctx))
    if created:
        log.info("generated %d release(s) of release groups", created)


async def readvance_stalled_releases(ctx: dict[str, Any]) -> None:
    """Sweep: advance running releases that made no progress for a while (a lost job, a
    killed worker); the advance itself is idempotent, so a healthy release loses nothing."""
    services = _services(ctx)
    stalled_before = services.clock() - STALL_AFTER
    live = await services.releases.find(
        ReleaseQuery(statuses=(ReleaseStatus.RUNNING, ReleaseStatus.ON_HOLD)), limit=DUE_SWEEP_LIMIT
    )
    for release in live:
        if release.updated_at < stalled_before:
            await services.queue.enqueue(
                "advance_release",
                release.id,
                job_id=f"advance:{release.id}:{release.revision}:sweep:{stalled_before.isoformat()}",
            )


async def flush_release_outboxes(ctx: dict[str, Any]) -> None:
    """Sweep: store events a crashed writer left in a release's outbox."""
    services = _services(ctx)
    for release in await services.releases.with_pending_outbox(limit=DUE_SWEEP_LIMIT):
        await services.releases.flush_outbox(release)


async def archive_releases(ctx: dict[str, Any]) -> None:
    """Archive completed releases older than the retention period."""
    services = _services(ctx)
    retention = timedelta(days=services.settings.retention_days)
    archived = await archive_completed(services, retention=retention)
    if archived:
        log.info("archived %d release(s) completed more than %s ago", archived, retention)


async def record_heartbeat(ctx: dict[str, Any]) -> None:
    """Note that this worker is alive, so operators can see who is processing jobs."""
    services = _services(ctx)
    # A whole-document upsert: `$set` of a datetime on an existing document (and
    # findAndModify) store it as text on nx-27017, see tests/smoke.
    await services.db.collection(WORKERS).replace_one(
        {"_id": ctx["worker_id"]},
        {"_id": ctx["worker_id"], "at": services.clock(), "queue": queue_name(services.settings)},
        upsert=True,
    )


JOBS = {
    job.__name__: job
    for job in (
        advance_release,
        run_activity,
        send_notification,
        start_scheduled_release,
        start_due_releases,
        readvance_stalled_releases,
        flush_release_outboxes,
        archive_releases,
        record_heartbeat,
        generate_group_releases,
    )
}
