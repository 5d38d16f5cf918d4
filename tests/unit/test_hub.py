"""The local fan-out: bounded queues, slow subscribers dropped, nothing left behind."""

from __future__ import annotations

from datetime import UTC, datetime

from app.domain.events import ReleaseEvent, ReleaseEventType
from app.live.hub import Hub, SubscriberDropped
from app.live.messages import LiveEvent, ReleaseFacts

FACTS = ReleaseFacts(id="rel_1", name="r", status="RUNNING", process_id="prc_1")


def message(seq: int, release_id: str = "rel_1") -> LiveEvent:
    event = ReleaseEvent(
        release_id=release_id,
        seq=seq,
        at=datetime(2026, 1, 1, tzinfo=UTC),
        type=ReleaseEventType.RELEASE_UPDATED,
    )
    return LiveEvent(event=event, release=FACTS)


async def test_a_slow_subscriber_is_dropped_and_others_keep_everything() -> None:
    hub = Hub(queue_size=3)
    async with hub.subscribe(lambda m: True) as slow, hub.subscribe(lambda m: True) as quick:
        for seq in range(1, 6):
            hub.deliver(message(seq))
            got = await quick.queue.get()
            assert isinstance(got, LiveEvent)
            assert got.event.seq == seq
        ended = await slow.queue.get()
        assert isinstance(ended, SubscriberDropped)
        assert ended.code == "SLOW_SUBSCRIBER"
        assert slow.queue.empty()
        hub.deliver(message(6))  # a dropped subscriber takes nothing more
        assert slow.queue.empty()
    assert hub.subscriber_count == 0


async def test_subscribers_get_only_what_matches() -> None:
    hub = Hub()
    async with hub.subscribe(lambda m: m.event.release_id == "rel_2") as subscriber:
        hub.deliver(message(1, "rel_1"))
        hub.deliver(message(1, "rel_2"))
        got = await subscriber.queue.get()
        assert isinstance(got, LiveEvent)
        assert got.event.release_id == "rel_2"
        assert subscriber.queue.empty()


async def test_fail_all_ends_every_subscription() -> None:
    hub = Hub()
    async with hub.subscribe(lambda m: True) as one, hub.subscribe(lambda m: True) as two:
        hub.fail_all(SubscriberDropped("LIVE_EVENTS_UNAVAILABLE", "gone"))
        for subscriber in (one, two):
            ended = await subscriber.queue.get()
            assert isinstance(ended, SubscriberDropped)
