"""Workers as processes on the production path: one SIGKILLed mid-job, four racing on starts.

nx-27017 (the MongoDB wire-protocol server), the API and the workers are separate
processes sharing one database and one Redis key prefix (see test_production_path.py).
The first worker is caught inside an HTTP call that the target holds and is killed with
SIGKILL: no clean-up at all, and arq's lock on its job stays until arq's job timeout. A
fresh worker then finishes the release by itself: the deferred advance at the attempt's
deadline fails the lost attempt by timeout and the retry succeeds. No sweep is involved
(the stalled-release sweep waits for a minute without progress).

Four worker processes racing on due releases can contend on the compare-and-set of the
start itself (two processes read a SCHEDULED release before either writes), which workers
sharing one event loop on the embedded store cannot.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import in_progress_key_prefix
from arq.jobs import Job, JobStatus

from app.usecases.execution import activity_job_id
from tests.api.test_release_lifecycle import _ready_release
from tests.api.test_releases import iso
from tests.factories import create_process, create_release, release_action, unique
from tests.processes import Child, start_nx
from tests.recovery import (
    SLOW,
    HoldingTarget,
    all_events,
    assert_recovered,
    recovery_process,
    release_state,
    running_holding_target,
    settled_events,
    wait_for_held_call,
)
from tests.smoke.test_production_path import ADMIN_TOKEN, Stack

# Four processes start, the lost attempt needs its 3 s to time out, then the rest runs.
pytestmark = pytest.mark.timeout(60)

RECOVERY_TIMEOUT_S = 25.0
SWEEPS = 12


@pytest.fixture(scope="module")
def stack(redis_url: str) -> Iterator[Stack]:
    """nx-27017 and the API; the test starts (and kills) the workers itself."""
    suffix = uuid.uuid4().hex[:12]
    with tempfile.TemporaryDirectory(prefix="cadenza-recovery-") as tmp:
        workdir = Path(tmp)
        nx, mongodb_url = start_nx(workdir)
        env = {
            **os.environ,
            "MONGODB_URL": mongodb_url,
            "MONGODB_DB": f"cadenza_recovery_{suffix}",
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": f"cadenza-recovery:{suffix}",
            "CADENZA_ADMIN_TOKEN": ADMIN_TOKEN,
            "TOKEN_CACHE_TTL_S": "0",
            "WORKER_POLL_DELAY_S": "0.05",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        built = Stack(workdir, env)
        try:
            built.start_api()
            yield built
        finally:
            try:
                built.stop_api()
            finally:
                nx.stop()


@pytest.fixture
def workers(stack: Stack) -> Iterator[list[Child]]:
    """Worker processes a test starts; whatever is still running is stopped afterwards."""
    started: list[Child] = []
    yield started
    for child in started:
        child.stop()


def start_worker(stack: Stack, workers: list[Child], name: str) -> Child:
    child = Child.start(name, [sys.executable, "-m", "app", "worker"], stack.env, stack.workdir)
    workers.append(child)
    return child


@pytest.fixture
def target() -> Iterator[HoldingTarget]:
    with running_holding_target(deploy=1) as running:
        yield running


@pytest.fixture
async def pool(stack: Stack) -> AsyncIterator[ArqRedis]:
    """The test's own look into the queue the workers share."""
    redis = await create_pool(
        RedisSettings.from_dsn(stack.env["REDIS_URL"]),
        default_queue_name=f"{stack.env['REDIS_KEY_PREFIX']}:queue",
    )
    yield redis
    await redis.aclose()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=15) as http:
        yield http


async def test_a_release_whose_worker_was_killed_is_finished_by_a_fresh_worker(
    stack: Stack,
    workers: list[Child],
    target: HoldingTarget,
    pool: ArqRedis,
    client: httpx.AsyncClient,
) -> None:
    api = stack.api_client(client)
    first = start_worker(stack, workers, "worker-1")
    process = await create_process(api, **recovery_process(target))
    release = await create_release(api, process["id"], inputs={"releaseVersion": "3.0.0"})
    release_id = release["id"]
    await release_action(api, "startRelease", release_id)

    # The first worker is inside the HTTP call: kill it, no clean-up of any kind.
    if not await wait_for_held_call(target):
        first.fail("never made the held call")
    first.process.send_signal(signal.SIGKILL)
    await asyncio.to_thread(first.process.wait, 10)
    assert first.process.returncode == -signal.SIGKILL
    killed_at = time.monotonic()

    # Its job is still in the queue, locked by the dead worker for arq's job timeout.
    queue = f"{stack.env['REDIS_KEY_PREFIX']}:queue"
    lost = Job(activity_job_id(release_id, "deploy", 1), pool, _queue_name=queue)
    assert await lost.status() is JobStatus.in_progress
    mid_job = await release_state(api, release_id)
    assert mid_job["status"] == "RUNNING"

    second = start_worker(stack, workers, "worker-2")
    events = None
    while events is None:
        if time.monotonic() - killed_at > RECOVERY_TIMEOUT_S:
            state = await release_state(api, release_id)
            second.fail(f"did not finish the release within {RECOVERY_TIMEOUT_S:.0f} s: {state}")
        if second.process.poll() is not None:
            second.fail("exited")
        await asyncio.sleep(0.1)
        events = await settled_events(api, release_id)
    state = await release_state(api, release_id)
    assert_recovered(state, events, target)

    # The lost job comes back once its lock expires (310 s on): let it expire now. The
    # fresh worker runs it, and it is a no-op: attempt 1 is no longer the one due.
    assert await lost.status() is JobStatus.in_progress
    await pool.delete(in_progress_key_prefix + lost.job_id)
    deadline = time.monotonic() + 10
    while await lost.status() is not JobStatus.complete:
        if time.monotonic() > deadline:
            second.fail(f"did not run the lost job (status {await lost.status()})")
        await asyncio.sleep(0.05)
    assert len(target.sent_to(SLOW)) == 2
    assert await all_events(api, release_id) == events
    assert (await release_state(api, release_id))["revision"] == state["revision"]


async def test_four_worker_processes_racing_on_three_due_releases_start_each_once(
    stack: Stack, workers: list[Child], pool: ArqRedis, client: httpx.AsyncClient
) -> None:
    api = stack.api_client(client)
    racers = [start_worker(stack, workers, f"racer-{n}") for n in range(4)]
    releases = [await _ready_release(api) for _ in range(3)]
    deadline = time.monotonic() + 20
    for racer in racers:
        while "Cadenza worker starting" not in racer.output():
            if racer.process.poll() is not None or time.monotonic() > deadline:
                racer.fail("did not start")
            await asyncio.sleep(0.05)

    # Each release's deferred start, and sweeps that start every due release, all due at
    # the same moment: each process takes several and runs them side by side.
    due = datetime.now(UTC) + timedelta(seconds=1)
    for release in releases:
        await release_action(api, "scheduleRelease", release["id"], scheduledStart=iso(due))
    for n in range(SWEEPS):
        await pool.enqueue_job("start_due_releases", _job_id=unique(f"sweep-{n}"), _defer_until=due)

    give_up = time.monotonic() + 20
    for release in releases:
        events = None
        while events is None:
            if time.monotonic() > give_up:
                state = await release_state(api, release["id"])
                racers[0].fail(f"release {release['id']} did not complete: {state['status']}")
            await asyncio.sleep(0.1)
            events = await settled_events(api, release["id"])
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        types = [e["type"] for e in events]
        assert types.count("RELEASE_STARTED") == 1, types
        assert types.count("RELEASE_COMPLETED") == 1, types
        assert next(e for e in events if e["type"] == "RELEASE_STARTED")["actor"] == "scheduler"
