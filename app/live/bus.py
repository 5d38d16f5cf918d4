"""The event bus: Redis pub/sub between processes, fanned out locally by a `Hub`.

Each API process holds one Redis subscription, never one per websocket. Publishing happens
after the events are stored, so the store stays the truth: a message lost in an outage is
still replayed to a client that resumes with its last seq.

The same subscription carries token revocations, so every process forgets a revoked token
(and closes the websockets it opened) at once rather than when its token cache expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.domain.events import ReleaseEvent
from app.domain.release import Release
from app.live.hub import Hub, SubscriberDropped
from app.live.messages import LiveEvent, ReleaseFacts, decode, encode

log = logging.getLogger("cadenza.live")

RECONNECT_DELAYS_S = (0.1, 0.25, 0.5, 1.0, 2.0)


Revoked = Callable[[str], None]  # told the id of a revoked token


class EventBus(Protocol):
    hub: Hub

    async def publish(self, release: Release, events: Iterable[ReleaseEvent]) -> None: ...

    async def revoke(self, token_id: str) -> None: ...

    def on_revoked(self, listener: Revoked) -> None: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    @property
    def connected(self) -> bool: ...


def messages_of(release: Release, events: Iterable[ReleaseEvent]) -> list[LiveEvent]:
    facts = ReleaseFacts.of(release)
    return [LiveEvent(event=event, release=facts) for event in events]


class Revocations:
    """Who to tell when a token is revoked in any process."""

    def __init__(self) -> None:
        self._listeners: list[Revoked] = []

    def on_revoked(self, listener: Revoked) -> None:
        self._listeners.append(listener)

    def tell(self, token_id: str) -> None:
        for listener in self._listeners:
            try:
                listener(token_id)
            except Exception:  # one listener's failure must not spare the others
                log.exception("a token revocation listener failed")


class LocalBus(Revocations):
    """One process: publishing is delivering."""

    def __init__(self, queue_size: int) -> None:
        super().__init__()
        self.hub = Hub(queue_size)

    @property
    def connected(self) -> bool:
        return True

    async def publish(self, release: Release, events: Iterable[ReleaseEvent]) -> None:
        for message in messages_of(release, events):
            self.hub.deliver(message)

    async def revoke(self, token_id: str) -> None:
        self.tell(token_id)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisBus(Revocations):
    """Publishes to its channels; listens on them with one subscription per process."""

    def __init__(
        self,
        redis: Redis,
        channel: str,
        *,
        listen: bool,
        queue_size: int,
        revocations_channel: str | None = None,
    ) -> None:
        super().__init__()
        self.hub = Hub(queue_size)
        self._redis = redis
        self._channel = channel
        self._revocations_channel = revocations_channel or f"{channel}:revoked-tokens"
        self._listen = listen
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def publish(self, release: Release, events: Iterable[ReleaseEvent]) -> None:
        messages = messages_of(release, events)
        if not messages:
            return
        try:
            # One round trip for a whole write's events, in order.
            async with self._redis.pipeline(transaction=False) as pipe:
                for message in messages:
                    pipe.publish(self._channel, encode(message))
                await pipe.execute()
        except (RedisError, OSError) as error:
            # Stored already: subscribers that resume by seq will get them from the store.
            log.warning(
                "could not publish %d event(s) of %s: %s",
                len(messages),
                release.id,
                type(error).__name__,
            )

    async def revoke(self, token_id: str) -> None:
        # This process first: it must not wait for Redis, nor depend on it being up.
        self.tell(token_id)
        try:
            await self._redis.publish(self._revocations_channel, token_id)
        except (RedisError, OSError) as error:
            log.warning(
                "could not announce a token revocation (other processes forget it within "
                "their token cache's TTL): %s",
                type(error).__name__,
            )

    async def start(self) -> None:
        if self._listen and self._task is None:
            self._task = asyncio.create_task(self._run(), name="cadenza-bus")

    async def wait_connected(self, timeout_s: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), timeout_s)
        return self.connected

    async def _run(self) -> None:
        attempt = 0
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel, self._revocations_channel)
                self._connected.set()
                if attempt:
                    log.info("live events: reconnected to Redis")
                attempt = 0
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None or message["type"] != "message":
                        continue
                    if _text(message["channel"]) == self._revocations_channel:
                        self.tell(_text(message["data"]))
                    else:
                        self._deliver(message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                if self._connected.is_set():
                    log.warning("live events: lost Redis (%s); reconnecting", type(error).__name__)
                    self._connected.clear()
                    self.hub.fail_all(
                        SubscriberDropped(
                            "LIVE_EVENTS_UNAVAILABLE",
                            "live events are unavailable (Redis is unreachable); subscribe again "
                            "with afterSeq set to the last seq you received",
                        )
                    )
                await asyncio.sleep(RECONNECT_DELAYS_S[min(attempt, len(RECONNECT_DELAYS_S) - 1)])
                attempt += 1
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _deliver(self, payload: str | bytes) -> None:
        try:
            message = decode(payload)
        except ValueError:
            log.warning("live events: ignored a message that is not an event")
            return
        self.hub.deliver(message)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._connected.clear()


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
