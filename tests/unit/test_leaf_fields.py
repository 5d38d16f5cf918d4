"""The leaf fast path gives exactly what graphql-core's standard executor gives."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.execution import ExecutionResult

from app.settings import Settings
from schema import build_schema
from schema.leaf_fields import LeafFastPathExecution, leaf_plans


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Nobody(BasePermission):
    message = "nobody may read this"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Item:
    name: str
    colour: Colour
    at: datetime
    note: str | None
    tags: list[str]
    maybe_tags: list[str | None] | None
    secret: str = strawberry.field(permission_classes=[Nobody], default="s")

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


@dataclass
class Broken:
    """What a buggy resolver might hand back: values that do not fit the declared types."""

    name: Any
    colour: Any
    at: Any
    note: Any
    tags: Any
    maybe_tags: Any
    secret: str = "s"

    def shout(self) -> str:
        return "!"


AT = datetime(2032, 1, 2, 3, 4, 5, tzinfo=UTC)
GOOD = [
    Item(name="a", colour=Colour.RED, at=AT, note=None, tags=["x", "y"], maybe_tags=None),
    Item(name="b", colour=Colour.BLUE, at=AT, note="n", tags=[], maybe_tags=["p", None]),
]


def _bad() -> list[Broken]:
    return [  # made per query: the generator is used up by one execution
        Broken(name=None, colour=Colour.RED, at=AT, note=None, tags=["x"], maybe_tags=None),
        Broken(name="c", colour="purple", at=AT, note=1, tags=["x", None], maybe_tags=[None]),
        Broken(name="d", colour=Colour.RED, at=AT, note=None, tags=(t for t in "zz"), maybe_tags=3),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return list(GOOD)

    @strawberry.field
    def broken(self) -> list[Item | None]:
        return _bad()  # type: ignore[return-value]


QUERIES = [
    "{ items { name colour at note tags maybeTags } }",
    "{ items { __typename n: name colour ...F } } fragment F on Item { at tags }",
    "{ items { name shout note @include(if: false) tags @skip(if: true) } }",
    "{ items { name secret } }",
    "{ broken { name } }",
    "{ broken { colour note } }",
    "{ broken { tags maybeTags } }",
    "{ broken { name colour at note tags maybeTags shout } }",
]


def _both() -> tuple[strawberry.Schema, strawberry.Schema]:
    standard = strawberry.Schema(
        query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext
    )
    fast = strawberry.Schema(query=Query)
    fast.execution_context_class = LeafFastPathExecution.with_plans(fast._schema)
    return standard, fast


def _comparable(result: ExecutionResult) -> tuple[Any, list[tuple[str, Any]]]:
    errors = [(e.message, e.path) for e in result.errors or []]
    return result.data, sorted(errors, key=str)


@pytest.mark.parametrize("query", QUERIES)
def test_the_fast_path_matches_the_standard_executor(query: str) -> None:
    standard, fast = _both()
    expected = standard.execute_sync(query)
    assert _comparable(fast.execute_sync(query)) == _comparable(expected)


def test_only_attribute_leaves_are_planned() -> None:
    _, fast = _both()
    plans = leaf_plans(fast._schema)["Item"]
    # `shout` has a resolver, `secret` a permission class: both go the standard way.
    assert set(plans) == {"name", "colour", "at", "note", "tags", "maybeTags"}
    assert "Query" not in leaf_plans(fast._schema)


def test_the_served_schema_plans_its_calendar_entries() -> None:
    # Should strawberry change how it resolves plain fields, this says the fast path is off.
    executor = build_schema(Settings()).execution_context_class
    assert isinstance(executor, type)
    assert issubclass(executor, LeafFastPathExecution)
    plans = cast(type[LeafFastPathExecution], executor).leaf_plans["CalendarEntry"]
    assert {"name", "start", "end", "status", "color", "conflicting"} <= set(plans)
    assert "release" not in plans


def test_an_extension_that_wraps_resolvers_still_sees_every_leaf() -> None:
    resolved: list[str] = []

    class Counting(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            resolved.append(info.field_name)
            return _next(root, info, *args, **kwargs)

    schema = strawberry.Schema(query=Query, extensions=[Counting])
    schema.execution_context_class = LeafFastPathExecution.with_plans(schema._schema)
    result = schema.execute_sync("{ items { name tags } }")
    assert result.data == {"items": [{"name": "a", "tags": ["x", "y"]}, {"name": "b", "tags": []}]}
    assert resolved.count("name") == 2
    assert resolved.count("tags") == 2
