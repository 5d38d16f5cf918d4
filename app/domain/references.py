"""What may stand inside `${...}`: a name, a phase's variable, or an activity's output."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from app.domain.process import JsonValue

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# Output fields come from the outside world (HTTP JSON, manual forms), so they may be list
# indexes or hyphenated keys as well as identifiers.
_FIELD = re.compile(r"[A-Za-z0-9_-]+")

_FORMS = "${name}, ${phases.<phaseKey>.<name>} or ${<phaseKey>.<activityKey>.output.<field>}"


def is_identifier(text: str) -> bool:
    """True when `text` can name an input or a variable."""
    return IDENTIFIER.fullmatch(text) is not None


def is_key(text: str) -> bool:
    """True when `text` can be a phase or activity key."""
    return KEY.fullmatch(text) is not None


class ExpressionError(ValueError):
    """A malformed `${...}` or condition; `position` is the offset in the text it came from."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at position {position})")
        self.reason = message
        self.position = position


@dataclass(frozen=True, slots=True)
class NameRef:
    """`${name}`: looked up from the innermost scope outwards."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class PhaseVariableRef:
    """`${phases.<phaseKey>.<name>}`: one phase's variable, named explicitly."""

    phase_key: str
    name: str

    def __str__(self) -> str:
        return f"phases.{self.phase_key}.{self.name}"


@dataclass(frozen=True, slots=True)
class OutputRef:
    """`${<phaseKey>.<activityKey>.output.<field>...}`: part of what an activity produced."""

    phase_key: str
    activity_key: str
    fields: tuple[str, ...]

    @property
    def producer(self) -> tuple[str, str]:
        return (self.phase_key, self.activity_key)

    def __str__(self) -> str:
        return f"{self.phase_key}.{self.activity_key}.output.{'.'.join(self.fields)}"


Target = NameRef | PhaseVariableRef | OutputRef


@dataclass(frozen=True, slots=True)
class Reference:
    """One `${...}` as written (`raw`) and what it points at (`target`)."""

    raw: str
    target: Target


Lookup = Callable[[Reference], JsonValue]


def parse_reference(inner: str, position: int = 0) -> Target:
    """What the text between `${` and `}` refers to; ExpressionError when it is malformed."""
    body = inner.strip()
    if not body:
        raise ExpressionError("empty ${}", position)
    parts = body.split(".")
    if len(parts) == 1:
        if is_identifier(body):
            return NameRef(body)
        raise ExpressionError(
            f"'{body}' is not a name: use letters, digits and '_', not starting with a digit",
            position,
        )
    if len(parts) == 3 and parts[0] == "phases":
        if is_key(parts[1]) and is_identifier(parts[2]):
            return PhaseVariableRef(parts[1], parts[2])
        raise ExpressionError(f"'${{{body}}}' is not a valid phase variable reference", position)
    if len(parts) >= 4 and parts[2] == "output":
        phase_key, activity_key, _, *fields = parts
        if is_key(phase_key) and is_key(activity_key) and all(map(_FIELD.fullmatch, fields)):
            return OutputRef(phase_key, activity_key, tuple(fields))
        raise ExpressionError(f"'${{{body}}}' is not a valid output reference", position)
    raise ExpressionError(f"'${{{body}}}' is not a reference; use {_FORMS}", position)
