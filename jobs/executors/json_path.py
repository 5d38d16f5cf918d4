"""JSON paths that name the values an activity reads out of a JSON document.

A deliberately small subset of JSONPath: object keys and list indexes, no wildcards or
filters, so a path names exactly one value or says where it stops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.json_values import type_name
from app.domain.process import JsonValue

_PATH_STEP = re.compile(
    r"""\.(?P<name>[A-Za-z0-9_-]+)
    | \[\s*(?P<index>-?\d+)\s*\]
    | \[\s*(?P<quoted>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\]""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class JsonPath:
    """A simple JSONPath: `$`, `$.a.b`, `$.items[0].id`, `$.a["weird key"]`, `$.list[-1]`."""

    text: str
    steps: tuple[tuple[str | int, str], ...]  # (key or index, as written)

    def find(self, document: JsonValue) -> tuple[bool, JsonValue, str]:
        """(found, value, why not): the value at this path, or where the path stops."""
        value, walked = document, "$"
        for step, written in self.steps:
            if isinstance(step, int) and isinstance(value, list):
                if not -len(value) <= step < len(value):
                    return False, None, f"{walked} has {len(value)} items"
                value = value[step]
            elif isinstance(step, str) and isinstance(value, dict):
                if step not in value:
                    return False, None, f"{walked} has no {written}"
                value = value[step]
            else:
                wanted = "a list" if isinstance(step, int) else "an object"
                return False, None, f"{walked} is {type_name(value)}, not {wanted}"
            walked += written
        return True, value, ""


def parse_json_path(text: str) -> JsonPath:
    """The path `text` describes; ValueError when it is not one this executor reads."""
    if not text.startswith("$"):
        raise ValueError(f"{text!r} must start with '$'")
    steps: list[tuple[str | int, str]] = []
    position = 1
    while position < len(text):
        match = _PATH_STEP.match(text, position)
        if match is None:
            raise ValueError(
                f"{text!r} is not a JSON path read here (at position {position}); "
                "use $.a.b, $.items[0] or $['some key']"
            )
        if match["name"] is not None:
            steps.append((match["name"], match.group()))
        elif match["index"] is not None:
            steps.append((int(match["index"]), match.group()))
        else:
            key = re.sub(r"\\(.)", r"\1", match["quoted"][1:-1], flags=re.DOTALL)
            steps.append((key, match.group()))
        position = match.end()
    return JsonPath(text, tuple(steps))
