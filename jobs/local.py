"""Embedded mode without Redis: the worker's job functions and sweeps inside the API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from app.queue import LocalQueue
from app.services import Services
from jobs.functions import (
    JOBS,
    archive_releases,
    flush_release_outboxes,
    generate_group_releases,
    readvance_stalled_releases,
    start_due_releases,
)

log = logging.getLogger("cadenza.jobs")

Sweep = Callable[[dict[str, Any]], Awaitable[None]]
SWEEPS: tuple[tuple[Sweep, float], ...] = (
    (start_due_releases, 30.0),
    (flush_release_outboxes, 30.0),
    (readvance_stalled_releases, 30.0),
    (archive_releases, 3600.0),
    (generate_group_releases, 60.0),
)


async def _every(sweep: Sweep, interval_s: float, ctx: dict[str, Any]) -> None:
    while True:
        try:
            await sweep(ctx)
        except Exception:
            log.exception("%s failed", sweep.__name__)
        await asyncio.sleep(interval_s)


@contextlib.asynccontextmanager
async def in_process_jobs(services: Services) -> AsyncIterator[None]:
    """Run jobs in this process when there is no Redis; otherwise workers run them."""
    if not isinstance(services.queue, LocalQueue):
        yield
        return
    http = httpx.AsyncClient(follow_redirects=False)
    ctx: dict[str, Any] = {"services": services, "worker_id": "in-process", "http": http}
    services.queue.bind(JOBS, ctx)
    tasks = [asyncio.create_task(_every(s, i, ctx), name=s.__name__) for s, i in SWEEPS]
    try:
        yield
    finally:
        await http.aclose()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
