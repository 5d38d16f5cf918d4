"""Small facts about JSON values that Python's own types blur (True == 1, for one)."""

from __future__ import annotations

import math
from typing import TypeGuard

from app.domain.process import JsonValue


def is_number(value: JsonValue) -> TypeGuard[int | float]:
    """True for a finite int or float; bools are not numbers here, unlike in Python."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def type_name(value: JsonValue) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def json_equal(left: JsonValue, right: JsonValue) -> bool:
    """Equality as JSON sees it: `true` is not `1`, but `1` is `1.0`."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if is_number(left) and is_number(right):
        return bool(left == right)
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(map(json_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and bool(left == right)


def truthy(value: JsonValue) -> bool:
    """Whether a value counts as true in a condition: null, false, 0, "" and empty are false."""
    return bool(value)
