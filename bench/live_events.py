"""Live events: how long a stored change takes to reach websocket subscribers.

    .venv/bin/python -m bench.live_events [--messages N] [--mutations N] [--rounds R]
        [--layouts 100x10,1000x1] [--profile {auto,always,never}]

Prints figures, checks nothing beyond "every call succeeded and every event arrived".
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
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO, Any

import httpx
import websockets
from pydantic import SecretStr
from redis.asyncio import Redis
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from app.domain.accounts import Role, User
from app.domain.events import ReleaseEvent, ReleaseEventType
from app.live.hub import Hub, SubscriberDropped
from app.live.messages import LiveEvent, ReleaseFacts, encode
from app.services import events_channel, open_services
from app.settings import Settings
from bench.graphql_overhead import ADMIN_TOKEN, HEADERS, check
from schema import build_schema
from schema.context import Context
from tests.factories import CREATE_PROCESS, create_process, create_release, process_input, unique
from tests.graphql_client import Api
from tests.redis_server import free_port, running_redis

ROOT = Path(__file__).resolve().parent.parent
TRANSPORT_WS = Subprotocol("graphql-transport-ws")
DEFAULT_MESSAGES = 1000
DEFAULT_MUTATIONS = 1000
DEFAULT_ROUNDS = 20
DEFAULT_LAYOUTS = "100x10,1000x1"
PROFILE_ROUNDS = 5
IN_PROCESS_ROUNDS = 10
HUB_ROUNDS = 100
DEFLATE_FRAMES = 2000
WARMUP = 20
FANOUT_WARMUP = 3
PAYLOAD_BYTES = 600
TARGET_OVERHEAD_MS = 5.0
TARGET_LAST_MS = 100.0
EVENT_TIMEOUT_S = 30.0
CONNECT_BATCH = 50
FD_MARGIN = 200  # descriptors the benchmark needs besides its websockets
PROFILE_TOP = 25

UPDATE = """mutation($input: UpdateReleaseInput!) {
  updateRelease(input: $input) { release { revision } } }"""
EVENTS = """subscription($id: ID!) {
  releaseEvents(releaseId: $id) { seq at type actor releaseId data } }"""


def ns() -> int:
    return time.perf_counter_ns()


# -- figures ------------------------------------------------------------------------------


def pick(ordered: list[int], q: float) -> int:
    """Nearest-rank percentile of sorted samples (any sign)."""
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered))))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Row:
    label: str
    samples_ns: list[int]

    def p(self, q: float) -> int:
        return pick(sorted(self.samples_ns), q)


def print_table(title: str, rows: list[Row], unit: str) -> None:
    scale = {"µs": 1_000, "ms": 1_000_000}[unit]
    print(f"\n{title}")
    heads = " ".join(f"{f'{h} {unit}':>9}" for h in ("p50", "p99", "min", "max"))
    print(f"  {'':50} {'n':>5} {heads}")
    for r in rows:
        o = sorted(r.samples_ns)
        cells = " ".join(f"{v / scale:9.1f}" for v in (pick(o, 50), pick(o, 99), o[0], o[-1]))
        print(f"  {r.label:50} {len(o):5d} {cells}")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


# -- arrival bookkeeping ------------------------------------------------------------------


class Arrivals:
    """When each seq arrived at each of `expected` subscribers; wait until all have it."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.times: dict[int, list[int]] = {}
        self._waiters: dict[int, asyncio.Future[list[int]]] = {}
        self.error: BaseException | None = None

    def add(self, seq: int, at_ns: int) -> None:
        times = self.times.setdefault(seq, [])
        times.append(at_ns)
        if len(times) == self.expected:
            waiter = self._waiters.pop(seq, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(times)

    def fail(self, error: BaseException) -> None:
        self.error = error
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.set_exception(error)

    async def wait(self, seq: int, timeout_s: float = EVENT_TIMEOUT_S) -> list[int]:
        if self.error is not None:
            raise self.error
        times = self.times.get(seq, [])
        if len(times) >= self.expected:
            return times
        waiter = self._waiters.get(seq)
        if waiter is None or waiter.done():
            waiter = asyncio.get_running_loop().create_future()
            self._waiters[seq] = waiter
        return await asyncio.wait_for(waiter, timeout_s)


class Probe:
    """A plain pub/sub subscriber on Cadenza's channel: when Redis handed out each event.

    It reads the way `RedisBus._run` does, so its arrival time is what the server's own
    subscription sees, give or take scheduling: the moment the event left Redis.
    """

    def __init__(self, redis_url: str, channel: str) -> None:
        self._redis = Redis.from_url(redis_url)
        self._channel = channel
        self.watch: dict[str, Arrivals] = {}
        self.sizes: list[int] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Probe:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._channel)
        self._task = asyncio.create_task(self._run(pubsub))
        return self

    async def _run(self, pubsub: Any) -> None:
        try:
            while True:
                message = await pubsub.get_message(timeout=1.0)
                if message is not None and message["type"] == "message":
                    at = ns()
                    data: bytes = message["data"]
                    self.sizes.append(len(data))
                    event = json.loads(data)["event"]
                    arrivals = self.watch.get(event["release_id"])
                    if arrivals is not None:
                        arrivals.add(event["seq"], at)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._redis.aclose()


class WsConnection:
    """One graphql-transport-ws connection; stamps each `next` frame before parsing it."""

    def __init__(self, ws: ClientConnection, arrivals: Arrivals) -> None:
        self.ws = ws
        self.arrivals = arrivals
        self.last_size = 0
        self._ids = 0
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, arrivals: Arrivals, *, deflate: bool = True) -> WsConnection:
        ws = await websockets.connect(
            url,
            subprotocols=[TRANSPORT_WS],
            open_timeout=30,
            compression="deflate" if deflate else None,
        )
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {ADMIN_TOKEN}"}}
        await ws.send(json.dumps(init))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"no connection_ack: {ack}")
        return cls(ws, arrivals)

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                at = ns()
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "next" and not message["payload"].get("errors"):
                    self.last_size = len(raw)
                    self.arrivals.add(message["payload"]["data"]["releaseEvents"]["seq"], at)
                elif kind == "ping":
                    await self.ws.send(json.dumps({"type": "pong"}))
                elif kind != "pong":
                    self.arrivals.fail(RuntimeError(f"subscription ended: {message}"))
        except websockets.ConnectionClosed as closed:
            self.arrivals.fail(RuntimeError(f"websocket closed: {closed}"))

    async def subscribe(self, query: str, variables: dict[str, Any]) -> None:
        self._ids += 1
        payload = {"query": query, "variables": variables}
        await self.ws.send(
            json.dumps({"id": str(self._ids), "type": "subscribe", "payload": payload})
        )

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        with contextlib.suppress(Exception):
            await self.ws.close()


# -- the server, in a process of its own --------------------------------------------------


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    settings: Settings
    log: IO[bytes]

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def ws_url(self) -> str:
        return self.graphql_url.replace("http://", "ws://", 1)

    def cpu_s(self) -> float:
        """User + system CPU the server process has used so far (Linux /proc, in ticks)."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_settings(redis_url: str) -> Settings:
    suffix = uuid.uuid4().hex[:12]
    return Settings(
        mongodb_url=None,
        mongodb_db=f"cadenza_bench_{suffix}",
        redis_url=SecretStr(redis_url),
        redis_key_prefix=f"cadenza-bench:{suffix}",
        cadenza_admin_token=SecretStr(ADMIN_TOKEN),
        log_level="WARNING",
    )


@contextlib.contextmanager
def server_process(redis_url: str, profile_to: Path | None = None) -> Iterator[ServerProcess]:
    """`python -m app serve` (or its profiled twin) on a free port, embedded store."""
    settings = bench_settings(redis_url)
    env = {k: v for k, v in os.environ.items() if k.upper() != "MONGODB_URL"}
    env.update(
        REDIS_URL=redis_url,
        REDIS_KEY_PREFIX=settings.redis_key_prefix,
        CADENZA_ADMIN_TOKEN=ADMIN_TOKEN,
        MONGODB_DB=settings.mongodb_db,
        LOG_LEVEL=settings.log_level,
    )
    port = free_port()
    if profile_to is None:
        command = [sys.executable, "-m", "app", "serve", "--port", str(port)]
    else:
        command = [sys.executable, "-m", "bench.live_events", "--serve-profiled", str(profile_to)]
        command += ["--port", str(port)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        server = ServerProcess(process, f"http://127.0.0.1:{port}", settings, log)
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited during start-up:\n{server_log(server)}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{server.base_url}/readyz", timeout=1).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not become ready:\n{server_log(server)}")
                time.sleep(0.05)
            yield server
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def server_log(server: ServerProcess) -> str:
    server.log.seek(0)
    return server.log.read().decode(errors="replace")[-3000:]


def serve_profiled(out: str, port: int) -> int:
    """`python -m app serve`, with cProfile switched on by SIGUSR1 and dumped by SIGUSR2."""
    from app.__main__ import main as app_main

    profiler = cProfile.Profile()

    def start(signum: int, frame: FrameType | None) -> None:
        profiler.enable()

    def stop(signum: int, frame: FrameType | None) -> None:
        profiler.disable()
        profiler.dump_stats(out + ".tmp")
        os.replace(out + ".tmp", out)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    return app_main(["serve", "--port", str(port)])


# -- 1. bare Redis ------------------------------------------------------------------------


def realistic_message(release_id: str = "rel_" + "0" * 22, seq: int = 1) -> LiveEvent:
    """A RELEASE_UPDATED event as the bus carries it, its message padded to PAYLOAD_BYTES."""

    def build(message: str) -> LiveEvent:
        event = ReleaseEvent(
            type=ReleaseEventType.RELEASE_UPDATED,
            actor="admin",
            message=message,
            data={"fields": ["description"]},
            release_id=release_id,
            seq=seq,
            at=datetime.now(UTC),
        )
        facts = ReleaseFacts(
            id=release_id,
            name="payments-v2.1.3-qa-deploy-1a2b3c4d",
            status="DRAFT",
            services=("payments",),
            environments=("QA",),
            tags=("payments",),
            teams=("Development Team", "Operations Team"),
            process_id="prc_" + "1" * 22,
        )
        return LiveEvent(event=event, release=facts)

    short = len(encode(build("")))
    return build("." * max(0, PAYLOAD_BYTES - short))


@dataclass
class BareResult:
    round_trip: Row
    publish_call: Row
    size: int


async def bare_redis(redis_url: str, n: int) -> BareResult:
    payload = encode(realistic_message()).encode()
    channel = f"cadenza-bench:{uuid.uuid4().hex[:12]}:bare"
    publisher = Redis.from_url(redis_url)
    listener = Redis.from_url(redis_url)
    pubsub = listener.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)
    arrivals = Arrivals(1)

    async def listen() -> None:
        received = 0
        while True:  # the loop of RedisBus._run, without decoding
            message = await pubsub.get_message(timeout=1.0)
            if message is not None and message["type"] == "message":
                arrivals.add(received, ns())
                received += 1

    task = asyncio.create_task(listen())
    round_trips: list[int] = []
    calls: list[int] = []
    try:
        await publisher.ping()
        for i in range(WARMUP + n):
            started = ns()
            await publisher.publish(channel, payload)
            returned = ns()
            arrived = (await arrivals.wait(i))[0]
            if i >= WARMUP:
                round_trips.append(arrived - started)
                calls.append(returned - started)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await pubsub.aclose()
        await publisher.aclose()
        await listener.aclose()
    return BareResult(
        Row("publish → subscriber receives", round_trips),
        Row("publish() call returns (PUBLISH round trip)", calls),
        len(payload),
    )


# -- 2. mutation response → websocket ------------------------------------------------------

Mutate = Callable[[], Awaitable[None]]


async def new_release(http: httpx.AsyncClient, url: str) -> str:
    api = Api(url, ADMIN_TOKEN, http)
    process = await create_process(api)
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    release_id: str = release["id"]
    return release_id


def mutator(http: httpx.AsyncClient, url: str, release_id: str) -> Mutate:
    count = 0

    async def mutate() -> None:
        nonlocal count
        count += 1
        variables = {"input": {"id": release_id, "description": f"bench {count}"}}
        check(await http.post(url, json={"query": UPDATE, "variables": variables}, headers=HEADERS))

    return mutate


async def until_live(mutate: Mutate, arrivals: Arrivals, seq: int) -> int:
    """Change the release until every subscriber got the change's event; its seq."""
    for _ in range(100):
        seq += 1
        await mutate()
        with contextlib.suppress(TimeoutError):
            await arrivals.wait(seq, 0.5)
            return seq
    raise RuntimeError("the subscriptions never delivered an event")


@dataclass
class LatencyResult:
    rows: list[Row]
    mutation: Row
    after_response: Row
    after_redis: Row
    ws_bytes: int
    bus_bytes: int


async def latency(server: ServerProcess, probe: Probe, n: int) -> LatencyResult:
    async with httpx.AsyncClient(timeout=30) as http:
        release_id = await new_release(http, server.graphql_url)
        arrivals = Arrivals(1)
        relayed = Arrivals(1)
        probe.watch[release_id] = relayed
        connection = await WsConnection.open(server.ws_url, arrivals)
        try:
            await connection.subscribe(EVENTS, {"id": release_id})
            mutate = mutator(http, server.graphql_url, release_id)
            seq = await until_live(mutate, arrivals, 1)  # RELEASE_CREATED is seq 1
            for _ in range(WARMUP):
                seq += 1
                await mutate()
                await arrivals.wait(seq)
            mutation: list[int] = []
            after_response: list[int] = []
            redis_after_response: list[int] = []
            after_redis: list[int] = []
            after_send: list[int] = []
            for _ in range(n):
                seq += 1
                sent = ns()
                await mutate()
                responded = ns()
                arrived = (await arrivals.wait(seq))[0]
                left_redis = (await relayed.wait(seq))[0]
                mutation.append(responded - sent)
                after_response.append(arrived - responded)
                redis_after_response.append(left_redis - responded)
                after_redis.append(arrived - left_redis)
                after_send.append(arrived - sent)
        finally:
            await connection.close()
    rows = [
        Row("mutation: request sent → response (t0)", mutation),
        Row("event on websocket (t1) - t0", after_response),
        Row("event left Redis (probe) - t0", redis_after_response),
        Row("event on websocket - event left Redis", after_redis),
        Row("event on websocket - request sent", after_send),
    ]
    return LatencyResult(
        rows, rows[0], rows[1], rows[3], connection.last_size, probe.sizes[-1] if probe.sizes else 0
    )


async def direct_publish(server: ServerProcess, redis_url: str, n: int) -> Row:
    """Events published straight to Cadenza's channel, as a worker process would publish them.

    Consecutive seqs after RELEASE_CREATED, so the subscription yields each one without a
    store read; nothing else runs on the server's loop meanwhile.
    """
    channel = events_channel(server.settings)
    publisher = Redis.from_url(redis_url)
    async with httpx.AsyncClient(timeout=30) as http:
        release_id = await new_release(http, server.graphql_url)
    arrivals = Arrivals(1)
    connection = await WsConnection.open(server.ws_url, arrivals)
    samples: list[int] = []
    try:
        await connection.subscribe(EVENTS, {"id": release_id})
        seq = 1  # RELEASE_CREATED
        while True:  # until the subscription is live
            seq += 1
            await publisher.publish(channel, encode(realistic_message(release_id, seq)))
            with contextlib.suppress(TimeoutError):
                await arrivals.wait(seq, 0.5)
                break
            if seq > 100:
                raise RuntimeError("the subscription never delivered an event")
        for i in range(WARMUP + n):
            seq += 1
            payload = encode(realistic_message(release_id, seq))
            started = ns()
            await publisher.publish(channel, payload)
            arrived = (await arrivals.wait(seq))[0]
            if i >= WARMUP:
                samples.append(arrived - started)
    finally:
        await connection.close()
        await publisher.aclose()
    return Row("publish → event on websocket", samples)


# -- 3. fan-out ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    connections: int
    per_connection: int
    deflate: bool = True

    @property
    def subscribers(self) -> int:
        return self.connections * self.per_connection

    @property
    def label(self) -> str:
        text = f"{self.connections} connections x {self.per_connection} subscriptions"
        return text if self.deflate else f"{text}, no permessage-deflate"


@dataclass
class FanOutResult:
    layout: Layout
    rows: list[Row]
    last_from_redis: Row
    last_from_send: Row
    server_cpu_ms: float
    client_cpu_ms: float
    setup_s: float


@dataclass
class FanOutRun:
    server: ServerProcess
    probe: Probe
    layout: Layout
    rounds: int
    before_rounds: Callable[[], None] = field(default=lambda: None)
    after_rounds: Callable[[], None] = field(default=lambda: None)


async def fan_out(run: FanOutRun) -> FanOutResult:
    layout = run.layout
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=30) as http:
        release_id = await new_release(http, run.server.graphql_url)
        arrivals = Arrivals(layout.subscribers)
        relayed = Arrivals(1)
        run.probe.watch[release_id] = relayed
        connections: list[WsConnection] = []
        try:
            for first in range(0, layout.connections, CONNECT_BATCH):
                batch = min(CONNECT_BATCH, layout.connections - first)
                connections += await asyncio.gather(
                    *(
                        WsConnection.open(run.server.ws_url, arrivals, deflate=layout.deflate)
                        for _ in range(batch)
                    )
                )
            for connection in connections:
                for _ in range(layout.per_connection):
                    await connection.subscribe(EVENTS, {"id": release_id})
            mutate = mutator(http, run.server.graphql_url, release_id)
            seq = await until_live(mutate, arrivals, 1)
            for _ in range(FANOUT_WARMUP):
                seq += 1
                await mutate()
                await arrivals.wait(seq)
            setup_s = time.perf_counter() - started
            columns: dict[str, list[int]] = {}
            server_cpu = client_cpu = 0.0
            run.before_rounds()
            for _ in range(run.rounds):
                await asyncio.sleep(0.05)  # let both sides go idle
                seq += 1
                cpu_server, cpu_client = run.server.cpu_s(), time.process_time()
                sent = ns()
                await mutate()
                responded = ns()
                times = sorted(await arrivals.wait(seq))
                left_redis = (await relayed.wait(seq))[0]
                server_cpu += run.server.cpu_s() - cpu_server
                client_cpu += time.process_time() - cpu_client
                first, median, last = times[0], times[len(times) // 2], times[-1]
                for key, value in (
                    ("redis", left_redis - sent),
                    ("first", first - left_redis),
                    ("median", median - left_redis),
                    ("last", last - left_redis),
                    ("median_sent", median - sent),
                    ("last_sent", last - sent),
                    ("last_response", last - responded),
                ):
                    columns.setdefault(key, []).append(value)
            run.after_rounds()
        finally:
            await asyncio.gather(*(c.close() for c in connections))
    rows = [
        Row("mutation sent → event left Redis (probe)", columns["redis"]),
        Row("event left Redis → FIRST subscriber has it", columns["first"]),
        Row("event left Redis → MEDIAN subscriber has it", columns["median"]),
        Row("event left Redis → LAST subscriber has it", columns["last"]),
        Row("mutation sent → MEDIAN subscriber has it", columns["median_sent"]),
        Row("mutation sent → LAST subscriber has it", columns["last_sent"]),
        Row("mutation response → LAST subscriber has it", columns["last_response"]),
    ]
    return FanOutResult(
        layout,
        rows,
        rows[3],
        rows[5],
        server_cpu * 1000 / run.rounds,
        client_cpu * 1000 / run.rounds,
        setup_s,
    )


# -- 3b. in-process: the hub alone, then the hub and GraphQL ------------------------------


@dataclass
class InProcess:
    rows: list[Row]
    cpu_us_per_subscriber: float


async def hub_alone(subscribers: int, rounds: int) -> InProcess:
    """Hub.deliver to `subscribers` tasks awaiting their queues, as `_next` does."""
    message = realistic_message()
    release_id = message.event.release_id
    hub = Hub()
    woke: list[int] = []
    everyone = asyncio.Event()
    ready = asyncio.Event()

    async def subscriber() -> None:
        async with hub.subscribe(lambda m: m.event.release_id == release_id) as me:
            if hub.subscriber_count == subscribers:
                ready.set()
            while True:
                item = await me.queue.get()
                if isinstance(item, SubscriberDropped):
                    raise RuntimeError(item.reason)
                woke.append(ns())
                if len(woke) == subscribers:
                    everyone.set()

    tasks = [asyncio.create_task(subscriber()) for _ in range(subscribers)]
    await ready.wait()
    deliver: list[int] = []
    last: list[int] = []
    median: list[int] = []
    cpu = 0.0
    try:
        for i in range(WARMUP + rounds):
            woke.clear()
            everyone.clear()
            cpu_before = time.process_time()
            started = ns()
            hub.deliver(message)
            delivered = ns()
            await everyone.wait()
            if i >= WARMUP:
                cpu += time.process_time() - cpu_before
                deliver.append(delivered - started)
                median.append(woke[len(woke) // 2] - started)
                last.append(woke[-1] - started)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return InProcess(
        [
            Row("Hub.deliver() returns", deliver),
            Row("deliver → MEDIAN subscriber task awake", median),
            Row("deliver → LAST subscriber task awake", last),
        ],
        cpu * 1e6 / rounds / subscribers,
    )


async def hub_and_graphql(subscribers: int, rounds: int, *, shared: bool = False) -> InProcess:
    """Hub.deliver to `subscribers` live `releaseEvents` operations of `schema.subscribe`.

    The server's path without the websocket: every subscription's generator is resumed and
    graphql-core executes the selection set on the yielded event; the frame is then encoded
    with json.dumps as strawberry's handler would (no socket, no compression).
    """
    suffix = uuid.uuid4().hex[:12]
    settings = Settings(mongodb_url=None, redis_url=None, mongodb_db=f"cadenza_bench_{suffix}")
    schema = build_schema(settings)  # its execution context is SharedEventExecution
    if not shared:
        schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    admin = User(name="bench", roles=(Role.ADMIN,), created_at=datetime.now(UTC))
    async with open_services(settings) as services:
        context = Context(services=services, user=admin, request_id="bench")
        created = await schema.execute(
            CREATE_PROCESS, {"input": process_input()}, context_value=context
        )
        assert created.data is not None, created.errors
        process_id = created.data["createProcess"]["process"]["id"]
        released = await schema.execute(
            "mutation($input: CreateReleaseInput!) { createRelease(input: $input) "
            "{ release { id } } }",
            {
                "input": {
                    "processId": process_id,
                    "name": unique("payments"),
                    "inputs": {"releaseVersion": "1.0.0"},
                }
            },
            context_value=context,
        )
        assert released.data is not None, released.errors
        release_id: str = released.data["createRelease"]["release"]["id"]
        woke: list[int] = []
        everyone = asyncio.Event()

        async def subscriber() -> None:
            ctx = Context(services=services, user=admin, request_id="bench")
            stream = await schema.subscribe(EVENTS, {"id": release_id}, context_value=ctx)
            if not hasattr(stream, "__aiter__"):
                raise RuntimeError(f"subscription failed: {stream}")
            async for result in stream:
                json.dumps({"id": "1", "type": "next", "payload": {"data": result.data}})
                woke.append(ns())
                if len(woke) == subscribers:
                    everyone.set()

        hub = services.bus.hub
        tasks = [asyncio.create_task(subscriber()) for _ in range(subscribers)]
        while hub.subscriber_count < subscribers:  # noqa: ASYNC110 (the Hub has no event)
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.05)  # every generator is past its store reads, awaiting its queue
        seq = 1  # RELEASE_CREATED; deliveries go straight to the hub, the store is not touched
        last: list[int] = []
        median: list[int] = []
        cpu = 0.0
        try:
            for i in range(FANOUT_WARMUP + rounds):
                seq += 1
                woke.clear()
                everyone.clear()
                message = realistic_message(release_id, seq)
                cpu_before = time.process_time()
                started = ns()
                hub.deliver(message)
                await asyncio.wait_for(everyone.wait(), EVENT_TIMEOUT_S)
                if i >= FANOUT_WARMUP:
                    cpu += time.process_time() - cpu_before
                    median.append(woke[len(woke) // 2] - started)
                    last.append(woke[-1] - started)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    tag = " (shared)" if shared else ""
    return InProcess(
        [
            Row(f"deliver → MEDIAN subscription yields{tag}", median),
            Row(f"deliver → LAST subscription yields{tag}", last),
        ],
        cpu * 1e6 / rounds / subscribers,
    )


def deflate_cost(frame: bytes, n: int) -> float:
    """µs to compress one frame as permessage-deflate does (per-connection context)."""
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    started = time.process_time()
    for _ in range(n):
        compressor.compress(frame)
        compressor.flush(zlib.Z_SYNC_FLUSH)
    return (time.process_time() - started) * 1e6 / n


# -- profile ------------------------------------------------------------------------------


def top_tottime(path: Path, limit: int = PROFILE_TOP) -> str:
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    total = next((line.strip() for line in lines if "function calls" in line), "")
    site = str(Path(httpx.__file__).parent.parent) + "/"
    shown = [line.replace(site, "").replace(str(ROOT) + "/", "") for line in lines[start:]]
    return "\n".join(["  " + total, *("  " + line for line in shown if line.strip())])


async def profiled_fan_out(redis_url: str, layout: Layout, rounds: int) -> tuple[FanOutResult, str]:
    with tempfile.TemporaryDirectory(prefix="cadenza-bench-") as workdir:
        out = Path(workdir) / "server.prof"
        with server_process(redis_url, profile_to=out) as server:
            async with Probe(redis_url, events_channel(server.settings)) as probe:
                run = FanOutRun(
                    server,
                    probe,
                    layout,
                    rounds,
                    before_rounds=lambda: server.process.send_signal(signal.SIGUSR1),
                    after_rounds=lambda: server.process.send_signal(signal.SIGUSR2),
                )
                result = await fan_out(run)
            deadline = time.monotonic() + 30
            while not out.exists():
                if time.monotonic() > deadline:
                    raise RuntimeError("the profiled server wrote no profile")
                await asyncio.sleep(0.05)
        return result, top_tottime(out)


# -- main ---------------------------------------------------------------------------------


def parse_layouts(text: str) -> list[Layout]:
    """`100x10,1000x1,100x10:raw`: connections x subscriptions, `:raw` = no compression."""
    layouts = []
    for part in text.split(","):
        shape, _, option = part.strip().lower().partition(":")
        connections, per_connection = shape.split("x")
        layouts.append(Layout(int(connections), int(per_connection), deflate=option != "raw"))
    return layouts


async def against_server(
    redis_url: str, mutations: int, messages: int, rounds: int, layouts: list[Layout]
) -> tuple[LatencyResult, Row, list[FanOutResult]]:
    with server_process(redis_url) as server:
        async with Probe(redis_url, events_channel(server.settings)) as probe:
            result = await latency(server, probe, mutations)
            direct = await direct_publish(server, redis_url, messages)
            fan_outs = [
                await fan_out(FanOutRun(server, probe, layout, rounds)) for layout in layouts
            ]
    return result, direct, fan_outs


def report_latency(bare: BareResult, live: LatencyResult, direct: Row) -> None:
    print_table(
        "2. mutation → websocket: `python -m app serve` subprocess (embedded store), one "
        "releaseEvents subscriber, sequential updateRelease",
        live.rows,
        "µs",
    )
    samples = live.after_response.samples_ns
    negative = sum(1 for v in samples if v < 0)
    tenth = max(1, len(live.mutation.samples_ns) // 10)
    early = Row("", live.mutation.samples_ns[:tenth]).p(50) / 1e6
    late = Row("", live.mutation.samples_ns[-tenth:]).p(50) / 1e6
    print(
        f"  event before its HTTP response (t1 - t0 < 0): {negative} of {len(samples)}; "
        f"frame {live.ws_bytes} B on the websocket, {live.bus_bytes} B on the bus"
        f"\n  mutation p50, first / last {tenth} mutations: {early:.1f} / {late:.1f} ms"
    )
    print_table(
        "2b. publish straight to the channel (as a worker does) → websocket, same server",
        [direct, bare.round_trip],
        "µs",
    )
    floor = bare.round_trip.p(99)
    added = (direct.p(99) - floor) / 1e6
    print(
        f"  overhead over bare Redis p99 ({floor / 1000:.0f} µs):"
        f"\n    2.  p99(t1 - t0) - bare p99 = {(live.after_response.p(99) - floor) / 1e6:+.2f} ms; "
        f"p99(event on websocket - event left Redis) = {live.after_redis.p(99) / 1e6:.2f} ms"
        f"\n    2b. p99(publish → websocket) - bare p99 = {added:+.2f} ms "
        f"(p50: {(direct.p(50) - bare.round_trip.p(50)) / 1e6:+.2f} ms); "
        f"target ≤ {TARGET_OVERHEAD_MS:g} ms: {'met' if added <= TARGET_OVERHEAD_MS else 'MISSED'}"
    )


def report_fan_out(result: FanOutResult) -> bool:
    layout = result.layout
    print_table(
        f"3. fan-out to {layout.label}, one release, "
        f"{len(result.last_from_redis.samples_ns)} mutations",
        result.rows,
        "ms",
    )
    last_p99 = result.last_from_redis.p(99) / 1e6
    met = last_p99 <= TARGET_LAST_MS
    print(
        f"  per mutation: server CPU {result.server_cpu_ms:.0f} ms "
        f"({result.server_cpu_ms * 1000 / layout.subscribers:.0f} µs per subscriber), "
        f"client CPU {result.client_cpu_ms:.0f} ms; set-up {result.setup_s:.1f} s"
        f"\n  target: LAST of {layout.subscribers} ≤ {TARGET_LAST_MS:g} ms after publish: "
        f"p99 {last_p99:.1f} ms after the event left Redis "
        f"({result.last_from_send.p(99) / 1e6:.1f} ms after the mutation was sent): "
        f"{'met' if met else 'MISSED'}"
    )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--messages",
        type=int,
        default=DEFAULT_MESSAGES,
        metavar="N",
        help=f"bare Redis round trips (default {DEFAULT_MESSAGES})",
    )
    parser.add_argument(
        "--mutations",
        type=int,
        default=DEFAULT_MUTATIONS,
        metavar="N",
        help=f"sequential updateRelease mutations (default {DEFAULT_MUTATIONS})",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        metavar="R",
        help=f"fan-out mutations per layout (default {DEFAULT_ROUNDS})",
    )
    parser.add_argument(
        "--layouts",
        default=DEFAULT_LAYOUTS,
        metavar="CxK[:raw],...",
        help="fan-out layouts: C websocket connections x K subscriptions each; ':raw' = "
        f"without permessage-deflate (default {DEFAULT_LAYOUTS})",
    )
    parser.add_argument(
        "--profile",
        choices=("auto", "always", "never"),
        default="auto",
        help=f"cProfile the server over {PROFILE_ROUNDS} fan-outs of the first layout: auto "
        "(default) = only when the fan-out target is missed",
    )
    parser.add_argument("--serve-profiled", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_profiled:
        sys.exit(serve_profiled(args.serve_profiled, args.port))

    began = time.perf_counter()
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    layouts = []
    for layout in parse_layouts(args.layouts):
        if layout.connections + FD_MARGIN > soft:
            print(f"(skipping {layout.label}: ulimit -n is {soft})")
        else:
            layouts.append(layout)
    rounds = max(1, args.rounds)
    print(
        f"Cadenza live events: Python {platform.python_version()}, "
        f"redis-py {importlib.metadata.version('redis')}, "
        f"strawberry-graphql {importlib.metadata.version('strawberry-graphql')}, "
        f"uvicorn {importlib.metadata.version('uvicorn')}, "
        f"websockets {importlib.metadata.version('websockets')}; "
        f"{os.cpu_count()} CPUs, ulimit -n {soft}; {load()}"
    )
    with running_redis() as redis_url:
        bare = asyncio.run(bare_redis(redis_url, max(1, args.messages)))
        print_table(
            f"1. bare Redis pub/sub: one publisher, one subscriber, {bare.size}-byte messages, "
            "sequential",
            [bare.round_trip, bare.publish_call],
            "µs",
        )
        live, direct, fan_outs = asyncio.run(
            against_server(
                redis_url, max(1, args.mutations), max(1, args.messages), rounds, layouts
            )
        )
        report_latency(bare, live, direct)
        missed = [not report_fan_out(result) for result in fan_outs]

        subscribers = layouts[0].subscribers if layouts else 1000
        hub = asyncio.run(hub_alone(subscribers, HUB_ROUNDS))
        print_table(
            f"3b. in-process Hub alone: {subscribers} subscriber tasks, {HUB_ROUNDS} deliveries",
            hub.rows,
            "µs",
        )
        print(f"  CPU per subscriber: {hub.cpu_us_per_subscriber:.1f} µs")
        in_process_rounds = min(rounds, IN_PROCESS_ROUNDS)
        plain = asyncio.run(hub_and_graphql(subscribers, in_process_rounds))
        shared = asyncio.run(hub_and_graphql(subscribers, in_process_rounds, shared=True))
        print_table(
            f"3c. in-process Hub + schema.subscribe: {subscribers} releaseEvents operations, "
            "no websocket; (shared) = one execution per event (SharedEventExecution, as served)",
            plain.rows + shared.rows,
            "ms",
        )
        print(
            f"  CPU per subscriber: {plain.cpu_us_per_subscriber:.0f} µs executing per "
            f"subscriber, {shared.cpu_us_per_subscriber:.0f} µs with one execution per event"
        )
        frame = json.dumps(
            {"id": "1", "type": "next", "payload": {"data": {"releaseEvents": {"seq": 1}}}}
        ).encode()
        frame = frame.ljust(live.ws_bytes or len(frame), b" ")
        print(
            f"  permessage-deflate of one {len(frame)}-byte frame: "
            f"{deflate_cost(frame, DEFLATE_FRAMES):.1f} µs CPU"
        )
        if layouts and (args.profile == "always" or (args.profile == "auto" and any(missed))):
            result, profile = asyncio.run(
                profiled_fan_out(redis_url, layouts[0], min(rounds, PROFILE_ROUNDS))
            )
            print(
                f"\n3d. server profile (cProfile, wall clock, tottime) over "
                f"{min(rounds, PROFILE_ROUNDS)} fan-outs to {result.layout.label}; under the "
                f"profiler the LAST subscriber had it after "
                f"{result.last_from_redis.p(50) / 1e6:.0f} ms (p50)\n{profile}"
            )
    print(f"\n{load()}; total {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
