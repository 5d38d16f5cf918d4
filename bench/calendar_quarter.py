"""A quarter of the release calendar over 10,000 releases: latency p50/p99 per store.

    .venv/bin/python -m bench.calendar_quarter [--releases N] [--requests N] [--store S]

Stores: `embedded` (mongomock, in this process) and `wire`: the MongoDB at MONGODB_URL,
with the indexes `create_indexes` makes, or without MONGODB_URL a private nx-27017 (a
MongoDB wire-protocol look-alike on SQLite, the one tests/smoke uses; it is not MongoDB
and has its own costs). Prints figures, checks nothing beyond "every query succeeded".
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bson
import mongomock
import pymongo
from bson.codec_options import CodecOptions
from pydantic import SecretStr

from app.domain.accounts import Role, User
from app.domain.calendar import CalendarItem, CalendarView
from app.domain.ids import new_id
from app.domain.process import (
    ActivityKind,
    ActivityTemplate,
    InputDefinition,
    InputType,
    PhaseTemplate,
    Process,
    VariableDefinition,
)
from app.domain.release import ReleaseDetails, ReleaseOutcome, ReleaseStatus
from app.domain.release_factory import new_release
from app.domain.release_group import GroupSpec
from app.runtime import tune_gc
from app.services import Services, open_services
from app.settings import Settings
from app.store.calendar import LEFT_OUT, calendar_item, calendar_items
from app.store.collection import ASCENDING, Database, Document
from app.store.releases import RELEASES, ReleaseQuery, filter_for, to_document
from app.usecases import calendar as calendar_usecases
from app.usecases.calendar import MAX_ENTRIES, CalendarRequest, build_calendar
from app.usecases.release_groups import create_group
from bench.graphql_overhead import percentile
from schema import build_schema
from schema.context import Context

DEFAULT_RELEASES = 10_000
DEFAULT_REQUESTS = 20
WARMUP = 2
FIRST_DAY = datetime(2031, 1, 1, tzinfo=UTC)
SPAN_DAYS = 913  # about two and a half years: a quarter holds roughly a tenth
QUARTER_DATE = datetime(2032, 2, 15, tzinfo=UTC)  # the quarter measured: 2032 Q1
SERVICES = [f"service-{n:02d}" for n in range(40)]
ENVIRONMENTS = ["PROD", "QA", "STAGING", "DR"]
STATUSES = [
    (ReleaseStatus.SCHEDULED, None),
    (ReleaseStatus.DRAFT, None),
    (ReleaseStatus.RUNNING, None),
    (ReleaseStatus.COMPLETED, ReleaseOutcome.SUCCESS),
    (ReleaseStatus.COMPLETED, ReleaseOutcome.FAILED),
]
LEAN = """
query($input: CalendarInput!) {
  calendar(input: $input) {
    from to overlaps truncated
    entries { releaseId name start end status outcome color conflicting projected }
    conflicts { start end reasons releaseIds }
    days { date releases conflicts }
  }
}
"""
GRID = """
query($input: CalendarInput!) {
  calendar(input: $input) {
    from to overlaps truncated
    entries { releaseId name start end status outcome color conflicting projected }
    days { date releases conflicts }
  }
}
"""
WITH_RELEASES = """
query($input: CalendarInput!) {
  calendar(input: $input) {
    entries { releaseId color release { id name status scheduledStart tags } }
    days { date releases conflicts }
  }
}
"""


def bench_process(now: datetime) -> Process:
    """A mid-sized blueprint (5 phases of 4 activities), so each stored release has weight."""
    phases = []
    for p in range(5):
        activities = tuple(
            ActivityTemplate(
                key=f"p{p}a{a}",
                name=f"Activity {p}.{a}",
                kind=ActivityKind.CHECKPOINT,
                depends_on=(f"p{p}a{a - 1}",) if a else (),
                variables=(VariableDefinition(name=f"v{a}", value="${releaseVersion}"),),
            )
            for a in range(4)
        )
        phases.append(
            PhaseTemplate(
                key=f"phase{p}",
                name=f"Phase {p}",
                owner=f"Team {p}",
                depends_on=(f"phase{p - 1}",) if p else (),
                activities=activities,
            )
        )
    return Process(
        id=new_id("prc"),
        name=f"Bench Train {uuid.uuid4().hex[:6]}",
        inputs=(InputDefinition(name="releaseVersion", type=InputType.STRING, required=True),),
        phases=tuple(phases),
        created_by="bench",
        created_at=now,
        updated_at=now,
    )


def release_documents(process: Process, count: int, seed: int = 7) -> list[Document]:
    """`count` stored releases spread over SPAN_DAYS, as the store writes them."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    base = new_release(
        release_id=new_id("rel"),
        process=process,
        details=ReleaseDetails(name="base"),
        input_set=None,
        overrides={"releaseVersion": "1.0.0"},
        actor="bench",
        now=now,
    ).model_copy(update={"outbox": ()})
    docs = []
    for n in range(count):
        start = FIRST_DAY + timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60 // 15) * 15)
        hours = rng.choice((1, 1, 2, 2, 4, 8, 48))
        status, outcome = rng.choice(STATUSES)
        release = base.model_copy(
            update={
                "id": new_id("rel"),
                "name": f"service-release-{n:05d}",
                "status": status,
                "outcome": outcome,
                "services": tuple(rng.sample(SERVICES, rng.choice((1, 1, 2)))),
                "environments": (rng.choice(ENVIRONMENTS),),
                "tags": (rng.choice(("train", "hotfix", "feature")),),
                "scheduled_start": start,
                "scheduled_end": start + timedelta(hours=hours),
                "completed_at": start + timedelta(hours=hours)
                if status is ReleaseStatus.COMPLETED
                else None,
            }
        )
        docs.append(to_document(release))
    return docs


async def add_groups(services: Services, process: Process) -> None:
    """Three weekly trains in PROD: their quarter occurrences are projected entries."""
    await services.processes.insert(process)
    admin = User(name="bench", roles=(Role.ADMIN,), created_at=datetime.now(UTC))
    for n, hour in enumerate((8, 9, 14)):
        await create_group(
            services,
            actor=admin,
            spec=GroupSpec(
                name=f"Weekly train {n} {uuid.uuid4().hex[:6]}",
                process_id=process.id,
                timezone="Europe/Berlin",
                start_date=FIRST_DAY.replace(hour=hour) + timedelta(days=n + 1),
                cadence=None,
                rule="FREQ=WEEKLY",
                duration="PT4H",
                environments=("PROD",),
                auto_start=False,
            ),
        )


@dataclass(frozen=True)
class Figure:
    label: str
    samples_ns: list[int]

    def line(self) -> str:
        ordered = sorted(self.samples_ns)
        p50, p99 = percentile(ordered, 50) / 1000, percentile(ordered, 99) / 1000
        return f"  {self.label:58} {len(ordered):4d} {p50:9.1f} {p99:9.1f}"


async def timed(step: Callable[[], Awaitable[object]], n: int) -> list[int]:
    for _ in range(WARMUP):
        await step()
    samples = []
    for _ in range(n):
        started = time.perf_counter_ns()
        await step()
        samples.append(time.perf_counter_ns() - started)
    return samples


async def measure(services: Services, n: int) -> tuple[list[Figure], str]:
    schema = build_schema(services.settings)
    user = User(name="bench", roles=(Role.VIEWER,), created_at=datetime.now(UTC))
    request = CalendarRequest(view=CalendarView.QUARTER, date=QUARTER_DATE, timezone="UTC")
    variables = {"input": {"view": "QUARTER", "date": QUARTER_DATE.isoformat()}}

    async def use_case() -> object:
        return await build_calendar(services, request=request)

    async def store_read() -> object:
        window = ReleaseQuery(window_from=shown.start, window_to=shown.end)
        return await calendar_items(services.db, window, limit=MAX_ENTRIES)

    async def driver_decode() -> object:
        return [calendar_item(doc) for doc in bson.decode_all(reply, TZ_AWARE)]

    def graphql(query: str) -> Callable[[], Awaitable[object]]:
        async def run() -> object:
            context = Context(services=services, user=user, request_id="bench")
            result = await schema.execute(query, variable_values=variables, context_value=context)
            if result.errors:
                raise RuntimeError(f"calendar query failed: {result.errors}")
            return result

        return run

    shown = await build_calendar(services, request=request)
    reply = await quarter_reply(services.db, shown.start, shown.end)
    projected = sum(1 for item in shown.entries if item.projected)
    summary = (
        f"quarter {shown.start:%Y-%m-%d} to {shown.end:%Y-%m-%d}: {len(shown.entries)} entries "
        f"({projected} projected), {len(shown.conflicts)} conflicts, "
        f"{shown.overlaps} plain overlaps, {len(shown.days)} days"
    )
    figures = [
        Figure("store read of the quarter (calendar_items)", await timed(store_read, n)),
        Figure(
            f"  driver's share: decode {len(reply) // 1024} KiB of BSON, make the items",
            await timed(driver_decode, n),
        ),
        Figure("calendar use case (read, projections, conflicts, days)", await timed(use_case, n)),
        Figure(
            "GraphQL calendar(QUARTER): entries, conflicts, days", await timed(graphql(LEAN), n)
        ),
    ]
    with store_read_cached():
        figures.append(
            Figure(
                "  the same, store read cached (the app's own share)", await timed(graphql(LEAN), n)
            )
        )
        figures.append(
            Figure(
                "  grid only (no conflict list), store read cached", await timed(graphql(GRID), n)
            )
        )
    figures.append(
        Figure(
            "  the same with release { ... } of every entry",
            await timed(graphql(WITH_RELEASES), max(1, n // 2)),
        )
    )
    return figures, summary


TZ_AWARE: CodecOptions[Document] = CodecOptions(document_class=dict, tz_aware=True)


async def quarter_reply(db: Database, start: datetime, end: datetime) -> bytes:
    """The quarter's documents as MongoDB sends them to the driver: BSON, one after another."""
    window = ReleaseQuery(window_from=start, window_to=end)
    docs = await db.collection(RELEASES).find(
        filter_for(window), sort=[("sort_key", ASCENDING)], exclude=LEFT_OUT
    )
    return b"".join(bson.encode(doc) for doc in docs)


@contextlib.contextmanager
def store_read_cached() -> Iterator[None]:
    """Serve the calendar's store read from memory: what is left is the app's own cost."""
    real = calendar_items
    cache: dict[tuple[int, ReleaseQuery, int], tuple[list[CalendarItem], bool]] = {}

    async def cached(
        db: Database, query: ReleaseQuery, *, limit: int
    ) -> tuple[list[CalendarItem], bool]:
        key = (id(db), query, limit)
        if key not in cache:
            cache[key] = await real(db, query, limit=limit)
        return cache[key]

    # The use case looks the function up in its module at each call.
    namespace = vars(calendar_usecases)
    namespace["calendar_items"] = cached
    try:
        yield
    finally:
        namespace["calendar_items"] = real


@contextlib.asynccontextmanager
async def embedded_store(count: int) -> AsyncIterator[Services]:
    client: Any = mongomock.MongoClient()
    name = f"cadenza_bench_{uuid.uuid4().hex[:8]}"
    process = bench_process(datetime.now(UTC))
    # Loaded before the indexes exist: mongomock checks unique indexes by scanning.
    client[name][RELEASES].insert_many(release_documents(process, count))
    settings = Settings(mongodb_url=None, mongodb_db=name, redis_url=None)
    async with open_services(settings, embedded_client=client) as services:
        await add_groups(services, process)
        yield services


@contextlib.contextmanager
def wire_url() -> Iterator[tuple[str, str]]:
    """MONGODB_URL, or a private nx-27017 started for the run; yields (url, description)."""
    given = os.environ.get("MONGODB_URL")
    if given:
        yield given, "MongoDB at MONGODB_URL"
        return
    from tests.processes import start_nx

    with tempfile.TemporaryDirectory(prefix="cadenza-bench-") as workdir:
        child, url = start_nx(Path(workdir))
        try:
            yield url, "nx-27017 (wire-protocol look-alike on SQLite, not MongoDB)"
        finally:
            child.stop()


@contextlib.asynccontextmanager
async def wire_store(url: str, count: int) -> AsyncIterator[Services]:
    name = f"cadenza_bench_{uuid.uuid4().hex[:8]}"
    process = bench_process(datetime.now(UTC))
    client: pymongo.MongoClient[Document]
    with pymongo.MongoClient(url, tz_aware=True, document_class=dict) as client:
        client[name][RELEASES].insert_many(release_documents(process, count))
        try:
            settings = Settings(mongodb_url=SecretStr(url), mongodb_db=name, redis_url=None)
            async with open_services(settings) as services:  # creates the indexes
                await add_groups(services, process)
                yield services
        finally:
            client.drop_database(name)


async def run(store: str, releases: int, n: int) -> None:
    print(f"\n{store} store, {releases} releases")
    print(f"  {'':58} {'n':>4} {'p50 ms':>9} {'p99 ms':>9}")
    if store == "embedded":
        opened = embedded_store(releases)
    else:
        url, described = stack.enter_context(wire_url())
        print(f"  ({described})")
        opened = wire_store(url, releases)
    began = time.perf_counter()
    async with opened as services:
        print(f"  loaded in {time.perf_counter() - began:.1f} s")
        figures, summary = await measure(services, n)
    print(f"  {summary}")
    for figure in figures:
        print(figure.line())


stack = contextlib.ExitStack()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--releases", type=int, default=DEFAULT_RELEASES, metavar="N")
    parser.add_argument("--requests", type=int, default=DEFAULT_REQUESTS, metavar="N")
    parser.add_argument(
        "--store", choices=("embedded", "wire", "both"), default="both", help="default both"
    )
    args = parser.parse_args()
    tune_gc()  # the process-wide settings `python -m app serve` runs with
    print(
        f"Cadenza calendar, quarter view: {args.releases} releases over {SPAN_DAYS} days, "
        f"N={args.requests}, Python {platform.python_version()}"
    )
    stores = ("embedded", "wire") if args.store == "both" else (args.store,)
    with stack:
        for store in stores:
            asyncio.run(run(store, max(1, args.releases), max(1, args.requests)))


if __name__ == "__main__":
    main()
