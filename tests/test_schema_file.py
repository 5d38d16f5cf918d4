"""`schema.graphql` is the committed API; it must match the code."""

from __future__ import annotations

from pathlib import Path

from schema.export import schema_sdl

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_schema_graphql_is_up_to_date() -> None:
    assert SCHEMA_FILE.read_text() == schema_sdl(), (
        "schema.graphql is stale: run `make schema` (python -m app export-schema)"
    )
