"""Time, in one place, so tests and the domain never call `datetime.now()` themselves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    now = datetime.now(UTC)
    # Stored documents keep milliseconds; keeping the same precision in memory means a
    # value read back equals the value written.
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
