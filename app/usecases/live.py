"""Live subscriptions as use cases: replay stored events, then stream, with no gap or repeat.

Subscribing to the bus happens before anything is read from the store, so an event stored
while the replay runs is either in the replay or in the stream (and repeats are dropped by
seq); a gap in the stream is filled from the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from app.domain.accounts import User
from app.domain.errors import CadenzaError
from app.domain.events import ReleaseEvent, ReleaseEventType
from app.domain.pending import PendingAction, pending_for
from app.domain.release import Release
from app.live.hub import Subscriber, SubscriberDropped
from app.live.messages import LiveEvent, ReleaseFacts
from app.services import Services
from app.usecases.pending import pending_actions
from app.usecases.releases import get_release_or_raise

REPLAY_PAGE = 500
RELEASE_LEVEL = frozenset(t for t in ReleaseEventType if t.value.startswith("RELEASE_"))


class LiveEnded(CadenzaError):
    """The server ended a subscription; the client resumes with `afterSeq`."""

    def __init__(self, code: str, reason: str, last_seq: int | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.last_seq = last_seq

    def extensions(self) -> dict[str, object]:
        found: dict[str, object] = {"code": self.code}
        if self.last_seq is not None:
            found["resumeAfterSeq"] = self.last_seq
        return found


def _require_bus(services: Services) -> None:
    if not services.bus.connected:
        raise LiveEnded(
            "LIVE_EVENTS_UNAVAILABLE",
            "live events are unavailable right now (Redis is unreachable); queries and "
            "mutations still work — subscribe again shortly",
        )


async def _next(subscriber: Subscriber, last_seq: int | None = None) -> LiveEvent:
    item = await subscriber.queue.get()
    if isinstance(item, SubscriberDropped):
        raise LiveEnded(item.code, item.reason, last_seq)
    return item


async def release_events(
    services: Services, *, release_id: str, after_seq: int | None
) -> AsyncIterator[ReleaseEvent]:
    """Stored events after `after_seq` (if given), then live ones, each exactly once, in order."""
    _require_bus(services)
    hub = services.bus.hub
    async with hub.subscribe(lambda m: m.event.release_id == release_id) as subscriber:
        await get_release_or_raise(services, release_id)
        if after_seq is None:
            last = await services.events.count(release_id)  # seqs run 1..n without gaps
        else:
            last = max(after_seq, 0)
            while True:
                page = await services.events.after(release_id, after_seq=last, limit=REPLAY_PAGE)
                for event in page:
                    yield event
                    last = event.seq
                if len(page) < REPLAY_PAGE:
                    break
        while True:
            message = await _next(subscriber, last)
            seq = message.event.seq
            if seq <= last:
                continue  # already sent (replayed, or published twice by a retried flush)
            if seq > last + 1:
                for event in await services.events.after(
                    release_id, after_seq=last, limit=seq - last - 1
                ):
                    yield event
                    last = event.seq
            yield message.event
            last = seq


async def release_updates(services: Services, *, release_id: str) -> AsyncIterator[Release]:
    """The whole release after each change (changes that arrive together are sent once)."""
    _require_bus(services)
    async with services.bus.hub.subscribe(lambda m: m.event.release_id == release_id) as subscriber:
        release = await get_release_or_raise(services, release_id)
        sent = release.revision
        while True:
            await _next(subscriber)
            while not subscriber.queue.empty():
                await _next(subscriber)
            release = await get_release_or_raise(services, release_id)
            if release.revision != sent:
                sent = release.revision
                yield release


@dataclass(frozen=True, slots=True)
class ReleaseFilterFacts:
    """A `releasesChanged` filter, matched against the facts that travel with each event."""

    statuses: frozenset[str] = frozenset()
    outcomes: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    environments: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    process_id: str | None = None
    group_id: str | None = None
    search: str | None = None

    def matches(self, facts: ReleaseFacts) -> bool:
        checks: list[tuple[frozenset[str], tuple[str, ...]]] = [
            (self.statuses, (facts.status,)),
            (self.outcomes, (facts.outcome,) if facts.outcome else ()),
            (self.tags, facts.tags),
            (self.services, facts.services),
            (self.environments, facts.environments),
            (self.teams, facts.teams),
        ]
        if any(wanted and not wanted.intersection(have) for wanted, have in checks):
            return False
        if self.process_id is not None and facts.process_id != self.process_id:
            return False
        if self.group_id is not None and facts.group_id != self.group_id:
            return False
        if self.search:
            needle = self.search.casefold()
            haystack = [facts.name, *facts.tags]
            return any(needle in text.casefold() for text in haystack)
        return True


async def releases_changed(
    services: Services, *, wanted: ReleaseFilterFacts
) -> AsyncIterator[ReleaseEvent]:
    """Status changes of every release that matches the filter, as they happen."""
    _require_bus(services)

    def match(message: LiveEvent) -> bool:
        return message.event.type in RELEASE_LEVEL and wanted.matches(message.release)

    async with services.bus.hub.subscribe(match) as subscriber:
        while True:
            yield (await _next(subscriber)).event


@dataclass(frozen=True, slots=True)
class PendingChange:
    action: PendingAction
    active: bool  # False: it went away (done by someone, or the release moved on)


def _key(action: PendingAction) -> tuple[str, str, str]:
    return (action.release.id, action.activity_key, action.kind.value)


async def pending_changes(services: Services, *, user: User) -> AsyncIterator[PendingChange]:
    """The caller's pending actions now, then each one that appears or goes away."""
    _require_bus(services)
    watched = {
        ReleaseEventType.ACTIVITY_STATUS_CHANGED,
        ReleaseEventType.ACTIVITY_APPROVED,
        ReleaseEventType.ACTIVITY_REJECTED,
        *RELEASE_LEVEL,
    }

    def relevant(message: LiveEvent) -> bool:
        return message.event.type in watched

    async with services.bus.hub.subscribe(relevant) as subscriber:
        known: dict[tuple[str, str, str], PendingAction] = {}
        for action in await pending_actions(services, user=user):
            known[_key(action)] = action
            yield PendingChange(action, active=True)
        while True:
            changed = {(await _next(subscriber)).event.release_id}
            while not subscriber.queue.empty():
                changed.add((await _next(subscriber)).event.release_id)
            for release_id in sorted(changed):
                release = await services.releases.get(release_id)
                now = {} if release is None else {_key(a): a for a in pending_for(release, user)}
                before = {k: a for k, a in known.items() if k[0] == release_id}
                for key in before.keys() - now.keys():
                    yield PendingChange(known.pop(key), active=False)
                for key in now.keys() - before.keys():
                    known[key] = now[key]
                    yield PendingChange(now[key], active=True)
