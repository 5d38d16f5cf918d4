"""Jobs on real Redis through arq workers: scheduled starts, the due sweep, archiving."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.jobs import Job, JobStatus

from app.services import queue_name
from app.settings import Settings
from tests.api.test_release_lifecycle import _events, _ready_release
from tests.api.test_releases import iso
from tests.conftest import ADMIN_TOKEN
from tests.factories import release_action, unique
from tests.graphql_client import Api
from tests.server import running_server

RunWorker = Callable[[], Awaitable[None]]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"retention_days": 0})


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[ArqRedis]:
    """This test's own connection to the queue (the server's lives in its own thread)."""
    assert settings.redis_url is not None
    redis = await create_pool(
        RedisSettings.from_dsn(settings.redis_url.get_secret_value()),
        default_queue_name=queue_name(settings),
    )
    yield redis
    await redis.aclose()


async def test_a_scheduled_release_starts_by_itself(api: Api, run_worker: RunWorker) -> None:
    release = await _ready_release(api)
    start = datetime.now(UTC) + timedelta(seconds=1)
    await release_action(api, "scheduleRelease", release["id"], scheduledStart=iso(start))
    await run_worker()  # waits for the deferred job, then runs it
    data = await api.gql(
        "query($id: ID!) { release(id: $id) { status startedAt } }", {"id": release["id"]}
    )
    # Started by itself, then run to the end by the engine (its activities are checkpoints).
    assert data["release"]["status"] == "COMPLETED"
    assert datetime.fromisoformat(data["release"]["startedAt"]) >= start
    started = [e for e in await _events(api, release["id"]) if e["type"] == "RELEASE_STARTED"]
    assert len(started) == 1
    assert started[0]["actor"] == "scheduler"
    assert started[0]["data"]["preExecuted"] is False


async def test_pre_executed_releases_ignore_their_deferred_start(
    api: Api, run_worker: RunWorker
) -> None:
    release = await _ready_release(api)
    start = datetime.now(UTC) + timedelta(seconds=1)
    await release_action(api, "scheduleRelease", release["id"], scheduledStart=iso(start))
    await release_action(api, "startRelease", release["id"])
    await run_worker()
    types = [e["type"] for e in await _events(api, release["id"])]
    assert types.count("RELEASE_STARTED") == 1


async def test_racing_workers_start_a_due_release_once(
    api: Api, run_worker: RunWorker, pool: ArqRedis
) -> None:
    release = await _ready_release(api)
    await release_action(
        api,
        "scheduleRelease",
        release["id"],
        scheduledStart=iso(datetime.now(UTC) + timedelta(seconds=1)),
    )
    await asyncio.sleep(1.1)
    # The deferred start and several sweeps, all due at once, raced by two workers.
    for n in range(4):
        await pool.enqueue_job("start_due_releases", _job_id=unique(f"sweep-{n}"))
    await asyncio.gather(run_worker(), run_worker())
    types = [e["type"] for e in await _events(api, release["id"])]
    assert types.count("RELEASE_STARTED") == 1
    status = await api.gql(
        "query($id: ID!) { release(id: $id) { status revision } }", {"id": release["id"]}
    )
    assert status["release"]["status"] == "COMPLETED"


async def test_start_hands_the_release_to_the_engine(
    api: Api, run_worker: RunWorker, pool: ArqRedis, settings: Settings
) -> None:
    release = await _ready_release(api)
    started = await release_action(api, "startRelease", release["id"])
    job = Job(
        f"advance:{release['id']}:{started['revision']}", pool, _queue_name=queue_name(settings)
    )
    assert await job.status() == JobStatus.queued
    await run_worker()
    assert await job.status() == JobStatus.complete
    info: Any = await job.result_info()
    assert info.success is True


async def test_completed_releases_are_archived_after_the_retention_period(
    api: Api, run_worker: RunWorker, pool: ArqRedis
) -> None:
    release = await _ready_release(api)
    await release_action(api, "startRelease", release["id"])
    await release_action(api, "abortRelease", release["id"], reason="stop")
    live = await _ready_release(api)
    # arq keeps job ids for an hour across queues, so a test's ids must be its own.
    await pool.enqueue_job("archive_releases", _job_id=unique("archive"))
    await run_worker()

    query = (
        """query($f: ReleaseFilter) { releases(filter: $f) { edges { node { id archivedAt } } } }"""
    )
    visible = await api.gql(query, {"f": {"processId": None, "search": release["name"]}})
    assert visible["releases"]["edges"] == []
    archived = await api.gql(query, {"f": {"search": release["name"], "includeArchived": True}})
    assert archived["releases"]["edges"][0]["node"]["archivedAt"] is not None
    assert (await _events(api, release["id"]))[-1]["type"] == "RELEASE_ARCHIVED"
    still = await api.gql(query, {"f": {"search": live["name"]}})
    assert still["releases"]["edges"][0]["node"]["archivedAt"] is None


async def test_without_redis_the_server_runs_the_jobs_itself(settings: Settings) -> None:
    embedded = settings.model_copy(update={"redis_url": None})
    with running_server(embedded) as server:
        async with httpx.AsyncClient(timeout=10) as client:
            api = Api(server.graphql_url, ADMIN_TOKEN, client)
            release = await _ready_release(api)
            await release_action(
                api,
                "scheduleRelease",
                release["id"],
                scheduledStart=iso(datetime.now(UTC) + timedelta(seconds=1)),
            )
            deadline = asyncio.get_running_loop().time() + 10
            status = "SCHEDULED"
            while status != "COMPLETED" and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.1)
                data = await api.gql(
                    "query($id: ID!) { release(id: $id) { status } }", {"id": release["id"]}
                )
                status = data["release"]["status"]
    assert status == "COMPLETED"  # started by itself, then run by the in-process engine
