"""Templates: text with `${...}` references, and how a value is rendered from them.

`$${` writes a literal `${` (for shell snippets and the like). The condition language lives in
`conditions`; it is re-exported here so callers find every expression tool in one place.
"""

from __future__ import annotations

import functools
import json
import re

from app.domain.conditions import Condition, ConditionError, parse_condition
from app.domain.process import JsonValue
from app.domain.references import (
    ExpressionError,
    Lookup,
    NameRef,
    OutputRef,
    PhaseVariableRef,
    Reference,
    Target,
    parse_reference,
)

__all__ = [
    "Condition",
    "ConditionError",
    "ExpressionError",
    "Lookup",
    "NameRef",
    "OutputRef",
    "PhaseVariableRef",
    "Reference",
    "Target",
    "find_references",
    "is_whole_expression",
    "parse_condition",
    "parse_template",
    "render",
    "render_value",
    "stringify",
]

_OPENING = re.compile(r"\$\$\{|\$\{")

Part = str | Reference


# Every variable of every release is rendered from a handful of templates per plan: parse
# each once. (A malformed one raises each time; lru_cache keeps no exceptions.)
@functools.lru_cache(maxsize=4096)
def parse_template(text: str) -> tuple[Part, ...]:
    """`text` split into literal strings and references; ExpressionError when malformed."""
    parts: list[Part] = []
    literal = ""
    position = 0
    for opening in _OPENING.finditer(text):
        literal += text[position : opening.start()]
        if opening.group() == "$${":
            literal += "${"
            position = opening.end()
            continue
        close = text.find("}", opening.end())
        if close == -1:
            raise ExpressionError("unclosed ${ (missing '}')", opening.start())
        inner = text[opening.end() : close]
        if "{" in inner:
            raise ExpressionError("'{' inside ${...}; expressions do not nest", opening.start())
        target = parse_reference(inner, opening.start())
        if literal:
            parts.append(literal)
            literal = ""
        parts.append(Reference(text[opening.start() : close + 1], target))
        position = close + 1
    literal += text[position:]
    if literal:
        parts.append(literal)
    return tuple(parts)


def find_references(text: str) -> list[Reference]:
    """Every `${...}` in `text`, in order; ExpressionError for a malformed one."""
    return [part for part in parse_template(text) if isinstance(part, Reference)]


def is_whole_expression(text: str) -> bool:
    """True when `text` is exactly one `${...}`, so its value keeps its JSON type."""
    try:
        parts = parse_template(text)
    except ExpressionError:
        return False
    return len(parts) == 1 and isinstance(parts[0], Reference)


def stringify(value: JsonValue) -> str:
    """How a value reads inside a longer text: strings as they are, everything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def render(text: str, lookup: Lookup) -> JsonValue:
    """`text` with every reference replaced by its value; a whole expression keeps its type."""
    parts = parse_template(text)
    if len(parts) == 1 and isinstance(parts[0], Reference):
        return lookup(parts[0])
    return "".join(part if isinstance(part, str) else stringify(lookup(part)) for part in parts)


def render_known(text: str, lookup: Lookup, unknown: type[Exception]) -> str:
    """`text` with the references `lookup` knows replaced, the others left as written."""
    rendered = []
    for part in parse_template(text):
        if isinstance(part, str):
            rendered.append(part.replace("${", "$${"))
            continue
        try:
            rendered.append(stringify(lookup(part)))
        except unknown:
            rendered.append(part.raw)
    return "".join(rendered)


def render_value(value: JsonValue, lookup: Lookup) -> JsonValue:
    """`value` with every string inside it rendered: an activity's config just before it runs."""
    if isinstance(value, str):
        return render(value, lookup)
    if isinstance(value, dict):
        return {key: render_value(inner, lookup) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [render_value(inner, lookup) for inner in value]
    return value
