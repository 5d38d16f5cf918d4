"""The services object: every adapter chosen by settings, opened and closed in one place."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from app.clock import Clock, utc_now
from app.settings import Settings
from app.store.collection import Database
from app.store.embedded import EmbeddedDatabase
from app.store.input_sets import InputSetStore
from app.store.mongo import MongoDatabase
from app.store.processes import ProcessStore
from app.store.users import UserStore
from app.token_cache import TokenCache

log = logging.getLogger("cadenza")


@dataclass
class Services:
    settings: Settings
    db: Database
    redis: Redis | None
    processes: ProcessStore
    users: UserStore
    input_sets: InputSetStore
    token_cache: TokenCache
    clock: Clock = utc_now
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        jobs = "redis" if self.redis is not None else "in-process"
        return f"store={self.db.mode} jobs/events={jobs}"


def open_database(settings: Settings, embedded_client: Any | None = None) -> Database:
    if settings.mongodb_url is None:
        return EmbeddedDatabase(settings.mongodb_db, embedded_client)
    return MongoDatabase(settings.mongodb_url.get_secret_value(), settings.mongodb_db)


@asynccontextmanager
async def open_services(
    settings: Settings, *, embedded_client: Any | None = None
) -> AsyncIterator[Services]:
    """Open every client the settings ask for; close them in reverse order."""
    db = open_database(settings, embedded_client)
    redis: Redis | None = None
    try:
        if settings.redis_url is not None:
            redis = Redis.from_url(settings.redis_url.get_secret_value())
        services = Services(
            settings=settings,
            db=db,
            redis=redis,
            processes=ProcessStore(db),
            users=UserStore(db),
            input_sets=InputSetStore(db),
            token_cache=TokenCache(ttl_s=settings.token_cache_ttl_s),
        )
        await services.processes.create_indexes()
        await services.users.create_indexes()
        await services.input_sets.create_indexes()
        yield services
    finally:
        if redis is not None:
            await redis.aclose()
        await db.close()
