"""The `releases` collection: one document per release, the aggregate kept whole.

The aggregate (plan, inputs, state) is stored as JSON text and replaced whole by a
compare-and-set on `revision`; the fields that queries filter and sort on are copied
beside it. Events written with a revision wait in `outbox_json` until they are in the
`events` collection, so a change and its events land together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.domain.events import ReleaseEvent
from app.domain.group_generation import occurrence_key
from app.domain.release import Release, ReleaseOutcome, ReleaseStatus
from app.store.codec import as_utc
from app.store.collection import ASCENDING, Database, Document, Filter
from app.store.events import EventStore
from app.store.paging import Page, PageRequest, fetch_page

RELEASES = "releases"

# A release without an end is drawn this long on timelines and checked for overlaps.
DEFAULT_WINDOW = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ReleaseQuery:
    statuses: tuple[ReleaseStatus, ...] = ()
    outcomes: tuple[ReleaseOutcome, ...] = ()
    tags: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    process_id: str | None = None
    group_id: str | None = None
    group_ids: tuple[str, ...] = ()
    parent_release_id: str | None = None
    auto_start: bool | None = None
    search: str | None = None
    window_from: datetime | None = None
    window_to: datetime | None = None
    include_archived: bool = False
    exclude_ids: tuple[str, ...] = field(default=())


def window_of(release: Release) -> tuple[datetime, datetime]:
    """When a release happens: its schedule, else its run, else its creation."""
    start = release.scheduled_start or release.started_at or release.created_at
    end = release.scheduled_end or release.completed_at or start + DEFAULT_WINDOW
    return start, max(end, start)


def _occurrence_key(release: Release) -> Document:
    if release.group_id is None or release.occurrence is None:
        return {}
    return {"occurrence_key": occurrence_key(release.group_id, as_utc(release.occurrence))}


def to_document(release: Release) -> Document:
    start, end = window_of(release)
    body = release.model_dump_json(exclude={"outbox"})
    return {
        "_id": release.id,
        "name": release.name,
        "status": release.status.value,
        "outcome": None if release.outcome is None else release.outcome.value,
        "tags": list(release.tags),
        "services": list(release.services),
        "environments": list(release.environments),
        "teams": sorted({o for p in release.plan.phases if (o := release.owner_of(p))}),
        "process_id": release.process_id,
        "group_id": release.group_id,
        "parent_release_id": release.parent_release_id,
        "occurrence": release.occurrence,
        "auto_start": release.auto_start,
        "scheduled": release.scheduled_start is not None,
        **_occurrence_key(release),
        "input_set_id": release.input_set_id,
        "window_start": start,
        "window_end": end,
        # ISO text sorts like time; the id makes the key unique for keyset pagination.
        "sort_key": f"{as_utc(start).isoformat()}|{release.id}",
        "completed_at": release.completed_at,
        "archived": release.archived_at is not None,
        "revision": release.revision,
        "body_json": body,
        "outbox_json": json.dumps([e.model_dump(mode="json") for e in release.outbox]),
    }


def from_document(doc: Document) -> Release:
    release = Release.model_validate_json(doc["body_json"])
    outbox = tuple(ReleaseEvent.model_validate(e) for e in json.loads(doc["outbox_json"]))
    return release.model_copy(update={"outbox": outbox})


def filter_for(query: ReleaseQuery) -> Document:
    """A store filter from typed criteria; user text is escaped, never run as a pattern."""
    conditions: list[Filter] = []
    # The window first: it rules out most releases, and the embedded store tries the
    # conditions of an $and in order (MongoDB's planner picks its own).
    if query.window_to is not None:
        conditions.append({"window_start": {"$lt": query.window_to}})
    if query.window_from is not None:
        conditions.append({"window_end": {"$gt": query.window_from}})
    if query.statuses:
        conditions.append({"status": {"$in": [s.value for s in query.statuses]}})
    if query.outcomes:
        conditions.append({"outcome": {"$in": [o.value for o in query.outcomes]}})
    for field_name, values in (
        ("tags", query.tags),
        ("services", query.services),
        ("environments", query.environments),
        ("teams", query.teams),
    ):
        if values:
            conditions.append({field_name: {"$in": list(values)}})
    if query.process_id is not None:
        conditions.append({"process_id": query.process_id})
    if query.group_id is not None:
        conditions.append({"group_id": query.group_id})
    if query.group_ids:
        conditions.append({"group_id": {"$in": list(query.group_ids)}})
    if query.auto_start is not None:
        # Releases stored before the flag existed start by themselves.
        conditions.append({"auto_start": {"$ne": not query.auto_start}})
    if query.parent_release_id is not None:
        conditions.append({"parent_release_id": query.parent_release_id})
    if query.search:
        pattern = {"$regex": re.escape(query.search), "$options": "i"}
        conditions.append({"$or": [{"name": pattern}, {"tags": pattern}]})
    if not query.include_archived:
        conditions.append({"archived": False})
    if query.exclude_ids:
        conditions.append({"_id": {"$nin": list(query.exclude_ids)}})
    if not conditions:
        return {}
    return dict(conditions[0]) if len(conditions) == 1 else {"$and": conditions}


Publish = Callable[[Release, tuple[ReleaseEvent, ...]], Awaitable[None]]


async def _publish_nowhere(release: Release, events: tuple[ReleaseEvent, ...]) -> None:
    return None


class ReleaseStore:
    def __init__(
        self, db: Database, events: EventStore, publish: Publish = _publish_nowhere
    ) -> None:
        self._releases = db.collection(RELEASES)
        self._events = events
        # Called once the events are stored: the live bus tells subscribers.
        self._publish = publish

    async def create_indexes(self) -> None:
        for keys in (
            [("status", ASCENDING), ("sort_key", ASCENDING)],
            [("window_start", ASCENDING), ("window_end", ASCENDING)],
            [("process_id", ASCENDING)],
            [("input_set_id", ASCENDING)],
            [("parent_release_id", ASCENDING)],
            [("services", ASCENDING)],
            [("environments", ASCENDING)],
            [("teams", ASCENDING)],
            [("tags", ASCENDING)],
            [("archived", ASCENDING), ("completed_at", ASCENDING)],
            [("group_id", ASCENDING), ("window_start", ASCENDING)],
        ):
            await self._releases.create_index(keys)
        # Only generated releases have the key: a group's occurrence is generated once.
        await self._releases.create_index(
            [("occurrence_key", ASCENDING)], unique=True, sparse=True, name="occurrence_unique"
        )
        # Unique by construction (it ends with the release's id): no unique index to check.
        await self._releases.create_index([("sort_key", ASCENDING)])

    async def get(self, release_id: str) -> Release | None:
        doc = await self._releases.find_one({"_id": release_id})
        return None if doc is None else from_document(doc)

    async def get_many(self, release_ids: list[str]) -> dict[str, Release]:
        docs = await self._releases.find({"_id": {"$in": list(release_ids)}})
        return {doc["_id"]: from_document(doc) for doc in docs}

    async def insert(self, release: Release) -> None:
        await self._releases.insert_one(to_document(release))
        await self.flush_outbox(release)

    async def save(self, release: Release) -> bool:
        """Compare-and-set: write `release` only if the stored one is its predecessor."""
        saved = await self._releases.replace_one(
            {"_id": release.id, "revision": release.revision - 1}, to_document(release)
        )
        if saved:
            await self.flush_outbox(release)
        return saved

    async def flush_outbox(self, release: Release) -> None:
        """Move the outbox into `events`; safe to repeat after a crash in between."""
        if not release.outbox:
            return
        await self._events.append(release.outbox)
        await self._publish(release, release.outbox)
        await self._releases.update_one(
            {"_id": release.id, "revision": release.revision}, {"$set": {"outbox_json": "[]"}}
        )

    async def delete(self, release: Release) -> bool:
        return await self._releases.delete_one({"_id": release.id, "revision": release.revision})

    async def page(self, query: ReleaseQuery, request: PageRequest) -> Page[Release]:
        return await fetch_page(
            self._releases, filter_for(query), request, from_document, key_field="sort_key"
        )

    async def count(self, query: ReleaseQuery) -> int:
        return await self._releases.count(filter_for(query))

    async def find(self, query: ReleaseQuery, *, limit: int) -> list[Release]:
        docs = await self._releases.find(
            filter_for(query), sort=[("sort_key", ASCENDING)], limit=limit
        )
        return [from_document(d) for d in docs]

    async def with_pending_outbox(self, limit: int) -> list[Release]:
        docs = await self._releases.find({"outbox_json": {"$ne": "[]"}}, limit=limit)
        return [from_document(d) for d in docs]
