"""Shared encoding rules between domain values and stored documents.

Free-form JSON that users supply (input values, activity config) is stored as JSON text,
not as nested BSON: a user's `{"$gt": ""}` or `{"a.b": 1}` is then data, never an
operator or a path, and numbers keep their exact JSON type on every backend.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def from_json_text(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def as_utc(value: datetime) -> datetime:
    """Datetimes come back naive from some backends; they are always stored in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def stored_time(value: datetime) -> datetime:
    """BSON keeps milliseconds; truncate first so what we return equals what we re-read."""
    value = as_utc(value)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)
