"""The arq worker: `python -m app worker`. Builds the same services object as the API."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import httpx
from arq import cron
from arq.connections import RedisSettings
from arq.worker import Worker

from app.services import open_services, queue_name
from app.settings import Settings
from jobs.functions import (
    JOBS,
    archive_releases,
    flush_release_outboxes,
    generate_group_releases,
    readvance_stalled_releases,
    record_heartbeat,
    start_due_releases,
)

log = logging.getLogger("cadenza.worker")


def worker_settings(settings: Settings, *, embedded_client: Any | None = None) -> dict[str, Any]:
    """Keyword arguments for an arq `Worker` serving Cadenza's jobs."""
    if settings.redis_url is None:
        raise ValueError("the worker needs REDIS_URL; without it the server runs jobs in-process")
    services_cm = open_services(settings, embedded_client=embedded_client)

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["services"] = await services_cm.__aenter__()
        # Redirects are followed by the HTTP executor itself, checking every target.
        ctx["http"] = httpx.AsyncClient(follow_redirects=False)
        ctx["worker_id"] = f"{socket.gethostname()}:{os.getpid()}"
        log.info("Cadenza worker starting: %s", ctx["services"].mode)
        if settings.is_embedded_store and embedded_client is None:
            log.warning(
                "MONGODB_URL is not set: this worker has a private in-process store and "
                "sees nothing the API writes; set MONGODB_URL for a shared store"
            )

    async def shutdown(ctx: dict[str, Any]) -> None:
        await ctx["http"].aclose()
        await services_cm.__aexit__(None, None, None)

    return {
        "functions": list(JOBS.values()),
        "cron_jobs": [
            cron(record_heartbeat, second={0, 30}, run_at_startup=True),
            cron(start_due_releases, second={15, 45}, run_at_startup=True),
            cron(flush_release_outboxes, second={20, 50}),
            cron(readvance_stalled_releases, second={25, 55}),
            cron(archive_releases, minute={7}, second={0}),
            # Every minute: occurrences enter the horizon, and a worker that was down catches up.
            cron(generate_group_releases, second={5}, run_at_startup=True),
        ],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url.get_secret_value()),
        "queue_name": queue_name(settings),
        "handle_signals": True,
        # arq polls every 0.5 s by default: up to half a second late for a scheduled start
        # and ~200 jobs/s. A short poll keeps starts punctual and chains of jobs quick.
        "poll_delay": settings.worker_poll_delay_s,
        # A finished job's id blocks a new job of that id while its result is kept. Our jobs
        # are idempotent and guarded by the release's state, so a minute is plenty and lets
        # the sweeps re-ask for anything that needs it.
        "keep_result": 60,
    }


def run_worker(settings: Settings, *, burst: bool = False) -> int:
    try:
        options = worker_settings(settings)
    except ValueError as error:
        log.error("%s", error)
        return 2
    Worker(burst=burst, **options).run()
    return 0
