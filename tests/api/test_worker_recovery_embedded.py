"""Recovery on the embedded store with real Redis: a worker that vanishes mid-job, racing starts.

A process cannot be SIGKILLed without losing the in-process store, so the lost worker runs
on an event loop of its own in a thread, and vanishes by having that loop stopped between
two steps: none of its code runs again, no `finally`, no arq clean-up, its lock on the job
stays in Redis. That is what a killed process leaves (test_worker_recovery.py in
tests/smoke does it with SIGKILL). Releasing arq's lock instead (cancelling the job's task,
as arq does on SIGTERM) would hand the job straight to the next worker, which is not what
happens: the lock outlives a dead worker by arq's job timeout (310 s here).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import in_progress_key_prefix
from arq.jobs import Job, JobStatus
from arq.worker import Worker

from app.services import queue_name
from app.settings import Settings
from app.usecases.execution import activity_job_id
from jobs.worker import worker_settings
from tests.api.test_release_lifecycle import _ready_release
from tests.api.test_releases import iso
from tests.factories import create_process, create_release, release_action, unique
from tests.graphql_client import Api
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

RunWorker = Callable[[], Awaitable[None]]

pytestmark = pytest.mark.timeout(60)

RECOVERY_TIMEOUT_S = 20.0


def _options(settings: Settings, embedded_client: Any | None) -> dict[str, Any]:
    """The production worker's options, minus the sweeps: recovery must not need them."""
    options = worker_settings(settings, embedded_client=embedded_client)
    options.update(cron_jobs=[], handle_signals=False, poll_delay=0.02)
    return options


async def stop_worker(worker: Worker, running: asyncio.Task[None], timeout_s: float = 10) -> bool:
    """Stop as arq does on a signal when it waits for jobs: pick nothing more, let the jobs
    under way end, then close. Cancelling a job mid-pipeline would leak its Redis
    connection. True when every job ended in time."""
    worker.allow_pick_jobs = False
    await asyncio.sleep(0.1)  # a poll under way ends (and may still start what it picked)
    jobs = [t for t in worker.tasks.values() if not t.done()]
    pending: set[asyncio.Task[None]] = set()
    if jobs:
        _, pending = await asyncio.wait(jobs, timeout=timeout_s)
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    await worker.close()
    return not pending


class LostWorker:
    """An arq worker on an event loop of its own, in a thread of its own.

    `vanish()` stops that loop between two steps and leaves it stopped: the worker is
    gone mid-job as a killed process would be. `wake_up()` runs the loop again afterwards,
    as for a worker that was only frozen (a long pause, a partition): it finishes the job
    it was in, whose late result must change nothing, and stops. `close()` cleans up
    whatever state it is in.
    """

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self.loop = asyncio.new_event_loop()
        self.worker: Worker | None = None
        self.task: asyncio.Task[None] | None = None
        self.thread: threading.Thread | None = None
        self.stopped = False

    def _in_thread(self, run: Callable[[], None]) -> threading.Thread:
        def target() -> None:
            asyncio.set_event_loop(self.loop)
            run()

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        return thread

    def start(self) -> None:
        self.thread = self._in_thread(self.loop.run_forever)
        future = asyncio.run_coroutine_threadsafe(self._start(), self.loop)
        future.result(timeout=10)

    async def _start(self) -> None:
        self.worker = Worker(**self.options)  # arq binds the running loop
        self.task = asyncio.create_task(self.worker.async_run())

    def vanish(self) -> None:
        assert self.thread is not None
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "the lost worker's loop did not stop"

    def _run_until_complete(self, make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        results: list[Any] = []
        failures: list[BaseException] = []

        def run() -> None:
            try:
                results.append(self.loop.run_until_complete(make()))
            except BaseException as error:  # reported in the caller's thread
                failures.append(error)

        self._in_thread(run).join(timeout=30)
        if failures:
            raise failures[0]
        return results[0] if results else None

    def wake_up(self) -> bool:
        """Run the frozen worker again until its jobs end, then stop it; True if they did."""
        worker, task = self.worker, self.task
        assert worker is not None
        assert task is not None
        self.stopped = True
        finished: bool = self._run_until_complete(lambda: stop_worker(worker, task, 20))
        return finished

    def close(self) -> None:
        if self.thread is not None and self.thread.is_alive():
            self.vanish()
        try:
            if not self.stopped and self.worker is not None and self.task is not None:
                self.wake_up()
            self._run_until_complete(self.loop.shutdown_asyncgens)
        finally:
            self.loop.close()


async def run_worker_until(
    options: dict[str, Any], done: Callable[[], Awaitable[bool]], timeout_s: float
) -> bool:
    """A fresh worker in this test's loop, run until `done()` (True) or the time is up."""
    worker = Worker(**options)
    running = asyncio.create_task(worker.async_run())
    finished = False
    try:
        give_up = time.monotonic() + timeout_s
        while time.monotonic() < give_up:
            await asyncio.sleep(0.05)
            if running.done():
                running.result()
            if await done():
                finished = True
                break
    finally:
        await stop_worker(worker, running)
    return finished


@pytest.fixture
def target() -> Iterator[HoldingTarget]:
    with running_holding_target(deploy=1) as running_target:
        yield running_target


@pytest.fixture
def lost_workers(target: HoldingTarget) -> Iterator[list[LostWorker]]:
    made: list[LostWorker] = []
    yield made
    target.released.set()  # a call still held ends, so its worker can stop
    for lost in made:
        lost.close()


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[ArqRedis]:
    assert settings.redis_url is not None
    redis = await create_pool(
        RedisSettings.from_dsn(settings.redis_url.get_secret_value()),
        default_queue_name=queue_name(settings),
    )
    yield redis
    await redis.aclose()


async def test_a_release_whose_worker_vanished_mid_job_is_finished_by_a_fresh_worker(
    api: Api,
    settings: Settings,
    embedded_client: Any | None,
    target: HoldingTarget,
    lost_workers: list[LostWorker],
    pool: ArqRedis,
) -> None:
    if embedded_client is None:
        pytest.skip("about the embedded store; tests/smoke kills a worker process")
    process = await create_process(api, **recovery_process(target))
    release = await create_release(api, process["id"], inputs={"releaseVersion": "3.0.0"})
    release_id = release["id"]

    first = LostWorker(_options(settings, embedded_client))
    lost_workers.append(first)
    await asyncio.to_thread(first.start)
    await release_action(api, "startRelease", release_id)
    assert await wait_for_held_call(target), "the first worker never made the held call"
    await asyncio.to_thread(first.vanish)

    lost = Job(activity_job_id(release_id, "deploy", 1), pool, _queue_name=queue_name(settings))
    assert await lost.status() is JobStatus.in_progress  # locked by the vanished worker
    assert (await release_state(api, release_id))["status"] == "RUNNING"

    events: list[dict[str, Any]] | None = None

    async def settled() -> bool:
        nonlocal events
        events = await settled_events(api, release_id)
        return events is not None

    options = _options(settings, embedded_client)
    assert await run_worker_until(options, settled, RECOVERY_TIMEOUT_S), (
        f"a fresh worker did not finish the release: {await release_state(api, release_id)}"
    )
    assert events is not None
    state = await release_state(api, release_id)
    assert_recovered(state, events, target)

    # The lost job comes back when its lock expires: let it expire now. It is a no-op.
    assert await lost.status() is JobStatus.in_progress
    await pool.delete(in_progress_key_prefix + lost.job_id)

    async def lost_job_ran() -> bool:
        return await lost.status() is JobStatus.complete

    assert await run_worker_until(_options(settings, embedded_client), lost_job_ran, 10)
    assert len(target.sent_to(SLOW)) == 2
    assert await all_events(api, release_id) == events
    assert (await release_state(api, release_id))["revision"] == state["revision"]

    # And if the worker was only frozen: its late answer to attempt 1 changes nothing.
    assert first.worker is not None
    completed = first.worker.jobs_complete
    target.released.set()
    assert await asyncio.to_thread(first.wake_up), "the woken worker did not end its job"
    assert first.worker.jobs_complete >= completed + 1  # it did finish attempt 1's job
    assert len(target.sent_to(SLOW)) == 2
    assert await all_events(api, release_id) == events
    assert (await release_state(api, release_id))["revision"] == state["revision"]


async def test_four_workers_racing_on_three_due_releases_start_each_once(
    api: Api, run_worker: RunWorker, pool: ArqRedis
) -> None:
    """Seven start jobs for three releases, all due at once, shared out by four workers.

    These workers share the test's event loop, and the embedded store never yields between
    a start's read and its compare-and-set, so what races here is arq's hand-out of jobs
    and the starts' interleaving around I/O (with MONGODB_URL set, the compare-and-set
    too). tests/smoke/test_worker_recovery.py races four worker processes on one
    MongoDB-protocol store, where the compare-and-set itself can be contended.
    """
    releases = [await _ready_release(api) for _ in range(3)]
    due = datetime.now(UTC) + timedelta(seconds=1)
    for release in releases:
        await release_action(api, "scheduleRelease", release["id"], scheduledStart=iso(due))
    # Each release's deferred start, and four sweeps that start every due release, all due
    # at the same moment and taken by four workers polling together.
    for n in range(4):
        await pool.enqueue_job("start_due_releases", _job_id=unique(f"sweep-{n}"), _defer_until=due)
    await asyncio.gather(*(run_worker() for _ in range(4)))

    for release in releases:
        events = await all_events(api, release["id"])
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        started = [e for e in events if e["type"] == "RELEASE_STARTED"]
        assert len(started) == 1, [e["type"] for e in events]
        assert started[0]["actor"] == "scheduler"
        state = await release_state(api, release["id"])
        assert (state["status"], state["outcome"]) == ("COMPLETED", "SUCCESS")
        assert [e["type"] for e in events].count("RELEASE_COMPLETED") == 1
