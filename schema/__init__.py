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
from schema.node import NodeQueries
from schema.processes.resolvers import ProcessMutations, ProcessQueries
from schema.processes.types import ProcessType


@strawberry.type
class Query(NodeQueries, ProcessQueries, AccountQueries):
    pass


@strawberry.type
class Mutation(ProcessMutations, AccountMutations):
    pass


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[ProcessType],
        config=StrawberryConfig(auto_camel_case=True),
        extensions=[
            # Factories: each request gets fresh extension instances; the parser and
            # validation caches live at module level, shared by all of them.
            CadenzaErrors,
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            lambda: ParserCache(maxsize=512),
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: ValidationCache(maxsize=512),
        ],
    )
