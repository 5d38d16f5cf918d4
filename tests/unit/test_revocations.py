"""Token revocations reach every listener of the process, even when one of them fails."""

from __future__ import annotations

from app.live.bus import LocalBus


async def test_every_listener_hears_of_a_revocation_even_past_a_failing_one() -> None:
    bus = LocalBus(queue_size=10)
    heard: list[str] = []

    def broken(token_id: str) -> None:
        raise RuntimeError("listener bug")

    bus.on_revoked(broken)
    bus.on_revoked(heard.append)
    await bus.revoke("tok_1")
    assert heard == ["tok_1"]
