"""The `events` collection: the append-only audit trail, `(release_id, seq)` unique."""

from __future__ import annotations

from collections.abc import Iterable

from app.domain.events import ReleaseEvent, ReleaseEventType
from app.store.codec import as_utc, from_json_text, json_text
from app.store.collection import ASCENDING, Database, Document

EVENTS = "events"


def event_id(release_id: str, seq: int) -> str:
    return f"{release_id}:{seq:010d}"


def to_document(event: ReleaseEvent) -> Document:
    return {
        "_id": event_id(event.release_id, event.seq),
        "release_id": event.release_id,
        "seq": event.seq,
        "at": event.at,
        "type": event.type.value,
        "actor": event.actor,
        "phase_key": event.phase_key,
        "activity_key": event.activity_key,
        "from": event.from_,
        "to": event.to,
        "message": event.message,
        "data_json": json_text(event.data),
    }


def from_document(doc: Document) -> ReleaseEvent:
    return ReleaseEvent(
        release_id=doc["release_id"],
        seq=doc["seq"],
        at=as_utc(doc["at"]),
        type=ReleaseEventType(doc["type"]),
        actor=doc.get("actor"),
        phase_key=doc.get("phase_key"),
        activity_key=doc.get("activity_key"),
        from_=doc.get("from"),
        to=doc.get("to"),
        message=doc.get("message"),
        data=from_json_text(doc.get("data_json")),
    )


class EventStore:
    def __init__(self, db: Database) -> None:
        self._events = db.collection(EVENTS)

    async def create_indexes(self) -> None:
        # `(release_id, seq)` is unique through `_id` (see event_id); this index only orders.
        # A second unique index would make every insert check it again (a full scan on the
        # embedded store).
        await self._events.create_index([("release_id", ASCENDING), ("seq", ASCENDING)])

    async def append(self, events: Iterable[ReleaseEvent]) -> None:
        """Store events in one write; one already stored (a retried flush) is left as it is."""
        await self._events.insert_new([to_document(event) for event in events])

    async def after(
        self, release_id: str, *, after_seq: int = 0, limit: int = 100
    ) -> list[ReleaseEvent]:
        docs = await self._events.find(
            {"release_id": release_id, "seq": {"$gt": after_seq}},
            sort=[("seq", ASCENDING)],
            limit=limit,
        )
        return [from_document(d) for d in docs]

    async def after_many(
        self, release_ids: list[str], *, after_seq: int, limit: int
    ) -> dict[str, list[ReleaseEvent]]:
        """The same page of several releases' trails in one query.

        Each trail's seqs run 1, 2, 3... without gaps, so a seq range is a page.
        """
        docs = await self._events.find(
            {
                "release_id": {"$in": list(release_ids)},
                "seq": {"$gt": after_seq, "$lte": after_seq + limit},
            },
            sort=[("release_id", ASCENDING), ("seq", ASCENDING)],
        )
        pages: dict[str, list[ReleaseEvent]] = {release_id: [] for release_id in release_ids}
        for doc in docs:
            pages[doc["release_id"]].append(from_document(doc))
        return pages

    async def count(self, release_id: str) -> int:
        return await self._events.count({"release_id": release_id})
