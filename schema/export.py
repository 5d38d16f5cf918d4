"""The schema as SDL, as committed in `schema.graphql`."""

from __future__ import annotations

from app.settings import Settings
from schema import build_schema


def schema_sdl(settings: Settings | None = None) -> str:
    return build_schema(settings or Settings()).as_str() + "\n"
