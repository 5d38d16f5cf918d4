"""What a GraphQL request costs in Cadenza: in the schema, through HTTP, and to authenticate.

    .venv/bin/python -m bench.graphql_overhead [--requests N]

Prints figures, checks nothing beyond "every response succeeded". See bench/README.md for
what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import importlib.metadata
import platform
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import httpx
import strawberry
from pydantic import SecretStr
from strawberry.extensions import parser_cache, validation_cache

from app.domain.accounts import Role, User
from app.services import Services, open_services
from app.settings import Settings
from schema import build_schema
from schema.context import Context
from tests.factories import CREATE_PROCESS, process_input
from tests.redis_server import running_redis
from tests.server import RunningServer, running_server

TRIVIAL = "{ viewer { name } }"
NESTED = "{ processes(first: 20) { edges { node { id name phases { key activities { key } } } } } }"
NESTED_PROCESSES = 20
CLIENTS = 8
WARMUP = 20
DEFAULT_REQUESTS = 500
# The nested query costs several times the trivial one; it gets N / NESTED_SHARE requests.
NESTED_SHARE = 4
# A fresh admin token per run, given to the server as CADENZA_ADMIN_TOKEN would be.
ADMIN_TOKEN = "cdz_bench-" + secrets.token_urlsafe(32)
HEADERS = {
    "Accept": "application/graphql-response+json",
    "Authorization": f"Bearer {ADMIN_TOKEN}",
}
DEFAULT_TTL_S = float(Settings.model_fields["token_cache_ttl_s"].default)
# Must match the maxsize build_schema gives ParserCache / ValidationCache: strawberry keeps
# one module-level LRU per maxsize, so this reads the very caches the schema uses.
CACHE_MAXSIZE = 512


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    p50_us: float
    p99_us: float
    per_s: float


def percentile(sorted_ns: list[int], q: float) -> float:
    """Nearest-rank percentile of nanosecond samples, in microseconds."""
    rank = max(1, min(len(sorted_ns), round(q / 100 * len(sorted_ns))))
    return sorted_ns[rank - 1] / 1000


def row(label: str, samples_ns: list[int], wall_s: float) -> Row:
    ordered = sorted(samples_ns)
    return Row(
        label,
        len(ordered),
        percentile(ordered, 50),
        percentile(ordered, 99),
        len(ordered) / wall_s if wall_s > 0 else 0.0,
    )


# -- 1. in-process schema cost ------------------------------------------------------------


def cache_stats(maxsize: int) -> tuple[tuple[int, int], tuple[int, int]]:
    parse = cast("functools._lru_cache_wrapper[Any]", parser_cache._get_parse_cache(maxsize))
    validate = cast(
        "functools._lru_cache_wrapper[Any]", validation_cache._get_validate_cache(maxsize)
    )
    p, v = parse.cache_info(), validate.cache_info()
    return (p.hits, p.misses), (v.hits, v.misses)


async def execute_once(schema: strawberry.Schema, services: Services, user: User) -> int:
    context = Context(services=services, user=user, request_id="bench")
    started = time.perf_counter_ns()
    result = await schema.execute(TRIVIAL, context_value=context)
    elapsed = time.perf_counter_ns() - started
    if result.errors:
        raise RuntimeError(f"in-process query failed: {result.errors}")
    return elapsed


async def in_process(n: int) -> tuple[list[Row], str]:
    settings = Settings(mongodb_url=None, redis_url=None, mongodb_db="cadenza_bench")
    cached = build_schema(settings)
    uncached = build_schema(settings, caches=False)
    user = User(name="bench", roles=(Role.ADMIN,), created_at=datetime.now(UTC))
    async with open_services(settings) as services:
        for _ in range(WARMUP):
            await execute_once(cached, services, user)
            await execute_once(uncached, services, user)
        before = cache_stats(CACHE_MAXSIZE)
        on: list[int] = []
        off: list[int] = []
        started = time.perf_counter()
        # Interleaved, so drift (CPU frequency, other load) hits both alike.
        for _ in range(n):
            on.append(await execute_once(cached, services, user))
            off.append(await execute_once(uncached, services, user))
        wall = (time.perf_counter() - started) / 2
        after = cache_stats(CACHE_MAXSIZE)
    (ph0, pm0), (vh0, vm0) = before
    (ph1, pm1), (vh1, vm1) = after
    note = (
        f"caches-on run: parser cache {ph1 - ph0} hits / {pm1 - pm0} misses, "
        f"validation cache {vh1 - vh0} hits / {vm1 - vm0} misses"
    )
    return [
        row("caches on  (build_schema)", on, wall),
        row("caches off (no Parser/ValidationCache)", off, wall),
    ], note


# -- 2. and 3. through the real HTTP server -----------------------------------------------


def bench_settings(redis_url: str, token_cache_ttl_s: float) -> Settings:
    """Like tests/conftest.py: a database and Redis key prefix of this run's own."""
    suffix = uuid.uuid4().hex[:12]
    return Settings(
        mongodb_url=None,
        mongodb_db=f"cadenza_bench_{suffix}",
        redis_url=SecretStr(redis_url),
        redis_key_prefix=f"cadenza-bench:{suffix}",
        cadenza_admin_token=SecretStr(ADMIN_TOKEN),
        token_cache_ttl_s=token_cache_ttl_s,
    )


def check(response: httpx.Response) -> None:
    if response.status_code != 200 or b'"errors"' in response.content:
        raise RuntimeError(f"request failed ({response.status_code}): {response.text[:500]}")


Post = Callable[[], Awaitable[httpx.Response]]


def poster(client: httpx.AsyncClient, url: str, query: str) -> Post:
    body = {"query": query}
    return lambda: client.post(url, json=body, headers=HEADERS)


async def timed(post: Post, n: int, samples: list[int]) -> None:
    for _ in range(n):
        started = time.perf_counter_ns()
        response = await post()
        samples.append(time.perf_counter_ns() - started)
        check(response)


async def over_http(url: str, query: str, n: int, clients: int) -> tuple[list[int], float]:
    """n requests of `query` from `clients` keep-alive clients at once; (latencies, wall s)."""
    async with contextlib.AsyncExitStack() as stack:
        posts = []
        for _ in range(clients):
            client = await stack.enter_async_context(httpx.AsyncClient(timeout=30))
            post = poster(client, url, query)
            for _ in range(WARMUP):  # opens the connection, warms both ends
                check(await post())
            posts.append(post)
        samples: list[int] = []
        shares = [n // clients + (1 if i < n % clients else 0) for i in range(clients)]
        started = time.perf_counter()
        await asyncio.gather(*(timed(p, k, samples) for p, k in zip(posts, shares, strict=True)))
        return samples, time.perf_counter() - started


async def create_processes(url: str, count: int) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(count):
            body = {"query": CREATE_PROCESS, "variables": {"input": process_input()}}
            check(await client.post(url, json=body, headers=HEADERS))
        response = await client.post(url, json={"query": NESTED}, headers=HEADERS)
        check(response)
        edges = response.json()["data"]["processes"]["edges"]
        if len(edges) != count:
            raise RuntimeError(f"expected {count} processes, the server lists {len(edges)}")


async def http_rows(url: str, n: int) -> list[Row]:
    await create_processes(url, NESTED_PROCESSES)  # only `processes` reads them
    rows = []
    for label, query, count in (
        ("viewer", TRIVIAL, n),
        (f"processes(first: {NESTED_PROCESSES}) nested", NESTED, max(1, n // NESTED_SHARE)),
    ):
        samples, wall = await over_http(url, query, count, 1)
        rows.append(row(f"{label}, sequential", samples, wall))
        samples, wall = await over_http(url, query, count, CLIENTS)
        rows.append(row(f"{label}, {CLIENTS} clients", samples, wall))
    return rows


async def auth_rows(cached_url: str, uncached_url: str, n: int) -> list[Row]:
    """The trivial query, alternating between a TTL-5 s and a TTL-0 server, one at a time."""
    async with httpx.AsyncClient(timeout=30) as a, httpx.AsyncClient(timeout=30) as b:
        post_cached = poster(a, cached_url, TRIVIAL)
        post_uncached = poster(b, uncached_url, TRIVIAL)
        for _ in range(WARMUP):
            check(await post_cached())
            check(await post_uncached())
        cached: list[int] = []
        uncached: list[int] = []
        started = time.perf_counter()
        for _ in range(n):
            await timed(post_cached, 1, cached)
            await timed(post_uncached, 1, uncached)
        wall = (time.perf_counter() - started) / 2
    return [
        row(f"token cache TTL {DEFAULT_TTL_S:g} s (default)", cached, wall),
        row("token cache TTL 0 (store read per request)", uncached, wall),
    ]


@contextlib.contextmanager
def servers() -> Iterator[tuple[RunningServer, RunningServer]]:
    with (
        running_redis() as redis_url,
        running_server(bench_settings(redis_url, DEFAULT_TTL_S)) as cached,
        running_server(bench_settings(redis_url, 0)) as uncached,
    ):
        yield cached, uncached


# -- output -------------------------------------------------------------------------------


def print_section(title: str, rows: list[Row], *, rate: bool = True) -> None:
    print(f"\n{title}")
    print(f"  {'':44} {'n':>6} {'p50 µs':>9} {'p99 µs':>9} {'req/s':>8}")
    for r in rows:
        per_s = f"{r.per_s:8.0f}" if rate else f"{'':8}"
        print(f"  {r.label:44} {r.count:6d} {r.p50_us:9.1f} {r.p99_us:9.1f} {per_s}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--requests",
        type=int,
        default=DEFAULT_REQUESTS,
        metavar="N",
        help=f"iterations / requests per figure (default {DEFAULT_REQUESTS}; "
        f"the nested query gets N/{NESTED_SHARE})",
    )
    n = max(1, parser.parse_args().requests)
    began = time.perf_counter()
    print(
        f"Cadenza GraphQL overhead: N={n}, Python {platform.python_version()}, "
        f"strawberry-graphql {importlib.metadata.version('strawberry-graphql')}, "
        f"graphql-core {importlib.metadata.version('graphql-core')}"
    )

    schema_rows, note = asyncio.run(in_process(n))
    print_section(f"1. in-process schema.execute('{TRIVIAL}')", schema_rows, rate=False)
    on, off = schema_rows
    print(f"  ratio off/on: p50 {off.p50_us / on.p50_us:.2f}x, p99 {off.p99_us / on.p99_us:.2f}x")
    print(f"  {note}")

    with servers() as (cached, uncached):
        web_rows = asyncio.run(http_rows(cached.graphql_url, n))
        login_rows = asyncio.run(auth_rows(cached.graphql_url, uncached.graphql_url, n))
    print_section(
        "2. HTTP: uvicorn in a thread of this process, keep-alive httpx clients", web_rows
    )
    print_section("3. authentication: viewer, sequential, the two servers alternating", login_rows)
    with_cache, without = login_rows
    print(
        f"  store look-up per request (p50 difference): {without.p50_us - with_cache.p50_us:.1f} µs"
    )
    print(f"\ntotal {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
