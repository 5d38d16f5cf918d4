"""The GraphQL schema: assembles the per-concept classes and the hardening extensions."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from app.settings import Settings
from schema.accounts.resolvers import AccountMutations, AccountQueries
from schema.calendar.resolvers import CalendarQueries
from schema.errors import CadenzaErrors
from schema.extensions_runner import LeanSchema
from schema.input_sets.resolvers import InputSetMutations, InputSetQueries
from schema.input_sets.types import InputSetType
from schema.node import NodeQueries
from schema.processes.resolvers import ProcessMutations, ProcessQueries
from schema.processes.types import ProcessType
from schema.release_groups.resolvers import ReleaseGroupMutations, ReleaseGroupQueries
from schema.release_groups.types import ReleaseGroupType
from schema.releases.activities import ActivityMutations, ActivityQueries
from schema.releases.mutations import ReleaseMutations
from schema.releases.queries import ReleaseQueries
from schema.releases.types import ReleaseType
from schema.shared_execution import SharedEventExecution
from schema.subscriptions import Subscription


@strawberry.type
class Query(
    NodeQueries,
    ProcessQueries,
    InputSetQueries,
    ReleaseQueries,
    ActivityQueries,
    AccountQueries,
    ReleaseGroupQueries,
    CalendarQueries,
):
    pass


@strawberry.type
class Mutation(
    ProcessMutations,
    InputSetMutations,
    ReleaseMutations,
    ActivityMutations,
    AccountMutations,
    ReleaseGroupMutations,
):
    pass


def build_schema(settings: Settings, *, caches: bool = True) -> strawberry.Schema:
    """The schema; `caches=False` leaves out the parser and validation caches (benchmarks)."""
    # The limiters' validation rules are classes made once here: the validation cache keys
    # on them, so rule classes made per request (as the limiter extensions do) would make
    # every look-up a miss.
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    schema = LeanSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[ProcessType, InputSetType, ReleaseType, ReleaseGroupType],
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=SharedEventExecution,
        extensions=[
            # Factories: each request gets fresh extension instances; the parser and
            # validation caches live at module level, shared by all of them.
            CadenzaErrors,
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            *([lambda: ParserCache(maxsize=512)] if caches else []),
            lambda: AddValidationRules(limit_rules),
            *([lambda: ValidationCache(maxsize=512)] if caches else []),
        ],
    )
    # The executor with this schema's plain leaf fields planned (schema/leaf_fields.py).
    schema.execution_context_class = SharedEventExecution.with_plans(schema._schema)
    return schema
