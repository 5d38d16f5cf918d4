"""How fast Cadenza's engine runs releases on one arq worker, against arq's own floor.

    .venv/bin/python -m bench.engine_throughput [--jobs N] [--activities N] [--scheduled K]
        [--spread S] [--soak DURATION] [--profile {auto,always,never}]

Prints figures, checks nothing beyond "every call succeeded and every release completed".
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import importlib.metadata
import io
import json
import os
import platform
import pstats
import re
import secrets
import site
import statistics
import sysconfig
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import mongomock
from arq import create_pool
from arq.connections import RedisSettings
from arq.constants import result_key_prefix
from arq.jobs import deserialize_result
from arq.worker import Worker, func
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.domain.process_validation import validate_process
from app.domain.release import ActivityStatus, Release, ReleaseStatus
from app.examples import EXAMPLES_DIR
from app.settings import Settings
from app.store.codec import as_utc
from app.store.embedded import lock_of
from app.store.releases import RELEASES, from_document
from app.usecases.processes import spec_from_fields
from jobs.worker import worker_settings
from tests.factories import activity, create_user, phase, process_input, unique
from tests.graphql_client import Api
from tests.redis_server import running_redis
from tests.server import RunningServer, running_server, serving

ADMIN_TOKEN = "cdz_bench-" + secrets.token_urlsafe(32)
DEFAULT_JOBS = 1000
DEFAULT_ACTIVITIES = 1000
DEFAULT_SCHEDULED = 50
DEFAULT_SPREAD_S = 10.0
DEFAULT_SOAK = "PT0S"
TARGET_ACTIVITIES_PER_S = 500.0
TARGET_LATENESS_P99_MS = 200.0
ARQ_DEFAULT_POLL_S = 0.5
# How often the benchmark looks at the store while it waits for the engine.
WATCH_S = 0.01
RUN_TIMEOUT_S = 120.0
PROFILE_TOP = 10
FLUSHED = "FLUSHED"  # StoreWatch: COMPLETED and the outbox emptied into the events collection

CREATE_PROCESS = """mutation($input: CreateProcessInput!) {
  createProcess(input: $input) { process { id } } }"""
CREATE_RELEASE = """mutation($input: CreateReleaseInput!) {
  createRelease(input: $input) { release { id } } }"""
START = """mutation($input: StartReleaseInput!) {
  startRelease(input: $input) { release { status } } }"""
SCHEDULE = """mutation($input: ScheduleReleaseInput!) {
  scheduleRelease(input: $input) { release { status scheduledStart } } }"""
COMPLETE = """mutation($input: CompleteActivityInput!) {
  completeActivity(input: $input) { release { status } } }"""
APPROVE = """mutation($input: ApproveActivityInput!) {
  approveActivity(input: $input) { release { status } } }"""
STARTED_EVENT = """query($id: ID!) { release(id: $id) { scheduledStart
  events(first: 10) { edges { node { type at } } } } }"""


def ms(seconds: float) -> float:
    return seconds * 1000


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted samples."""
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered))))
    return ordered[rank - 1]


# -- the stack: Redis, a server in a thread, a worker in this loop, one embedded store ----


@dataclass
class Stack:
    settings: Settings
    client: Any  # mongomock.MongoClient shared by the server, the worker and the benchmark
    server: RunningServer

    def release_doc(self, release_id: str, *fields: str) -> dict[str, Any]:
        projection = {name: 1 for name in fields} if fields else None
        # The embedded store's lock: mongomock is not thread-safe, and the worker writes.
        with lock_of(self.client):
            doc: dict[str, Any] | None = self.client[self.settings.mongodb_db][RELEASES].find_one(
                {"_id": release_id}, projection
            )
        if doc is None:
            raise RuntimeError(f"release {release_id} is not in the store")
        return doc

    def release(self, release_id: str) -> Release:
        return from_document(self.release_doc(release_id))


def bench_settings(redis_url: str) -> Settings:
    """Like tests/conftest.py: a database and Redis key prefix of this run's own."""
    suffix = uuid.uuid4().hex[:12]
    return Settings(
        mongodb_url=None,
        mongodb_db=f"cadenza_bench_{suffix}",
        redis_url=SecretStr(redis_url),
        redis_key_prefix=f"cadenza-bench:{suffix}",
        cadenza_admin_token=SecretStr(ADMIN_TOKEN),
    )


@contextlib.contextmanager
def stack(redis_url: str) -> Iterator[Stack]:
    settings = bench_settings(redis_url)
    client: Any = mongomock.MongoClient()
    with running_server(settings, embedded_client=client) as server:
        yield Stack(settings, client, server)


@contextlib.asynccontextmanager
async def api_client(running: Stack) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield Api(running.server.graphql_url, ADMIN_TOKEN, client)


@contextlib.asynccontextmanager
async def worker_running(running: Stack) -> AsyncIterator[Worker]:
    """One arq Worker in this loop, as tests/conftest.py runs it, with Cadenza's poll delay.

    Cron sweeps are off (as in the tests): scheduled starts come from their deferred jobs.
    """
    options = worker_settings(running.settings, embedded_client=running.client)
    options.update(cron_jobs=[], handle_signals=False)
    worker = Worker(**options)
    task = asyncio.create_task(worker.async_run())
    try:
        while "services" not in worker.ctx:  # on_startup done: services open, indexes made
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield worker
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await worker.close()


async def until_idle(worker: Worker) -> None:
    """No job due within a second and none running, three looks in a row."""
    quiet = 0
    while quiet < 3:
        await asyncio.sleep(0.05)
        due = await worker.pool.zcount(worker.queue_name, 0, (time.time() + 1) * 1000)
        busy = any(not task.done() for task in worker.tasks.values())
        quiet = 0 if due or busy else quiet + 1


# -- 1. the bare arq floor ------------------------------------------------------------------


async def noop(ctx: dict[str, Any]) -> None:
    return None


async def arq_floor(redis_url: str, n: int, poll_delay: float) -> tuple[float, int]:
    """N no-op jobs in a fresh queue, one burst Worker until the queue is empty: (s, done)."""
    queue = f"cadenza-bench-floor:{uuid.uuid4().hex[:12]}"
    redis_settings = RedisSettings.from_dsn(redis_url)
    pool = await create_pool(redis_settings, default_queue_name=queue)
    ids: list[str] = []
    try:
        for _ in range(n):
            job = await pool.enqueue_job("noop", _queue_name=queue)
            if job is not None:
                ids.append(job.job_id)
        worker = Worker(
            functions=[func(noop, name="noop")],
            redis_settings=redis_settings,
            queue_name=queue,
            burst=True,
            handle_signals=False,
            poll_delay=poll_delay,
        )
        started = time.perf_counter()
        try:
            await worker.main()
            wall = time.perf_counter() - started
        finally:
            await worker.close()
        return wall, worker.jobs_complete
    finally:
        # Results are kept for an hour by default; these would only crowd the Redis.
        for i in range(0, len(ids), 500):
            await pool.delete(*(result_key_prefix + job_id for job_id in ids[i : i + 500]))
        await pool.delete(queue)
        await pool.aclose()


# -- 2. 1,000 CHECKPOINT activities ---------------------------------------------------------


def key(index: int) -> str:
    return f"a{index:05d}"


def wide(n: int) -> list[dict[str, Any]]:
    return [phase("wide", *(activity(key(i)) for i in range(n)))]


def deep(n: int) -> list[dict[str, Any]]:
    return [
        phase(
            "deep",
            *(activity(key(i), dependsOn=[key(i - 1)] if i else []) for i in range(n)),
        )
    ]


def phased(n: int, phases: int = 10) -> list[dict[str, Any]]:
    """`phases` phases, each after the previous, each a chain of n / phases activities."""
    per = max(1, n // phases)
    built = []
    for p in range(phases):
        first = p * per
        built.append(
            phase(
                f"p{p:02d}",
                *(
                    activity(key(i), dependsOn=[key(i - 1)] if i > first else [])
                    for i in range(first, first + per)
                ),
                dependsOn=[f"p{p - 1:02d}"] if p else [],
            )
        )
    return built


@dataclass
class JobTime:
    function: str
    wait_ms: float  # enqueued (or, if deferred, due) -> started by the worker
    run_ms: float


@dataclass
class CaseResult:
    label: str
    activities: int
    validate_ms: float
    create_process_ms: float
    create_release_ms: float
    events_before: int  # events already in the store's events collection
    start_call_ms: float  # the startRelease request, client side
    seen_ms: float  # before startRelease -> COMPLETED visible in the store
    flushed_ms: float  # ... -> COMPLETED and every event in the events collection
    jobs: list[JobTime]
    revisions: int
    events: int
    profile: str | None = None

    @property
    def per_s(self) -> float:
        """Activities per second until the release is wholly recorded (events too)."""
        return self.activities / (self.flushed_ms / 1000) if self.flushed_ms > 0 else 0.0

    @property
    def seen_per_s(self) -> float:
        return self.activities / (self.seen_ms / 1000) if self.seen_ms > 0 else 0.0

    def job_ms(self, function: str) -> tuple[float, float]:
        """(wait, run) summed over this case's jobs of `function`."""
        mine = [j for j in self.jobs if j.function == function]
        return sum(j.wait_ms for j in mine), sum(j.run_ms for j in mine)


def due_of(job_id: str, enqueued: datetime) -> datetime:
    """When a job was due: deferred jobs carry their time in their id (`start:{id}:{iso}`,
    `advance:{id}:at:{iso}`), the rest were due when enqueued. arq's results keep no score."""
    kind, _, rest = job_id.partition(":")
    _, _, when = rest.partition(":")
    if kind == "advance" and when.startswith("at:"):
        when = when.removeprefix("at:")
    elif kind != "start":
        return enqueued
    try:
        return max(enqueued, as_utc(datetime.fromisoformat(when)))
    except ValueError:
        return enqueued


async def jobs_of(worker: Worker, release_id: str) -> list[JobTime]:
    """The finished jobs of one release whose ids name it (advance, activity and start jobs;
    notification jobs have random ids), from the results arq keeps in Redis."""
    keys = await worker.pool.keys(f"{result_key_prefix}*:{release_id}:*")
    results = [
        deserialize_result(raw, deserializer=worker.job_deserializer)
        for raw in (await worker.pool.mget(keys) if keys else [])
        if raw is not None
    ]
    return [
        JobTime(
            r.function,
            ms((r.start_time - due_of(r.job_id or "", r.enqueue_time)).total_seconds()),
            ms((r.finish_time - r.start_time).total_seconds()),
        )
        for r in sorted(results, key=lambda r: r.start_time)
        if r.queue_name == worker.queue_name
    ]


async def create_release_of(api: Api, phases: list[dict[str, Any]]) -> tuple[str, float, float]:
    """createProcess then createRelease through the API: (release id, process ms, release ms)."""
    began = time.perf_counter()
    process = await api.gql(CREATE_PROCESS, {"input": process_input(phases=phases)})
    process_ms = ms(time.perf_counter() - began)
    began = time.perf_counter()
    payload = {
        "processId": process["createProcess"]["process"]["id"],
        "name": unique("bench-release"),
        "inputs": {"releaseVersion": "1.0.0"},
    }
    release = await api.gql(CREATE_RELEASE, {"input": payload})
    release_ms = ms(time.perf_counter() - began)
    return release["createRelease"]["release"]["id"], process_ms, release_ms


async def wait_for_status(
    running: Stack, release_id: str, *statuses: ReleaseStatus, timeout_s: float = RUN_TIMEOUT_S
) -> None:
    """Read the store every WATCH_S until the release has one of `statuses`."""
    wanted = {s.value for s in statuses}
    deadline = time.monotonic() + timeout_s
    while True:
        status = running.release_doc(release_id, "status")["status"]
        if status in wanted:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"release {release_id} still {status} after {timeout_s} s")
        await asyncio.sleep(WATCH_S)


class StoreWatch(threading.Thread):
    """Reads one release's status from the store every couple of ms, in a thread of its own,
    so it sees a write when an API request would, even while the worker's loop is busy."""

    def __init__(self, running: Stack, release_id: str, began: float) -> None:
        super().__init__(daemon=True)
        self.running = running
        self.release_id = release_id
        self.began = began
        self.seen: dict[str, float] = {}  # status (or FLUSHED) -> ms after `began`
        self.failed: BaseException | None = None
        self.halt = threading.Event()

    def run(self) -> None:
        try:
            while not self.halt.is_set():
                doc = self.running.release_doc(self.release_id, "status", "outbox_json")
                at = ms(time.perf_counter() - self.began)
                self.seen.setdefault(doc["status"], at)
                if doc["status"] == ReleaseStatus.COMPLETED.value and doc["outbox_json"] == "[]":
                    self.seen.setdefault(FLUSHED, at)
                    return
                time.sleep(0.002)
        except BaseException as error:
            self.failed = error

    async def finished(self, timeout_s: float = RUN_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while FLUSHED not in self.seen:
            if self.failed is not None:
                raise self.failed
            if time.monotonic() > deadline:
                self.halt.set()
                raise RuntimeError(f"release {self.release_id}: not COMPLETED in {timeout_s} s")
            await asyncio.sleep(0.01)


def snake_keys(value: Any) -> Any:
    """The API's camelCase input as the domain's field names (no config here to spare)."""
    if isinstance(value, dict):
        return {
            re.sub(r"(?<!^)([A-Z])", r"_\1", k).lower(): snake_keys(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value


def validation_ms(phases: list[dict[str, Any]]) -> float:
    """In-process: the input parsed into a ProcessSpec and validated, best of 3."""
    fields = snake_keys(process_input(phases=phases))
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        problems = validate_process(spec_from_fields(fields))
        best = min(best, time.perf_counter() - began)
        if problems:
            raise RuntimeError(f"invalid benchmark process: {problems[:3]}")
    return ms(best)


def top_cumulative(profiler: cProfile.Profile, limit: int = PROFILE_TOP) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(limit)
    text = out.getvalue()
    for prefix in sorted({*site.getsitepackages(), sysconfig.get_path("stdlib")}, key=len)[::-1]:
        text = text.replace(prefix.rstrip("/") + "/", "")
    text = text.replace(str(Path.cwd()) + "/", "")
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    header = next((line.strip() for line in lines if "function calls" in line), "")
    return "\n".join(["    " + header, *("    " + line for line in lines[start:] if line)])


async def run_case(
    running: Stack, label: str, phases: list[dict[str, Any]], *, profile: bool
) -> CaseResult:
    count = sum(len(p["activities"]) for p in phases)
    validate = validation_ms(phases)
    events_before = running.client[running.settings.mongodb_db]["events"].count_documents({})
    async with api_client(running) as api:
        release_id, process_ms, release_ms = await create_release_of(api, phases)
        async with worker_running(running) as worker:
            profiler = cProfile.Profile() if profile else None
            began = time.perf_counter()
            watch = StoreWatch(running, release_id, began)
            watch.start()
            if profiler is not None:
                profiler.enable()
            await api.gql(START, {"input": {"id": release_id}})
            start_ms = ms(time.perf_counter() - began)
            await watch.finished()
            if profiler is not None:
                profiler.disable()
            await until_idle(worker)
            jobs = await jobs_of(worker, release_id)
    release = running.release(release_id)
    not_done = [
        k for k, s in release.activity_states.items() if s.status is not ActivityStatus.SUCCEEDED
    ]
    if not_done or len(release.activity_states) != count:
        raise RuntimeError(f"{label}: activities not SUCCEEDED: {not_done[:5]}")
    return CaseResult(
        label=label,
        activities=count,
        validate_ms=validate,
        create_process_ms=process_ms,
        create_release_ms=release_ms,
        events_before=events_before,
        start_call_ms=start_ms,
        seen_ms=watch.seen[ReleaseStatus.COMPLETED.value],
        flushed_ms=watch.seen[FLUSHED],
        jobs=jobs,
        revisions=release.revision,
        events=release.event_seq,
        profile=top_cumulative(profiler) if profiler is not None else None,
    )


def activity_cases(n: int) -> list[tuple[str, list[dict[str, Any]]]]:
    per = max(1, n // 10)
    return [
        (f"WIDE: 1 phase, {n} independent", wide(n)),
        (f"DEEP: 1 phase, chain of {n}", deep(n)),
        (f"DEEP: 10 phases x {per} chained", phased(n)),
    ]


async def activity_rows(running: Stack, n: int) -> list[CaseResult]:
    """Every case in turn on one store (so each finds the previous cases' events there)."""
    return [
        await run_case(running, label, phases, profile=False) for label, phases in activity_cases(n)
    ]


async def profiled(running: Stack, label: str, phases: list[dict[str, Any]]) -> str:
    result = await run_case(running, label, phases, profile=True)
    return (
        f"  profile of '{label}' on a fresh store: COMPLETED seen {result.seen_ms:.0f} ms, "
        f"events flushed {result.flushed_ms:.0f} ms (under cProfile)\n{result.profile}"
    )


# -- 3. scheduled-start lateness --------------------------------------------------------------


@dataclass
class Lateness:
    samples_ms: list[float]  # RELEASE_STARTED at - scheduledStart, in schedule order
    pickup_ms: list[float]  # the start job: due -> taken by the worker
    run_ms: list[float]  # the start job: taken -> done
    lead_s: float
    scheduled_after_start: int


async def scheduled_lateness(running: Stack, k: int, spread_s: float) -> Lateness:
    async with api_client(running) as api:
        process = await api.gql(CREATE_PROCESS, {"input": process_input()})
        process_id = process["createProcess"]["process"]["id"]
        ids = []
        began = time.perf_counter()
        for _ in range(k):
            payload = {
                "processId": process_id,
                "name": unique("bench-scheduled"),
                "inputs": {"releaseVersion": "1.0.0"},
            }
            created = await api.gql(CREATE_RELEASE, {"input": payload})
            ids.append(created["createRelease"]["release"]["id"])
        per_call_s = (time.perf_counter() - began) / k
        async with worker_running(running) as worker:
            # Every schedule call should return before the first start: twice the time the
            # creates took, and at least a second.
            lead_s = max(1.0, 2 * k * per_call_s)
            first = datetime.now(UTC) + timedelta(seconds=lead_s)
            late_schedules = 0
            for i, release_id in enumerate(ids):
                start = first + timedelta(seconds=spread_s * i / k)
                await api.gql(
                    SCHEDULE,
                    {"input": {"id": release_id, "scheduledStart": start.isoformat()}},
                )
                late_schedules += datetime.now(UTC) >= start
            for release_id in ids:
                await wait_for_status(
                    running,
                    release_id,
                    ReleaseStatus.RUNNING,
                    ReleaseStatus.ON_HOLD,
                    ReleaseStatus.COMPLETED,
                    timeout_s=lead_s + spread_s + 30,
                )
            await until_idle(worker)
            pickup, run = [], []
            for release_id in ids:
                for job in await jobs_of(worker, release_id):
                    if job.function == "start_scheduled_release":
                        pickup.append(job.wait_ms)
                        run.append(job.run_ms)
        samples = []
        for release_id in ids:
            data = (await api.gql(STARTED_EVENT, {"id": release_id}))["release"]
            at = next(
                e["node"]["at"]
                for e in data["events"]["edges"]
                if e["node"]["type"] == "RELEASE_STARTED"
            )
            scheduled = datetime.fromisoformat(data["scheduledStart"])
            samples.append(ms((datetime.fromisoformat(at) - scheduled).total_seconds()))
    return Lateness(samples, pickup, run, lead_s, late_schedules)


# -- 4. the Standard example end to end -----------------------------------------------------


@dataclass
class Target:
    calls: list[str] = field(default_factory=list)


def no_op_target(target: Target) -> Starlette:
    """Answers every activity call at once: 200 {}, with what the example's config reads."""

    async def build(request: Request) -> Response:
        target.calls.append(f"{request.method} {request.url.path}")
        # The example's compile activity reads `$.artifact` from the answer.
        return JSONResponse({"artifact": "bench-artifact"})

    async def status(request: Request) -> Response:
        target.calls.append(f"{request.method} {request.url.path}")
        return JSONResponse({"state": "done"})

    async def anything(request: Request) -> Response:
        target.calls.append(f"{request.method} {request.url.path}")
        return JSONResponse({})

    async def health(request: Request) -> Response:
        return Response("ok")

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(
        routes=[
            Route("/healthz", health),
            Route("/pipelines/build", build, methods=methods),
            Route("/status/{job}", status, methods=methods),
            Route("/{path:path}", anything, methods=methods),
        ]
    )


def standard_example(soak: str) -> dict[str, Any]:
    """1-standard.json with a fresh name and the soak WAIT shortened to `soak`."""
    example: dict[str, Any] = json.loads((EXAMPLES_DIR / "1-standard.json").read_text())
    example["name"] = unique(example["name"])
    for p in example["phases"]:
        for a in p["activities"]:
            if a["kind"] == "WAIT":
                a["config"] = {"duration": soak}
    return example


HUMAN_INPUTS: dict[str, dict[str, Any]] = {"qa-signoff": {"testReportUrl": "https://ci/r/1"}}


@dataclass
class Timeline:
    key: str
    kind: str
    status: str
    start_ms: float | None
    end_ms: float | None


@dataclass
class EndToEnd:
    total_ms: float
    people_ms: float  # union of the human activities' WAITING spans
    noticed_ms: float  # part of it: from WAITING until this script saw it
    calls_ms: float  # part of it: this script's completeActivity / approveActivity calls
    outcome: str
    timeline: list[Timeline]
    http_calls: list[str]
    human: list[str]
    jobs: list[JobTime]


def union_ms(spans: list[tuple[float, float]]) -> float:
    total, reach = 0.0, float("-inf")
    for begin, end in sorted(spans):
        if end > reach:
            total += end - max(begin, reach)
            reach = end
    return total


async def end_to_end(running: Stack, soak: str) -> EndToEnd:
    target = Target()
    with serving(no_op_target(target), ready_path="/healthz") as target_url:
        async with api_client(running) as api:
            created = await api.gql(CREATE_PROCESS, {"input": standard_example(soak)})
            payload = {
                "processId": created["createProcess"]["process"]["id"],
                "name": unique("standard-e2e"),
                "inputs": {"releaseVersion": "2.1.3", "environment": "PROD", "ciUrl": target_url},
            }
            release_id = (await api.gql(CREATE_RELEASE, {"input": payload}))["createRelease"][
                "release"
            ]["id"]
            # Not the starter (the approval forbids self-approval), in every team that acts.
            _, person = await create_user(
                api, "RELEASE_MANAGER", ["QA Team", "Release Managers", "Operations Team"]
            )
            async with worker_running(running) as worker:
                noticed: dict[str, datetime] = {}
                calls_s = 0.0
                began_at = datetime.now(UTC)
                await api.gql(START, {"input": {"id": release_id}})
                deadline = time.monotonic() + RUN_TIMEOUT_S
                while True:
                    release = running.release(release_id)
                    if release.status is ReleaseStatus.COMPLETED:
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the Standard release is still {release.status}")
                    for p, a in release.activities():
                        state = release.activity_state(a.key)
                        if state.status is not ActivityStatus.WAITING or a.key in noticed:
                            continue
                        if a.kind.value not in ("MANUAL", "APPROVAL"):
                            continue
                        noticed[a.key] = datetime.now(UTC)
                        fields = {"releaseId": release_id, "activityKey": f"{p.key}/{a.key}"}
                        called = time.perf_counter()
                        if a.kind.value == "APPROVAL":
                            await api.gql(APPROVE, {"input": fields}, token=person)
                        else:
                            inputs = HUMAN_INPUTS.get(a.key, {})
                            await api.gql(
                                COMPLETE, {"input": {**fields, "inputs": inputs}}, token=person
                            )
                        calls_s += time.perf_counter() - called
                    await asyncio.sleep(WATCH_S)
                await until_idle(worker)
                jobs = await jobs_of(worker, release_id)
    final = running.release(release_id)
    if final.completed_at is None:
        raise RuntimeError("the Standard release has no completion time")

    def offset(at: datetime | None) -> float | None:
        return None if at is None else ms((as_utc(at) - began_at).total_seconds())

    timeline = []
    people: list[tuple[float, float]] = []
    noticed_s = 0.0
    for _, a in final.activities():
        state = final.activity_state(a.key)
        row = Timeline(
            a.key,
            a.kind.value,
            state.status.value,
            offset(state.started_at),
            offset(state.completed_at),
        )
        timeline.append(row)
        if a.key in noticed and row.start_ms is not None and row.end_ms is not None:
            people.append((row.start_ms, row.end_ms))
            if state.started_at is not None:
                noticed_s += (noticed[a.key] - as_utc(state.started_at)).total_seconds()
    return EndToEnd(
        total_ms=ms((as_utc(final.completed_at) - began_at).total_seconds()),
        people_ms=union_ms(people),
        noticed_ms=ms(noticed_s),
        calls_ms=ms(calls_s),
        outcome=final.outcome.value if final.outcome else "?",
        timeline=timeline,
        http_calls=target.calls,
        human=list(noticed),
        jobs=jobs,
    )


# -- output -----------------------------------------------------------------------------------


def print_floor(rows: list[tuple[str, int, float, int]]) -> None:
    print("\n1. bare arq floor: N no-op jobs, one burst Worker (max_jobs 10), fresh queue")
    print(f"  {'':34} {'jobs':>6} {'wall s':>8} {'jobs/s':>8}")
    for label, n, wall, done in rows:
        suffix = "" if done == n else f"   (only {done} completed)"
        print(f"  {label:34} {n:6d} {wall:8.2f} {n / wall:8.0f}{suffix}")


def print_cases(results: list[CaseResult]) -> None:
    print(
        "\n2. CHECKPOINT releases through the API + one worker "
        f"(target >= {TARGET_ACTIVITIES_PER_S:.0f} activities/s)"
    )
    print("  a) making the release, ms")
    print(f"  {'':34} {'acts':>5} {'validate':>9} {'createProcess':>14} {'createRelease':>14}")
    for r in results:
        print(
            f"  {r.label:34} {r.activities:5d} {r.validate_ms:9.1f} {r.create_process_ms:14.1f} "
            f"{r.create_release_ms:14.1f}"
        )
    print(
        "  b) running it: ms from just before startRelease; acts/s until COMPLETED is visible "
        "and until every event is stored"
    )
    print(
        f"  {'':34} {'events':>7} {'start':>6} {'advance':>8} {'advance':>8} {'COMPLETED':>10} "
        f"{'events':>8} {'acts/s':>7} {'acts/s':>8} {'jobs':>5} {'events':>7}"
    )
    print(
        f"  {'':34} {'before':>7} {'call':>6} {'wait':>8} {'run':>8} {'seen':>10} "
        f"{'flushed':>8} {'seen':>7} {'flushed':>8} {'':>5} {'written':>7}"
    )
    for r in results:
        wait, run = r.job_ms("advance_release")
        met = "" if r.per_s >= TARGET_ACTIVITIES_PER_S else "  < target"
        print(
            f"  {r.label:34} {r.events_before:7d} {r.start_call_ms:6.1f} {wait:8.1f} {run:8.1f} "
            f"{r.seen_ms:10.1f} {r.flushed_ms:8.1f} {r.seen_per_s:7.0f} {r.per_s:8.0f} "
            f"{len(r.jobs):5d} {r.events:7d}{met}"
        )


def print_lateness(k: int, spread_s: float, result: Lateness) -> None:
    print(
        f"\n3. scheduled-start lateness: {k} releases starting over {spread_s:g} s, one worker "
        f"(target p99 <= {TARGET_LATENESS_P99_MS:.0f} ms)"
    )
    print(f"  {'ms':40} {'n':>4} {'min':>7} {'p50':>7} {'p99':>7} {'max':>7} {'mean':>7}")
    for label, samples in (
        ("RELEASE_STARTED at - scheduledStart", result.samples_ms),
        ("  start job: due -> taken by the worker", result.pickup_ms),
        ("  start job: taken -> done", result.run_ms),
    ):
        ordered = sorted(samples)
        if not ordered:
            continue
        print(
            f"  {label:40} {len(ordered):4d} {ordered[0]:7.1f} {percentile(ordered, 50):7.1f} "
            f"{percentile(ordered, 99):7.1f} {ordered[-1]:7.1f} {statistics.fmean(ordered):7.1f}"
        )
    worst = max(range(len(result.samples_ms)), key=result.samples_ms.__getitem__)
    print(
        f"  the latest was start #{worst + 1} of {k}; the first start came {result.lead_s:.1f} s "
        f"after scheduling began; schedule calls that returned after their start: "
        f"{result.scheduled_after_start}"
    )


def print_end_to_end(soak: str, result: EndToEnd) -> None:
    machine = result.total_ms - result.people_ms
    print(
        f"\n4. Standard example end to end (soak {soak}, environment PROD, HTTP to a no-op "
        "local target)"
    )
    rows = (
        ("startRelease -> COMPLETED", result.total_ms, f"outcome {result.outcome}"),
        ("waiting for people", result.people_ms, "the human activities' WAITING spans"),
        ("  until this script saw them", result.noticed_ms, f"store read every {ms(WATCH_S):g} ms"),
        ("  its API calls (whole calls)", result.calls_ms, ", ".join(result.human)),
        ("machine time", machine, "the rest"),
    )
    for label, value, note in rows:
        print(f"  {label:32} {value:8.1f} ms   {note}")
    print(f"  jobs of this release (by function): {'n':>3} {'wait ms':>8} {'run ms':>8}")
    for function in dict.fromkeys(j.function for j in result.jobs):
        mine = [j for j in result.jobs if j.function == function]
        print(
            f"    {function:34} {len(mine):3d} {sum(j.wait_ms for j in mine):8.1f} "
            f"{sum(j.run_ms for j in mine):8.1f}"
        )
    print(f"  HTTP calls to the target: {len(result.http_calls)} ({', '.join(result.http_calls)})")
    print(f"  {'activity':22} {'kind':11} {'status':10} {'start ms':>9} {'end ms':>9} {'ms':>7}")
    for t in result.timeline:
        begin = "-" if t.start_ms is None else f"{t.start_ms:9.1f}"
        end = "-" if t.end_ms is None else f"{t.end_ms:9.1f}"
        took = (
            f"{t.end_ms - t.start_ms:7.1f}"
            if t.start_ms is not None and t.end_ms is not None
            else f"{'-':>7}"
        )
        print(f"  {t.key:22} {t.kind:11} {t.status:10} {begin:>9} {end:>9} {took}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--jobs",
        type=int,
        default=DEFAULT_JOBS,
        metavar="N",
        help=f"no-op jobs for the arq floor (default {DEFAULT_JOBS})",
    )
    parser.add_argument(
        "--activities",
        type=int,
        default=DEFAULT_ACTIVITIES,
        metavar="N",
        help=f"CHECKPOINT activities per release (default {DEFAULT_ACTIVITIES})",
    )
    parser.add_argument(
        "--scheduled",
        type=int,
        default=DEFAULT_SCHEDULED,
        metavar="K",
        help=f"scheduled releases (default {DEFAULT_SCHEDULED})",
    )
    parser.add_argument(
        "--spread",
        type=float,
        default=DEFAULT_SPREAD_S,
        metavar="S",
        help=f"seconds the scheduled starts spread over (default {DEFAULT_SPREAD_S:g})",
    )
    parser.add_argument(
        "--soak",
        default=DEFAULT_SOAK,
        metavar="DURATION",
        help=f"the Standard example's soak WAIT (default {DEFAULT_SOAK})",
    )
    parser.add_argument(
        "--profile",
        choices=("auto", "always", "never"),
        default="auto",
        help="cProfile activity cases, each on a fresh store: auto (default) = the first "
        "one under target, always = every one, never",
    )
    args = parser.parse_args()
    began = time.perf_counter()
    settings = Settings()
    print(
        f"Cadenza engine throughput: Python {platform.python_version()}, "
        f"arq {importlib.metadata.version('arq')}, worker poll_delay "
        f"{settings.worker_poll_delay_s:g} s, embedded store (mongomock), "
        f"{os.cpu_count()} CPUs"
    )
    with running_redis() as redis_url:
        floor = []
        for label, poll in (
            (f"arq default, poll_delay {ARQ_DEFAULT_POLL_S:g} s", ARQ_DEFAULT_POLL_S),
            (
                f"Cadenza's, poll_delay {settings.worker_poll_delay_s:g} s",
                settings.worker_poll_delay_s,
            ),
        ):
            wall, done = asyncio.run(arq_floor(redis_url, args.jobs, poll))
            floor.append((label, args.jobs, wall, done))
        print_floor(floor)

        with stack(redis_url) as running:
            cases = asyncio.run(activity_rows(running, args.activities))
        print_cases(cases)
        under = [
            case
            for case, result in zip(activity_cases(args.activities), cases, strict=True)
            if args.profile == "always" or result.per_s < TARGET_ACTIVITIES_PER_S
        ]
        if args.profile == "auto":
            under = under[:1]  # profiling costs several times the run; one case shows it
        for label, phases in under if args.profile != "never" else []:
            with stack(redis_url) as running:
                print(asyncio.run(profiled(running, label, phases)))

        with stack(redis_url) as running:
            late = asyncio.run(scheduled_lateness(running, args.scheduled, args.spread))
        print_lateness(args.scheduled, args.spread, late)

        with stack(redis_url) as running:
            e2e = asyncio.run(end_to_end(running, args.soak))
        print_end_to_end(args.soak, e2e)
    print(f"\ntotal {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
