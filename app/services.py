"""The services object: every adapter chosen by settings, opened and closed in one place."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

from app.clock import Clock, utc_now
from app.live.bus import EventBus, LocalBus, RedisBus
from app.queue import ArqQueue, JobQueue, LocalQueue
from app.settings import Settings
from app.store.collection import Database
from app.store.embedded import EmbeddedDatabase
from app.store.events import EventStore
from app.store.input_sets import InputSetStore
from app.store.mongo import MongoDatabase
from app.store.processes import ProcessStore
from app.store.release_groups import ReleaseGroupStore
from app.store.releases import ReleaseStore
from app.store.users import UserStore
from app.token_cache import TokenCache

log = logging.getLogger("cadenza")


@dataclass
class Services:
    settings: Settings
    db: Database
    redis: ArqRedis | None
    queue: JobQueue
    processes: ProcessStore
    users: UserStore
    input_sets: InputSetStore
    releases: ReleaseStore
    events: EventStore
    bus: EventBus
    release_groups: ReleaseGroupStore
    token_cache: TokenCache
    clock: Clock = utc_now
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        jobs = "redis" if self.redis is not None else "in-process"
        return f"store={self.db.mode} jobs/events={jobs}"


def queue_name(settings: Settings) -> str:
    return f"{settings.redis_key_prefix}:queue"


def events_channel(settings: Settings) -> str:
    return f"{settings.redis_key_prefix}:events"


def open_database(settings: Settings, embedded_client: Any | None = None) -> Database:
    if settings.mongodb_url is None:
        return EmbeddedDatabase(settings.mongodb_db, embedded_client)
    return MongoDatabase(settings.mongodb_url.get_secret_value(), settings.mongodb_db)


@asynccontextmanager
async def open_services(
    settings: Settings, *, embedded_client: Any | None = None, listen_for_events: bool = False
) -> AsyncIterator[Services]:
    """Open every client the settings ask for; close them in reverse order.

    `listen_for_events`: this process serves subscriptions (the API), so it holds the one
    Redis subscription that feeds them; workers only publish.
    """
    db = open_database(settings, embedded_client)
    redis: ArqRedis | None = None
    queue: JobQueue
    try:
        if settings.redis_url is not None:
            # One client for both the queue and pub/sub: ArqRedis is a redis.asyncio.Redis.
            redis = await create_pool(
                RedisSettings.from_dsn(settings.redis_url.get_secret_value()),
                default_queue_name=queue_name(settings),
            )
            queue = ArqQueue(redis, queue_name(settings))
            bus: EventBus = RedisBus(
                redis,
                events_channel(settings),
                listen=listen_for_events,
                queue_size=settings.live_queue_size,
            )
        else:
            queue = LocalQueue()
            bus = LocalBus(settings.live_queue_size)
        events = EventStore(db)
        services = Services(
            settings=settings,
            db=db,
            redis=redis,
            queue=queue,
            processes=ProcessStore(db),
            users=UserStore(db),
            input_sets=InputSetStore(db),
            releases=ReleaseStore(db, events, bus.publish),
            events=events,
            bus=bus,
            release_groups=ReleaseGroupStore(db),
            token_cache=TokenCache(ttl_s=settings.token_cache_ttl_s),
        )
        bus.on_revoked(services.token_cache.forget_token)
        for store in (
            services.processes,
            services.users,
            services.input_sets,
            services.releases,
            services.events,
            services.release_groups,
        ):
            await store.create_indexes()
        await bus.start()
        try:
            yield services
        finally:
            await bus.close()
            await queue.close()
    finally:
        if redis is not None:
            await redis.aclose()
        await db.close()
