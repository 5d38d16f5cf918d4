"""A deep release query: the real API against a bare Strawberry floor, and its store commands.

    .venv/bin/python -m bench.release_query [--requests N]

Prints figures, checks nothing beyond "every response succeeded". See bench/README.md for
what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import platform
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

import httpx
import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.scalars import JSON

import app.services
from app.domain.release import ReleaseDetails
from app.services import Services
from app.settings import Settings
from app.store.collection import Collection, Database, Document, Filter, SortSpec
from app.usecases.accounts import authenticate
from app.usecases.releases import create_release
from bench.graphql_overhead import (
    ADMIN_TOKEN,
    DEFAULT_TTL_S,
    HEADERS,
    WARMUP,
    Row,
    bench_settings,
    check,
    percentile,
    print_section,
    row,
)
from schema import build_schema
from schema.context import Context
from schema.releases.phases import phases_of
from schema.releases.release_view import ReleaseView, resolution_of
from tests.factories import CREATE_PROCESS, activity, phase, unique
from tests.redis_server import free_port, running_redis
from tests.server import RunningServer, running_server

T = TypeVar("T")

PHASES = 10
ACTIVITIES_PER_PHASE = 10
DEFAULT_REQUESTS = 300
SMALL_DB = 10  # releases created through the API
LARGE_DB = 1_000  # in all; the rest inserted through the use case, in the server's loop
COUNTED_REQUESTS = 3  # per list query and database size
PARTS_SHARE = 3  # the step timings get N / PARTS_SHARE samples each
# The counting server trusts its token for the whole run, so authentication adds no
# store command to the requests that are counted (it would add 2 on a cache miss).
COUNTING_TTL_S = 3600.0

RELEASE_QUERY = """
query Release($id: ID!) {
  release(id: $id) {
    id name status inputs
    variables { name value }
    owners { phaseKey owner }
    phases {
      key status
      variables { name value }
      activities { key status variables { name value } waitingOn }
    }
  }
}
"""

RELEASE_INPUTS = {"releaseVersion": "2.1.3", "environment": "PROD"}

CREATE_INPUT_SET = """
mutation($input: CreateInputSetInput!) { createInputSet(input: $input) { inputSet { id } } }
"""
CREATE_RELEASE = """
mutation($input: CreateReleaseInput!) { createRelease(input: $input) { release { id } } }
"""


# The nested fields of the list query; section 3 also counts each one on its own.
NESTED_FIELDS = (
    "process { name }",
    "inputSet { name }",
    "phases { activities { key } }",
    "events(first: 5) { totalCount }",
)
LIST_SIZES = (10, 100)


def list_query(first: int, fields: tuple[str, ...] = NESTED_FIELDS) -> str:
    return f"{{ releases(first: {first}) {{ edges {{ node {{ id {' '.join(fields)} }} }} }} }}"


def big_process_input() -> dict[str, Any]:
    """10 chained phases of 10 CHECKPOINT activities, with variables at both levels."""
    phases = []
    for p in range(1, PHASES + 1):
        phase_key = f"phase-{p:02d}"
        activities = [
            activity(
                f"p{p:02d}-a{a:02d}",
                # An input and the phase's variable: both scopes are resolved.
                variables=[{"name": "target", "value": "${environment}/${phaseTag}"}],
            )
            for a in range(1, ACTIVITIES_PER_PHASE + 1)
        ]
        phases.append(
            phase(
                phase_key,
                *activities,
                owner=f"Team {p % 3 + 1}",
                variables=[{"name": "phaseTag", "value": f"${{releaseVersion}}-p{p:02d}"}],
                **({"dependsOn": [f"phase-{p - 1:02d}"]} if p > 1 else {}),
            )
        )
    return {
        "name": unique("Bench Big"),
        "description": f"{PHASES} phases x {ACTIVITIES_PER_PHASE} activities",
        "kind": "STANDARD",
        "tags": ["bench"],
        "inputs": [
            {"name": "releaseVersion", "type": "STRING", "required": True},
            {
                "name": "environment",
                "type": "STRING",
                "default": "QA",
                "allowedValues": ["QA", "PROD"],
            },
        ],
        "variables": [{"name": "label", "value": "${releaseVersion}@${environment}"}],
        "phases": phases,
    }


# -- the counting store wrapper -----------------------------------------------------------


class CountingCollection:
    """A Collection that counts every call, by `collection.method`, then delegates."""

    def __init__(self, name: str, inner: Collection, counts: Counter[str]) -> None:
        self._inner = inner
        self._counts = counts
        self._name = name

    def _count(self, method: str) -> None:
        self._counts[f"{self._name}.{method}"] += 1

    async def find_one(self, filter: Filter) -> Document | None:
        self._count("find_one")
        return await self._inner.find_one(filter)

    async def find(
        self,
        filter: Filter,
        *,
        sort: SortSpec = (),
        limit: int = 0,
        skip: int = 0,
        exclude: Sequence[str] = (),
    ) -> list[Document]:
        self._count("find")
        return await self._inner.find(filter, sort=sort, limit=limit, skip=skip, exclude=exclude)

    async def count(self, filter: Filter) -> int:
        self._count("count")
        return await self._inner.count(filter)

    async def insert_one(self, document: Document) -> None:
        self._count("insert_one")
        await self._inner.insert_one(document)

    async def insert_new(self, documents: list[Document]) -> int:
        self._count("insert_new")
        return await self._inner.insert_new(documents)

    async def replace_one(
        self, filter: Filter, document: Document, *, upsert: bool = False
    ) -> bool:
        self._count("replace_one")
        return await self._inner.replace_one(filter, document, upsert=upsert)

    async def update_one(self, filter: Filter, update: Mapping[str, Any]) -> bool:
        self._count("update_one")
        return await self._inner.update_one(filter, update)

    async def find_one_and_update(
        self, filter: Filter, update: Mapping[str, Any], *, upsert: bool = False
    ) -> Document | None:
        self._count("find_one_and_update")
        return await self._inner.find_one_and_update(filter, update, upsert=upsert)

    async def delete_one(self, filter: Filter) -> bool:
        self._count("delete_one")
        return await self._inner.delete_one(filter)

    async def delete_many(self, filter: Filter) -> int:
        self._count("delete_many")
        return await self._inner.delete_many(filter)

    async def create_index(
        self,
        keys: SortSpec,
        *,
        unique: bool = False,
        name: str | None = None,
        sparse: bool = False,
    ) -> None:
        self._count("create_index")
        await self._inner.create_index(keys, unique=unique, name=name, sparse=sparse)


class CountingDatabase:
    """A Database whose collections count their calls into one shared Counter."""

    def __init__(self, inner: Database) -> None:
        self._inner = inner
        self.mode = inner.mode
        self.counts: Counter[str] = Counter()
        self._collections: dict[str, CountingCollection] = {}

    def collection(self, name: str) -> Collection:
        if name not in self._collections:
            self._collections[name] = CountingCollection(
                name, self._inner.collection(name), self.counts
            )
        return self._collections[name]

    async def ping(self) -> None:
        await self._inner.ping()

    async def close(self) -> None:
        await self._inner.close()


@dataclass
class Opened:
    """What the patched `open_database` saw: the server's loop and, when counting, its db."""

    loop: asyncio.AbstractEventLoop | None = None
    counting: CountingDatabase | None = None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the server's event loop (its own thread) and wait for the result."""
        if self.loop is None:
            raise RuntimeError("the server has not opened its database")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()


@contextlib.contextmanager
def server_with(settings: Settings, *, count: bool) -> Iterator[tuple[RunningServer, Opened]]:
    """`running_server`, with `app.services.open_database` patched while it starts.

    `open_services` looks `open_database` up in its module on every call, so the patch
    reaches the server without touching production code. It records the event loop the
    server runs on and, with `count`, wraps the database in a CountingDatabase.
    """
    original = app.services.open_database
    opened = Opened()

    def patched(settings: Settings, embedded_client: Any | None = None) -> Database:
        db = original(settings, embedded_client)
        opened.loop = asyncio.get_running_loop()
        if not count:
            return db
        opened.counting = CountingDatabase(db)
        return opened.counting

    app.services.open_database = patched
    try:
        with running_server(settings) as server:
            # The lifespan has run by now (the server answered /readyz): unpatch at once.
            app.services.open_database = original
            yield server, opened
    finally:
        app.services.open_database = original


# -- the bare Strawberry schema: the framework's floor ------------------------------------


@strawberry.enum
class BareReleaseStatus(Enum):
    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    RUNNING = "RUNNING"
    ON_HOLD = "ON_HOLD"
    COMPLETED = "COMPLETED"


@strawberry.enum
class BarePhaseStatus(Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    WAITING = "WAITING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    ABORTED = "ABORTED"


@strawberry.enum
class BareActivityStatus(Enum):
    PENDING = "PENDING"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    WAITING = "WAITING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    IGNORED = "IGNORED"
    SKIPPED = "SKIPPED"
    ABORTED = "ABORTED"


@strawberry.type(name="ResolvedVariable")
class BareVariable:
    name: str
    value: JSON | None


@strawberry.type(name="PhaseOwner")
class BareOwner:
    phase_key: str
    owner: str


@strawberry.type(name="Activity")
class BareActivity:
    key: str
    status: BareActivityStatus
    variables: list[BareVariable]
    waiting_on: list[str]


@strawberry.type(name="Phase")
class BarePhase:
    key: str
    status: BarePhaseStatus
    variables: list[BareVariable]
    activities: list[BareActivity]


@strawberry.type(name="Release")
class BareRelease:
    id: strawberry.ID
    name: str
    status: BareReleaseStatus
    inputs: JSON
    variables: list[BareVariable]
    owners: list[BareOwner]
    phases: list[BarePhase]


# The objects the bare schema serves, by id; filled once, before any timing.
SERVED: dict[str, BareRelease] = {}


@strawberry.type(name="Query")
class BareQuery:
    @strawberry.field
    def release(self, id: strawberry.ID) -> BareRelease | None:
        return SERVED.get(id)


def bare_schema() -> strawberry.Schema:
    """No extensions, no caches, no context: strawberry and graphql-core alone."""
    return strawberry.Schema(query=BareQuery)


def _variables(items: list[dict[str, Any]]) -> list[BareVariable]:
    return [BareVariable(name=v["name"], value=v["value"]) for v in items]


def bare_release(data: dict[str, Any]) -> BareRelease:
    """Plain Python objects holding what the real API answered, ready to serve."""
    return BareRelease(
        id=strawberry.ID(data["id"]),
        name=data["name"],
        status=BareReleaseStatus(data["status"]),
        inputs=data["inputs"],
        variables=_variables(data["variables"]),
        owners=[BareOwner(phase_key=o["phaseKey"], owner=o["owner"]) for o in data["owners"]],
        phases=[
            BarePhase(
                key=p["key"],
                status=BarePhaseStatus(p["status"]),
                variables=_variables(p["variables"]),
                activities=[
                    BareActivity(
                        key=a["key"],
                        status=BareActivityStatus(a["status"]),
                        variables=_variables(a["variables"]),
                        waiting_on=list(a["waitingOn"]),
                    )
                    for a in p["activities"]
                ],
            )
            for p in data["phases"]
        ],
    )


def bare_app(schema: strawberry.Schema) -> Starlette:
    """The least an HTTP GraphQL endpoint does: read JSON, execute, write JSON."""

    async def graphql(request: Request) -> Response:
        body = await request.json()
        result = await schema.execute(
            body["query"],
            variable_values=body.get("variables"),
            operation_name=body.get("operationName"),
        )
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [e.formatted for e in result.errors]
        return Response(json.dumps(payload, separators=(",", ":")), media_type="application/json")

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])


@contextlib.contextmanager
def running_app(asgi: Starlette) -> Iterator[str]:
    """Like tests/server.py's running_server (same uvicorn config), for any app; its URL."""
    port = free_port()
    config = uvicorn.Config(asgi, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the bare server did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


# -- 1. and 2. latency of the release query -----------------------------------------------


async def post_ok(client: httpx.AsyncClient, url: str, query: str, **variables: Any) -> Any:
    body: dict[str, Any] = {"query": query}
    if variables:
        body["variables"] = variables
    response = await client.post(url, json=body, headers=HEADERS)
    check(response)
    return response.json()["data"]


async def create_big_release(url: str) -> dict[str, Any]:
    """The process and one release with inputs, through the API; the query's answer."""
    async with httpx.AsyncClient(timeout=30) as client:
        process = (await post_ok(client, url, CREATE_PROCESS, input=big_process_input()))[
            "createProcess"
        ]["process"]
        payload = {"processId": process["id"], "name": unique("big"), "inputs": RELEASE_INPUTS}
        release_id = (await post_ok(client, url, CREATE_RELEASE, input=payload))["createRelease"][
            "release"
        ]["id"]
        data: dict[str, Any] = (await post_ok(client, url, RELEASE_QUERY, id=release_id))["release"]
        return data


def shape(data: dict[str, Any]) -> str:
    phases = data["phases"]
    activities = sum(len(p["activities"]) for p in phases)
    variables = (
        len(data["variables"])
        + sum(len(p["variables"]) for p in phases)
        + sum(len(a["variables"]) for p in phases for a in p["activities"])
    )
    body = len(json.dumps({"data": {"release": data}}, separators=(",", ":")))
    return (
        f"{len(phases)} phases, {activities} activities, {variables} resolved variables, "
        f"{len(data['owners'])} owners; response body {body / 1024:.1f} KiB"
    )


Execute = Callable[[], Awaitable[None]]


async def alternate(first: Execute, second: Execute, n: int) -> tuple[list[int], list[int]]:
    """n timed runs of each, one at a time, alternating, so drift hits both alike."""
    for _ in range(WARMUP):
        await first()
        await second()
    samples: tuple[list[int], list[int]] = ([], [])
    for _ in range(n):
        for execute, into in ((first, samples[0]), (second, samples[1])):
            began = time.perf_counter_ns()
            await execute()
            into.append(time.perf_counter_ns() - began)
    return samples


def rate_row(label: str, samples_ns: list[int]) -> Row:
    """A row of alternating samples: its rate is over its own runs' time only."""
    return row(label, samples_ns, sum(samples_ns) / 1e9)


def schema_executor(
    schema: strawberry.Schema, release_id: str, context: Callable[[], Context | None]
) -> Execute:
    async def execute() -> None:
        result = await schema.execute(
            RELEASE_QUERY, variable_values={"id": release_id}, context_value=context()
        )
        if result.errors or not result.data or result.data["release"] is None:
            raise RuntimeError(f"in-process query failed: {result.errors}")

    return execute


async def in_process_pair(
    services: Services, bare: strawberry.Schema, release_id: str, n: int
) -> tuple[list[int], list[int]]:
    """The server's schema (a fresh build_schema, same settings) with its services and the
    bare schema, alternating on the server's loop: no HTTP, no authentication."""
    user = await authenticate(services, f"Bearer {ADMIN_TOKEN}")
    real = schema_executor(
        build_schema(services.settings),
        release_id,
        lambda: Context(services=services, user=user, request_id="bench"),
    )
    return await alternate(real, schema_executor(bare, release_id, lambda: None), n)


async def real_parts(services: Services, release_id: str, n: int) -> list[tuple[str, float]]:
    """p50 µs of the steps the real resolvers take for this query, outside GraphQL."""
    release = await services.releases.get(release_id)
    if release is None:
        raise RuntimeError(f"release {release_id} is gone")
    resolution = resolution_of(release)
    steps: list[tuple[str, Callable[[], object]]] = [
        ("releases.get (find_one + from_document)", lambda: services.releases.get(release_id)),
        ("resolution_of (variables)", lambda: resolution_of(release)),
        (
            "phases_of (Phase/Activity objects)",
            lambda: phases_of(ReleaseView(release, resolution)),
        ),
    ]
    parts = []
    for label, step in steps:
        samples = []
        for _ in range(n):
            began = time.perf_counter_ns()
            done = step()
            if asyncio.iscoroutine(done):
                await done
            samples.append(time.perf_counter_ns() - began)
        parts.append((label, percentile(sorted(samples), 50)))
    return parts


def http_executor(client: httpx.AsyncClient, url: str, release_id: str) -> Execute:
    body = {"query": RELEASE_QUERY, "variables": {"id": release_id}}

    async def execute() -> None:
        check(await client.post(url, json=body, headers=HEADERS))

    return execute


async def http_pair(
    real_url: str, bare_url: str, release_id: str, n: int
) -> tuple[list[int], list[int], bool]:
    """Both servers, one request at a time, alternating; also: same data from both?"""
    body = {"query": RELEASE_QUERY, "variables": {"id": release_id}}
    async with httpx.AsyncClient(timeout=30) as a, httpx.AsyncClient(timeout=30) as b:
        answers = []
        for client, url in ((a, real_url), (b, bare_url)):
            response = await client.post(url, json=body, headers=HEADERS)
            check(response)
            answers.append(response.json()["data"])
        real_ns, bare_ns = await alternate(
            http_executor(a, real_url, release_id), http_executor(b, bare_url, release_id), n
        )
    return real_ns, bare_ns, answers[0] == answers[1]


@dataclass(frozen=True)
class LatencyResult:
    shape: str
    rows: list[Row]
    parts: list[tuple[str, float]]
    same_data: bool


def latency(redis_url: str, n: int) -> LatencyResult:
    schema = bare_schema()
    with (
        server_with(bench_settings(redis_url, DEFAULT_TTL_S), count=False) as (server, opened),
        running_app(bare_app(schema)) as bare_url,
    ):
        data = asyncio.run(create_big_release(server.graphql_url))
        release_id = data["id"]
        SERVED[release_id] = bare_release(data)
        real_ns, bare_ns, same = asyncio.run(http_pair(server.graphql_url, bare_url, release_id, n))
        services: Services = server.app.state.services
        real_in, bare_in = opened.run(in_process_pair(services, schema, release_id, n))
        parts = opened.run(real_parts(services, release_id, max(1, n // PARTS_SHARE)))
    return LatencyResult(
        shape(data),
        [
            rate_row("real API over HTTP", real_ns),
            rate_row("bare schema over HTTP", bare_ns),
            rate_row("real schema in-process (no HTTP, no auth)", real_in),
            rate_row("bare schema in-process", bare_in),
        ],
        parts,
        same,
    )


# -- 3. store commands per request --------------------------------------------------------


@dataclass
class Counted:
    """Store commands of one list query, over `repeats` requests."""

    first: int
    releases: int
    edges: int = 0
    per_request: list[int] = field(default_factory=list)
    by_call: Counter[str] = field(default_factory=Counter)  # of the last request
    ms: list[float] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"releases(first: {self.first})"


async def setup_small_db(url: str) -> tuple[str, str]:
    """A process, an input set and SMALL_DB releases using both, through the API."""
    async with httpx.AsyncClient(timeout=30) as client:
        process_id = (await post_ok(client, url, CREATE_PROCESS, input=big_process_input()))[
            "createProcess"
        ]["process"]["id"]
        set_input = {"processId": process_id, "name": "QA inputs", "values": {"environment": "QA"}}
        input_set_id = (await post_ok(client, url, CREATE_INPUT_SET, input=set_input))[
            "createInputSet"
        ]["inputSet"]["id"]
        for i in range(SMALL_DB):
            payload = {
                "processId": process_id,
                "inputSetId": input_set_id,
                "name": f"bench-{i:04d}",
                "inputs": {"releaseVersion": f"1.{i}.0"},
            }
            await post_ok(client, url, CREATE_RELEASE, input=payload)
    return process_id, input_set_id


async def insert_releases(
    services: Services, process_id: str, input_set_id: str, start: int, count: int
) -> None:
    """More releases through the use case the createRelease mutation calls."""
    actor = await authenticate(services, f"Bearer {ADMIN_TOKEN}")
    for i in range(start, start + count):
        await create_release(
            services,
            actor=actor,
            process_id=process_id,
            details=ReleaseDetails(name=f"bench-{i:04d}"),
            input_set_id=input_set_id,
            overrides={"releaseVersion": f"1.{i}.0"},
        )


async def count_commands(
    url: str,
    db: CountingDatabase,
    releases: int,
    fields: tuple[str, ...] = NESTED_FIELDS,
    repeats: int = COUNTED_REQUESTS,
) -> list[Counted]:
    """Each list size: one warm-up request, then `repeats` counted ones."""
    results = []
    async with httpx.AsyncClient(timeout=60) as client:
        for first in LIST_SIZES:
            query = list_query(first, fields)
            await post_ok(client, url, query)  # warm-up: token cache, parser/validation caches
            counted = Counted(first, releases)
            for _ in range(repeats):
                db.counts.clear()
                began = time.perf_counter()
                data = await post_ok(client, url, query)
                counted.ms.append((time.perf_counter() - began) * 1000)
                counted.per_request.append(sum(db.counts.values()))
                counted.by_call = Counter(db.counts)
                counted.edges = len(data["releases"]["edges"])
            results.append(counted)
    return results


@dataclass(frozen=True)
class CommandsResult:
    lists: list[Counted]  # the full list query, on SMALL_DB then LARGE_DB releases
    by_field: dict[str, list[Counted]]  # each nested field alone, on LARGE_DB releases
    insert_s: float


def store_commands(redis_url: str) -> CommandsResult:
    settings = bench_settings(redis_url, COUNTING_TTL_S)
    with server_with(settings, count=True) as (server, opened):
        db = opened.counting
        if db is None:
            raise RuntimeError("the counting database was not installed")
        url = server.graphql_url
        services: Services = server.app.state.services
        process_id, input_set_id = asyncio.run(setup_small_db(url))
        small = asyncio.run(count_commands(url, db, SMALL_DB))
        began = time.perf_counter()
        opened.run(
            insert_releases(services, process_id, input_set_id, SMALL_DB, LARGE_DB - SMALL_DB)
        )
        insert_s = time.perf_counter() - began
        large = asyncio.run(count_commands(url, db, LARGE_DB))
        by_field = {
            name: asyncio.run(count_commands(url, db, LARGE_DB, (name,), repeats=1))
            for name in NESTED_FIELDS
        }
    return CommandsResult([*small, *large], by_field, insert_s)


# -- output -------------------------------------------------------------------------------


def _calls(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "-"


def _growth(counted: list[Counted]) -> dict[str, float]:
    """Calls whose count rises with the edges returned, per extra edge: the N+1 culprits."""
    short = min(counted, key=lambda c: c.edges)
    long = max(counted, key=lambda c: c.edges)
    extra = long.edges - short.edges
    if extra <= 0:
        return {}
    return {
        call: (long.by_call[call] - short.by_call[call]) / extra
        for call in sorted(long.by_call)
        if long.by_call[call] > short.by_call[call]
    }


def print_latency(measured: LatencyResult) -> None:
    print(f"\nrelease(id): {measured.shape}")
    print(f"  the bare schema answers the same data as the real API: {measured.same_data}")
    print_section("1./2. release(id) nested, sequential, one keep-alive client each", measured.rows)
    real_http, bare_http, real_in, bare_in = measured.rows
    print(
        f"  ratio real API / bare schema over HTTP: p50 {real_http.p50_us / bare_http.p50_us:.2f}x"
        f", p99 {real_http.p99_us / bare_http.p99_us:.2f}x (target: p50 <= 1.5x)"
    )
    print(
        f"  ratio real / bare schema in-process:    p50 {real_in.p50_us / bare_in.p50_us:.2f}x"
        f", p99 {real_in.p99_us / bare_in.p99_us:.2f}x"
    )
    real_edge = real_http.p50_us - real_in.p50_us
    bare_edge = bare_http.p50_us - bare_in.p50_us
    print(
        f"  HTTP (+ auth) share, p50 over HTTP - in-process: real {real_edge:.0f} µs, "
        f"bare {bare_edge:.0f} µs"
    )
    print("  p50 of the real resolvers' own steps for this release (no GraphQL), µs:")
    for label, p50 in measured.parts:
        print(f"    {label:44} {p50:9.1f}")


def print_commands(result: CommandsResult) -> None:
    print(
        "\n3. store commands per request: Collection calls, counted around the real store\n"
        f"  {LARGE_DB - SMALL_DB} releases inserted through the use case in "
        f"{result.insert_s:.1f} s; ms is the p50 of {COUNTED_REQUESTS} requests"
    )
    print(f"  {'':22} {'releases':>8} {'edges':>6} {'commands':>9} {'ms':>7}  by call")
    for c in result.lists:
        shown = "/".join(str(k) for k in sorted(set(c.per_request)))
        ms = sorted(c.ms)[len(c.ms) // 2]
        print(
            f"  {c.label:22} {c.releases:8d} {c.edges:6d} {shown:>9} {ms:7.1f}  {_calls(c.by_call)}"
        )
    counts = {k for c in result.lists for k in c.per_request}
    if len(counts) == 1:
        print(
            f"  independent of list length: yes ({counts.pop()} per request, whatever the length)"
        )
    else:
        extra = ", ".join(f"{k} +{v:.2f}" for k, v in _growth(result.lists).items())
        print(f"  independent of list length: NO, N+1 (per extra release returned: {extra})")

    sizes = " / ".join(f"{n} edges" for n in LIST_SIZES)
    print(f"\n  each nested field alone, {LARGE_DB} releases: commands at {sizes}")
    culprits = []
    for name, counted in result.by_field.items():
        shown = " / ".join(str(c.per_request[-1]) for c in counted)
        per_edge = _growth(counted)
        verdict = (
            "N+1: " + ", ".join(f"{k} +{v:.2f} per release" for k, v in per_edge.items())
            if per_edge
            else "constant"
        )
        if per_edge:
            culprits.append(name)
        print(f"    {name:34} {shown:>11}  {verdict}")
    if culprits:
        print(f"  N+1 caused by: {'; '.join(culprits)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--requests",
        type=int,
        default=DEFAULT_REQUESTS,
        metavar="N",
        help=f"timed requests / iterations per latency row (default {DEFAULT_REQUESTS})",
    )
    n = max(1, parser.parse_args().requests)
    began = time.perf_counter()
    print(
        f"Cadenza release query: N={n}, Python {platform.python_version()}, "
        f"strawberry-graphql {importlib.metadata.version('strawberry-graphql')}, "
        f"graphql-core {importlib.metadata.version('graphql-core')}"
    )
    with running_redis() as redis_url:
        print_latency(latency(redis_url, n))
        print_commands(store_commands(redis_url))
    print(f"\ntotal {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
