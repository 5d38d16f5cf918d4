"""`Release.events`: the audit trail as a connection, cursors being sequence numbers."""

from __future__ import annotations

from app.domain import release as domain
from app.domain.errors import InvalidInput
from schema.context import Info
from schema.loaders import event_pages
from schema.relay import Connection, Edge, PageInfo, decode_cursor, encode_cursor
from schema.releases.event_type import ReleaseEventType_


def _seq_of(cursor: str, argument: str) -> int:
    text = decode_cursor(cursor, argument)
    if not text.isdigit():
        raise InvalidInput.single(argument, "is not a cursor returned by this API")
    return int(text)


def _window(
    release: domain.Release,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    default_size: int,
    limit: int,
) -> tuple[int, int]:
    """The page as (after this seq, this many): seqs run 1..n without gaps, so a page
    counted back from `before` is also a page forward from a seq."""
    backward = last is not None or before is not None
    if backward and (first is not None or after is not None):
        raise InvalidInput.single("last", "give first/after or last/before, not both")
    wanted = last if backward else first
    size = default_size if wanted is None else wanted
    if not 0 <= size <= limit:
        raise InvalidInput.single("last" if backward else "first", f"must be between 0 and {limit}")
    if not backward:
        return (0 if after is None else _seq_of(after, "after")), size
    upper = (
        release.event_seq
        if before is None
        else min(_seq_of(before, "before") - 1, release.event_seq)
    )
    after_seq = max(0, upper - size)
    return after_seq, max(0, upper - after_seq)


async def events_page(
    info: Info,
    release: domain.Release,
    *,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[ReleaseEventType_]:
    services = info.context.services
    after_seq, size = _window(
        release,
        first=first,
        after=after,
        last=last,
        before=before,
        default_size=services.settings.default_page_size,
        limit=services.settings.max_page_size,
    )
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
