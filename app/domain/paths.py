"""Field paths in problems, spelled the way GraphQL clients wrote the input."""

from __future__ import annotations

import json
import re

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def child(base: str, key: str) -> str:
    """The path of `key` inside `base`: `config.url`, or `config.headers["X Y"]` for odd keys."""
    step = f".{key}" if _PLAIN_KEY.fullmatch(key) else f"[{json.dumps(key)}]"
    return f"{base}{step}" if base else step.lstrip(".")


def item(base: str, index: int) -> str:
    """The path of the `index`th element of the list at `base`: `phases[0]`."""
    return f"{base}[{index}]"
