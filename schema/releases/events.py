"""`Release.events`: the audit trail as a connection, cursors being sequence numbers."""

from __future__ import annotations

from app.domain import release as domain
from app.domain.errors import InvalidInput
from schema.context import Info
from schema.loaders import event_pages
from schema.relay import Connection, Edge, PageInfo, decode_cursor, encode_cursor
from schema.releases.types import ReleaseEventType_


async def events_page(
    info: Info, release: domain.Release, *, first: int | None, after: str | None
) -> Connection[ReleaseEventType_]:
    services = info.context.services
    limit = services.settings.max_page_size
    size = services.settings.default_page_size if first is None else first
    if not 0 <= size <= limit:
        raise InvalidInput.single("first", f"must be between 0 and {limit}")
    after_seq = 0
    if after is not None:
        text = decode_cursor(after, "after")
        if not text.isdigit():
            raise InvalidInput.single("after", "is not a cursor returned by this API")
        after_seq = int(text)
    stored = await event_pages(info).load((release.id, after_seq, size + 1))
    # Events of the latest revision may still be in the release's outbox: show them too.
    known = {e.seq for e in stored}
    pending = [e for e in release.outbox if e.seq > after_seq and e.seq not in known]
    events = sorted([*stored, *pending], key=lambda e: e.seq)
    more = len(events) > size
    events = events[:size]
    edges = [
        Edge(cursor=encode_cursor(str(e.seq)), node=ReleaseEventType_.from_domain(e))
        for e in events
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=more,
            has_previous_page=after_seq > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=lambda: _total(release),
    )


async def _total(release: domain.Release) -> int:
    return release.event_seq  # every event of a release has a seq, counted up from 1
