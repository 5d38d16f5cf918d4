"""The GraphQL schema: assembles the per-concept classes and the hardening extensions."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from app.settings import Settings
from schema.accounts.resolvers import AccountMutations, AccountQueries
from schema.errors import CadenzaErrors
from schema.input_sets.resolvers import InputSetMutations, InputSetQueries
from schema.input_sets.types import InputSetType
from schema.node import NodeQueries
from schema.processes.resolvers import ProcessMutations, ProcessQueries
from schema.processes.types import ProcessType


@strawberry.type
class Query(NodeQueries, ProcessQueries, InputSetQueries, AccountQueries):
    pass


@strawberry.type
class Mutation(ProcessMutations, InputSetMutations, AccountMutations):
    pass


def build_schema(settings: Settings, *, caches: bool = True) -> strawberry.Schema:
    """The schema; `caches=False` leaves out the parser and validation caches (benchmarks)."""
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[ProcessType, InputSetType],
        config=StrawberryConfig(auto_camel_case=True),
        extensions=[
            # Factories: each request gets fresh extension instances; the parser and
            # validation caches live at module level, shared by all of them.
            CadenzaErrors,
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            *([lambda: ParserCache(maxsize=512)] if caches else []),
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            *([lambda: ValidationCache(maxsize=512)] if caches else []),
        ],
    )
