"""The lean runner still calls every extension that implements a hook."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension

from schema.extensions_runner import LeanSchema

seen: list[str] = []


class Counts(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        return {"counted": True}

    def on_stream_result(self, result: Any) -> Iterator[None]:
        seen.append("clean" if not result.errors else "error")
        yield


class ErrorsOnly(SchemaExtension):
    STREAM_HOOK_ERRORS_ONLY = True

    def on_stream_result(self, result: Any) -> Iterator[None]:
        seen.append("errors-only saw " + ("clean" if not result.errors else "error"))
        yield


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self) -> AsyncGenerator[int, None]:
        yield 1
        raise ValueError("boom")


async def test_results_and_stream_hooks_still_reach_the_extensions() -> None:
    seen.clear()
    schema = LeanSchema(query=Query, subscription=Subscription, extensions=[Counts, ErrorsOnly])
    assert (await schema.execute("{ ok }")).extensions == {"counted": True}
    stream = await schema.subscribe("subscription { ticks }")
    results = [result async for result in stream]
    assert [r.data for r in results] == [{"ticks": 1}, None]
    assert results[1].errors
    assert seen == ["clean", "error", "errors-only saw error"]
