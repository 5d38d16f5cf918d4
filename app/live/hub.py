"""The local fan-out: every subscriber of this process gets its own bounded queue.

A subscriber that falls behind is dropped, not waited for: one slow or vanished client
never slows the others or grows memory without bound. It is told the last seq it saw, so
it can resume with `afterSeq` and miss nothing (stored events are replayed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from app.live.messages import LiveEvent

DEFAULT_QUEUE_SIZE = 1000

Match = Callable[[LiveEvent], bool]


class SubscriberDropped(Exception):
    """The subscription ended on the server's side; `reason` says why, `code` what to do."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(eq=False)
class Subscriber:
    match: Match
    queue: asyncio.Queue[LiveEvent | SubscriberDropped] = field(
        default_factory=lambda: asyncio.Queue(DEFAULT_QUEUE_SIZE)
    )
    dropped: bool = False

    def offer(self, message: LiveEvent | SubscriberDropped) -> bool:
        """Queue without waiting; False when the subscriber cannot keep up."""
        if self.dropped:
            return True
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            return False
        return True

    def drop(self, error: SubscriberDropped) -> None:
        """End the subscription with `error`, even when its queue is full."""
        if self.dropped:
            return
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(error)
        self.dropped = True


class Hub:
    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._subscribers: set[Subscriber] = set()
        self._queue_size = queue_size
        self.slow_dropped = 0  # since start: how often a subscriber could not keep up

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def deliver(self, message: LiveEvent) -> None:
        for subscriber in list(self._subscribers):
            if subscriber.match(message) and not subscriber.offer(message):
                self.slow_dropped += 1
                subscriber.drop(
                    SubscriberDropped(
                        "SLOW_SUBSCRIBER",
                        "too slow to keep up: subscribe again with afterSeq set to the last seq "
                        "you got, and stored events will be replayed",
                    )
                )

    def fail_all(self, error: SubscriberDropped) -> None:
        """Every subscription ends with `error` (the bus lost its connection)."""
        for subscriber in list(self._subscribers):
            subscriber.drop(error)

    def subscribe(self, match: Match) -> Subscription:
        """`async with hub.subscribe(match) as subscriber:` receives until the block ends."""
        return Subscription(self._subscribers, Subscriber(match, asyncio.Queue(self._queue_size)))


class Subscription:
    """Membership of the hub for one `async with` block.

    A class, not a generator: when the generator of a subscription that was never closed
    is finalized by the garbage collector, a generator-based context manager inside it may
    be finalized first and then refuse to exit; this one always leaves the hub.
    """

    def __init__(self, members: set[Subscriber], subscriber: Subscriber) -> None:
        self._members = members
        self._subscriber = subscriber

    async def __aenter__(self) -> Subscriber:
        self._members.add(self._subscriber)
        return self._subscriber

    async def __aexit__(self, *exc_info: object) -> None:
        self._members.discard(self._subscriber)
