"""Release group jobs on the real Redis: racing generators, starts that wait for a person."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pymongo
import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

from app.services import queue_name
from app.settings import Settings
from app.store.release_groups import RELEASE_GROUPS
from tests.api.test_release_lifecycle import _events
from tests.factories import create_process, create_release_group, unique
from tests.graphql_client import Api

RunWorker = Callable[[], Awaitable[None]]
READY = {"releaseVersion": "2.1.3"}
GROUP_RELEASES = """
query($id: ID!) {
  releaseGroup(id: $id) {
    generatedThrough
    releases(first: 100) { totalCount edges { node { id occurrence status } } }
  }
}
"""


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[ArqRedis]:
    assert settings.redis_url is not None
    redis = await create_pool(
        RedisSettings.from_dsn(settings.redis_url.get_secret_value()),
        default_queue_name=queue_name(settings),
    )
    yield redis
    await redis.aclose()


@pytest.fixture
def groups_collection(settings: Settings, embedded_client: Any | None) -> Iterator[Any]:
    """The server's `release_groups` collection, to set up a state the API cannot reach."""
    if embedded_client is not None:
        yield embedded_client[settings.mongodb_db][RELEASE_GROUPS]
        return
    assert settings.mongodb_url is not None
    client: pymongo.MongoClient[dict[str, Any]]
    with pymongo.MongoClient(settings.mongodb_url.get_secret_value()) as client:
        yield client[settings.mongodb_db][RELEASE_GROUPS]


async def test_two_racing_workers_generate_each_occurrence_once(
    api: Api, run_worker: RunWorker, pool: ArqRedis, groups_collection: Any
) -> None:
    process = await create_process(api)
    start = (datetime.now(UTC) + timedelta(days=1)).replace(second=0, microsecond=0)
    created = await create_release_group(
        api, process["id"], startDate=start.isoformat(), defaultInputs=READY, active=False
    )
    group_id = created["releaseGroup"]["id"]
    assert created["createdReleases"] == []
    # Switched on behind the API's back: nothing is generated until the workers run.
    groups_collection.update_one({"_id": group_id}, {"$set": {"active": True}})
    for n in range(6):
        await pool.enqueue_job("generate_group_releases", _job_id=unique(f"generate-{n}"))
    await asyncio.gather(run_worker(), run_worker())

    data = await api.gql(GROUP_RELEASES, {"id": group_id})
    releases = [edge["node"] for edge in data["releaseGroup"]["releases"]["edges"]]
    occurrences = [release["occurrence"] for release in releases]
    assert len(occurrences) == 8
    assert len(set(occurrences)) == 8
    assert {release["status"] for release in releases} == {"SCHEDULED"}
    assert data["releaseGroup"]["generatedThrough"] == max(occurrences)
    for release in releases[:2]:
        types = [event["type"] for event in await _events(api, release["id"])]
        assert types == ["RELEASE_CREATED", "RELEASE_SCHEDULED"]

    # Another round changes nothing.
    await pool.enqueue_job("generate_group_releases", _job_id=unique("generate-again"))
    await run_worker()
    again = await api.gql(GROUP_RELEASES, {"id": group_id})
    assert again["releaseGroup"]["releases"]["totalCount"] == 8


async def test_generated_releases_start_by_themselves_only_with_auto_start(
    api: Api, run_worker: RunWorker, pool: ArqRedis
) -> None:
    process = await create_process(api)
    start = datetime.now(UTC) + timedelta(seconds=2)
    groups: dict[bool, dict[str, Any]] = {}
    for auto_start in (True, False):
        groups[auto_start] = await create_release_group(
            api,
            process["id"],
            startDate=start.isoformat(),
            defaultInputs=READY,
            autoStart=auto_start,
            duration="PT1H",
        )
    waiting = groups[False]["createdReleases"][0]
    assert waiting["autoStart"] is False
    assert waiting["status"] == "SCHEDULED"
    await asyncio.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()) + 0.2)
    # The deferred start of the auto-starting release, and sweeps that look for due ones.
    for n in range(3):
        await pool.enqueue_job("start_due_releases", _job_id=unique(f"sweep-{n}"))
    await run_worker()

    query = "query($id: ID!) { release(id: $id) { status startedAt } }"
    started = await api.gql(query, {"id": groups[True]["createdReleases"][0]["id"]})
    assert started["release"]["status"] == "COMPLETED"  # checkpoints: it ran to the end
    held = await api.gql(query, {"id": waiting["id"]})
    assert held["release"] == {"status": "SCHEDULED", "startedAt": None}
    # A person starts it when ready.
    await api.gql(
        "mutation($input: StartReleaseInput!) { startRelease(input: $input) { release { id } } }",
        {"input": {"id": waiting["id"]}},
    )
    await run_worker()
    done = await api.gql(query, {"id": waiting["id"]})
    assert done["release"]["status"] == "COMPLETED"
