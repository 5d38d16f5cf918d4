"""Input definitions, the values given for them, and the effective values of a release."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

# `regex`, not `re`: patterns come from users, and only `regex` can stop a match that
# backtracks without end (it also defuses many such patterns by itself).
import regex

from app.domain.errors import FieldProblem
from app.domain.json_values import is_number, json_equal, type_name
from app.domain.paths import child, item
from app.domain.process import InputDefinition, InputType, JsonValue
from app.domain.references import is_identifier

MAX_PATTERN_LENGTH = 500
# Checking one value against one pattern takes microseconds; a pattern that needs more
# than this is refused for that value rather than holding the server.
PATTERN_TIMEOUT_S = 0.05

_TYPE_WORDS = {
    InputType.STRING: "a string",
    InputType.NUMBER: "a number",
    InputType.BOOLEAN: "true or false",
    InputType.LIST: "a list",
    InputType.OBJECT: "an object",
}
_SIZED = (InputType.NUMBER, InputType.STRING, InputType.LIST)


def has_type(input_type: InputType, value: JsonValue) -> bool:
    """True when `value` is of the JSON type an input of `input_type` takes."""
    if input_type is InputType.STRING:
        return isinstance(value, str)
    if input_type is InputType.NUMBER:
        return is_number(value)
    if input_type is InputType.BOOLEAN:
        return isinstance(value, bool)
    if input_type is InputType.LIST:
        return isinstance(value, list | tuple)
    return isinstance(value, dict)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> regex.Pattern[str] | None:
    if len(pattern) > MAX_PATTERN_LENGTH:
        return None
    try:
        return regex.compile(pattern)
    except regex.error:
        return None


def _pattern_mismatch(pattern_text: str, value: str) -> str | None:
    """Why `value` does not match the whole pattern, or None when it does."""
    pattern = _compiled(pattern_text)
    if pattern is None:
        return None  # refused when the process was saved; nothing to check against
    try:
        if pattern.fullmatch(value, timeout=PATTERN_TIMEOUT_S) is not None:
            return None
    except TimeoutError:
        return (
            f"could not be checked against the pattern {pattern_text!r} in time "
            "(the pattern backtracks too much: simplify it)"
        )
    return f"must match the pattern {pattern_text!r}"


def _size_words(definition: InputDefinition, bound: float) -> str:
    shown = int(bound) if float(bound).is_integer() else bound
    if definition.type is InputType.STRING:
        return f"{shown} characters"
    if definition.type is InputType.LIST:
        return f"{shown} items"
    return f"{shown}"


def check_value(definition: InputDefinition, value: JsonValue, path: str) -> list[FieldProblem]:
    """What is wrong with `value` for `definition`; None means "no value" and passes."""
    if value is None:
        return []
    if not has_type(definition.type, value):
        wanted = _TYPE_WORDS[definition.type]
        return [FieldProblem(path, f"must be {wanted}, not {type_name(value)}")]
    problems: list[FieldProblem] = []
    allowed = definition.allowed_values
    if allowed is not None and not any(json_equal(value, a) for a in allowed):
        listed = ", ".join(repr(a) for a in allowed)
        problems.append(FieldProblem(path, f"must be one of {listed}"))
    if definition.type in _SIZED:
        measure = value if definition.type is InputType.NUMBER else len(value)
        if definition.min is not None and measure < definition.min:
            at_least = _size_words(definition, definition.min)
            problems.append(FieldProblem(path, f"must be at least {at_least}"))
        if definition.max is not None and measure > definition.max:
            at_most = _size_words(definition, definition.max)
            problems.append(FieldProblem(path, f"must be at most {at_most}"))
    if definition.type is InputType.STRING and definition.pattern is not None:
        mismatch = _pattern_mismatch(definition.pattern, value)
        if mismatch is not None:
            problems.append(FieldProblem(path, mismatch))
    return problems


def check_definition(definition: InputDefinition, path: str) -> list[FieldProblem]:
    """What is wrong with one input definition on its own (names are checked together)."""
    problems: list[FieldProblem] = []
    if not is_identifier(definition.name):
        problems.append(
            FieldProblem(
                child(path, "name"),
                "must start with a letter or '_' and hold only letters, digits and '_'",
            )
        )
    constraints_ok = True
    if definition.type not in _SIZED:
        for bound in ("min", "max"):
            if getattr(definition, bound) is not None:
                constraints_ok = False
                problems.append(
                    FieldProblem(
                        child(path, bound), "applies only to NUMBER, STRING and LIST inputs"
                    )
                )
    elif definition.type is not InputType.NUMBER:
        for bound in ("min", "max"):
            limit = getattr(definition, bound)
            if limit is not None and (limit < 0 or not float(limit).is_integer()):
                constraints_ok = False
                problems.append(
                    FieldProblem(child(path, bound), "a length must be a whole number >= 0")
                )
    low, high = definition.min, definition.max
    if low is not None and high is not None and low > high:
        constraints_ok = False
        problems.append(FieldProblem(child(path, "max"), "must not be less than min"))
    if definition.pattern is not None:
        pattern_problem = _pattern_problem(definition)
        if pattern_problem:
            constraints_ok = False
            problems.append(FieldProblem(child(path, "pattern"), pattern_problem))
    if definition.allowed_values is not None:
        if not definition.allowed_values:
            problems.append(FieldProblem(child(path, "allowedValues"), "must not be empty"))
        for index, allowed in enumerate(definition.allowed_values):
            if not has_type(definition.type, allowed):
                problems.append(
                    FieldProblem(
                        item(child(path, "allowedValues"), index),
                        f"must be {_TYPE_WORDS[definition.type]}, not {type_name(allowed)}",
                    )
                )
    # A default judged by broken constraints would only repeat the problems above.
    if constraints_ok:
        problems += check_value(definition, definition.default, child(path, "default"))
    return problems


def _pattern_problem(definition: InputDefinition) -> str | None:
    pattern = definition.pattern or ""
    if definition.type is not InputType.STRING:
        return "applies only to STRING inputs"
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"must be at most {MAX_PATTERN_LENGTH} characters"
    try:
        regex.compile(pattern)
    except regex.error as error:
        return f"is not a valid regular expression: {error}"
    return None


def check_definitions(
    definitions: Sequence[InputDefinition], path_prefix: str = "inputs"
) -> list[FieldProblem]:
    """Every problem with a list of input definitions: each one, and their names together."""
    problems: list[FieldProblem] = []
    first_seen: dict[str, int] = {}
    for index, definition in enumerate(definitions):
        path = item(path_prefix, index)
        problems += check_definition(definition, path)
        if definition.name in first_seen:
            other = item(path_prefix, first_seen[definition.name])
            problems.append(
                FieldProblem(child(path, "name"), f"duplicate input {definition.name!r} ({other})")
            )
        first_seen.setdefault(definition.name, index)
    return problems


def effective_inputs(
    definitions: Sequence[InputDefinition], layers: Sequence[Mapping[str, JsonValue]]
) -> dict[str, JsonValue]:
    """Process defaults overlaid by each layer in turn (input set, then release overrides).

    A None in a layer means "not given here", so it never erases a lower layer's value.
    Names the process does not define are kept, so `check_inputs` can report them.
    """
    values: dict[str, JsonValue] = {d.name: d.default for d in definitions if d.default is not None}
    for layer in layers:
        values.update({name: value for name, value in layer.items() if value is not None})
    return values


def check_inputs(
    definitions: Sequence[InputDefinition],
    values: Mapping[str, JsonValue],
    *,
    path_prefix: str = "inputs",
    require_complete: bool,
) -> list[FieldProblem]:
    """Every problem with input values; missing required ones only when `require_complete`.

    A draft may lack values; scheduling or starting a release needs them all.
    """
    problems: list[FieldProblem] = []
    by_name = {d.name: d for d in definitions}
    for definition in definitions:
        path = child(path_prefix, definition.name)
        value = values.get(definition.name)
        if value is None:
            if require_complete and definition.required:
                problems.append(FieldProblem(path, "is required but has no value"))
            continue
        problems += check_value(definition, value, path)
    known = ", ".join(by_name) or "none"
    for name in values:
        if name not in by_name:
            problems.append(
                FieldProblem(
                    child(path_prefix, name),
                    f"is not an input of this process (its inputs: {known})",
                )
            )
    return problems
