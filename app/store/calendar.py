"""Calendar reads of the `releases` collection: the fields it draws, without the aggregate.

A quarter can hold thousands of releases; each stored document already carries what the
calendar needs beside the aggregate's JSON, so the read leaves the aggregate out (most of
a document's bytes) and the whole release is fetched only for entries a client asks about.
"""

from __future__ import annotations

from app.domain.calendar import CalendarItem
from app.domain.release import ReleaseOutcome, ReleaseStatus
from app.store.codec import as_utc
from app.store.collection import ASCENDING, Database, Document
from app.store.releases import RELEASES, ReleaseQuery, filter_for

# The aggregate and its pending events: large, and not drawn on a calendar.
LEFT_OUT = ("body_json", "outbox_json")


def calendar_item(doc: Document) -> CalendarItem:
    """A stored release as the calendar draws it (the document without its aggregate)."""
    occurrence = doc.get("occurrence")
    return CalendarItem(
        id=doc["_id"],
        name=doc["name"],
        status=ReleaseStatus(doc["status"]),
        outcome=None if doc.get("outcome") is None else ReleaseOutcome(doc["outcome"]),
        start=as_utc(doc["window_start"]),
        end=as_utc(doc["window_end"]),
        services=tuple(doc.get("services", ())),
        environments=tuple(doc.get("environments", ())),
        tags=tuple(doc.get("tags", ())),
        teams=tuple(doc.get("teams", ())),
        group_id=doc.get("group_id"),
        occurrence=None if occurrence is None else as_utc(occurrence),
    )


async def calendar_items(
    db: Database, query: ReleaseQuery, *, limit: int
) -> tuple[list[CalendarItem], bool]:
    """Releases matching `query` in start order, at most `limit`, and whether more match.

    A DRAFT without a scheduled start is not planned for any time, so it is left out.
    """
    docs = await db.collection(RELEASES).find(
        filter_for(query), sort=[("sort_key", ASCENDING)], limit=limit + 1, exclude=LEFT_OUT
    )
    items = [
        calendar_item(doc)
        for doc in docs[:limit]
        if doc["status"] != ReleaseStatus.DRAFT.value or doc.get("scheduled", True)
    ]
    return items, len(docs) > limit
