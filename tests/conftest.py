"""Shared fixtures: real Redis, a real server per test, its own database and key prefix."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import mongomock
import pytest
from arq.worker import Worker
from pydantic import SecretStr

from app.settings import Settings
from jobs.worker import worker_settings
from tests.graphql_client import Api
from tests.redis_server import running_redis
from tests.server import RunningServer, running_server

ADMIN_TOKEN = "cdz_test-admin-token"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with running_redis() as url:
        yield url


@pytest.fixture
def settings(redis_url: str) -> Iterator[Settings]:
    """Fresh settings: a database and Redis key prefix of this test's own."""
    suffix = uuid.uuid4().hex[:12]
    mongodb_url = os.environ.get("MONGODB_URL")
    built = Settings(
        mongodb_url=SecretStr(mongodb_url) if mongodb_url else None,
        mongodb_db=f"cadenza_test_{suffix}",
        redis_url=SecretStr(redis_url),
        redis_key_prefix=f"cadenza-test:{suffix}",
        cadenza_admin_token=SecretStr(ADMIN_TOKEN),
        token_cache_ttl_s=0,
    )
    yield built
    if mongodb_url:
        import pymongo

        client: pymongo.MongoClient[dict[str, object]]
        with pymongo.MongoClient(mongodb_url) as client:
            client.drop_database(built.mongodb_db)


@pytest.fixture
def embedded_client(settings: Settings) -> Any | None:
    """The in-process store's client, shared by the server and workers of one test."""
    return None if settings.mongodb_url else mongomock.MongoClient()


@pytest.fixture
def server(settings: Settings, embedded_client: Any | None) -> Iterator[RunningServer]:
    with running_server(settings, embedded_client=embedded_client) as running:
        yield running


# Jobs due further out than this (an activity's one-hour timeout, say) do not keep a test's
# worker running: the test has seen everything it waits for by then.
IDLE_HORIZON_S = 5.0


@pytest.fixture
def run_worker(settings: Settings, embedded_client: Any | None) -> Callable[[], Awaitable[None]]:
    """Run an arq worker against the real Redis until no job is due within a few seconds."""

    async def run() -> None:
        options = worker_settings(settings, embedded_client=embedded_client)
        options.update(cron_jobs=[], handle_signals=False, poll_delay=0.02)
        worker = Worker(**options)
        running = asyncio.create_task(worker.async_run())
        try:
            quiet = 0
            while quiet < 3:  # idle for three looks in a row
                await asyncio.sleep(0.05)
                if running.done():
                    running.result()
                horizon_ms = (time.time() + IDLE_HORIZON_S) * 1000
                due = await worker.pool.zcount(worker.queue_name, 0, horizon_ms)
                busy = any(not task.done() for task in worker.tasks.values())
                quiet = 0 if due or busy else quiet + 1
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            await worker.close()

    return run


@pytest.fixture
async def api(server: RunningServer) -> AsyncIterator[Api]:
    client: httpx.AsyncClient
    async with httpx.AsyncClient(timeout=30) as client:
        yield Api(server.graphql_url, ADMIN_TOKEN, client)
