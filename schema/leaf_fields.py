"""Plain leaf fields completed without graphql-core's per-field machinery.

A calendar quarter is some 14,000 fields, nearly all of them attributes read off a
dataclass (`name`, `start`, `status`...). For each, graphql-core builds a resolve info,
calls strawberry's attribute resolver, checks for awaitables and walks the type wrappers
in `complete_value`: about 6 µs a field, most of a large query's cost. A field that
strawberry resolves by reading an attribute, and whose type is a scalar or enum (or a list
of them), needs none of that: read the attribute, coerce it, done.

Anything out of the ordinary (a null where none may be, a value that does not coerce, a
middleware that wraps resolvers) goes the standard way, which then reports it exactly as
before: the fast path only ever produces results the standard path would.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    is_non_null_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

Coerce = Callable[[Any], Any]

# What strawberry names the resolver of a field that only reads its attribute. Should a
# release rename it, no field is planned and every field simply goes the standard way.
BASIC_RESOLVER = "_get_basic_result"


class _Unusual(Exception):
    """The value needs the standard path (which will report it properly)."""


@dataclass(frozen=True, slots=True)
class LeafPlan:
    """How to complete one plain leaf field: its resolver, coercion and nullability."""

    read: Callable[[Any], Any]  # the attribute off the source object
    coerce: Coerce
    nullable: bool
    is_list: bool = False
    items_nullable: bool = True

    def complete(self, source: Any) -> Any:
        value = self.read(source)
        if value is None:
            if self.nullable:
                return None
            raise _Unusual
        if self.is_list:
            return self._complete_items(value)
        return self._coerced(value)

    def _coerced(self, value: Any) -> Any:
        # An exception raised here (coercion refused) also sends the field the standard way.
        if isinstance(value, Exception):
            raise _Unusual
        coerced = self.coerce(value)
        if coerced is None or coerced is Undefined:
            raise _Unusual
        return coerced

    def _complete_items(self, value: Any) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise _Unusual  # generators, async iterables: the standard path knows them
        if self.items_nullable:
            return [None if item is None else self._coerced(item) for item in value]
        return [self._coerced(item) for item in value]


def _reader(field: GraphQLField) -> Callable[[Any], Any] | None:
    """How strawberry resolves `field` when that is only reading an attribute, else None."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None  # a resolver of its own, field extensions or permissions
    resolve = field.resolve
    if resolve is None or field.args or getattr(resolve, "__name__", None) != BASIC_RESOLVER:
        return None  # strawberry does more than read the attribute (exception handlers)
    if definition.default_resolver is getattr:
        return operator.attrgetter(definition.python_name)
    return lambda source: resolve(source, None)


def leaf_plan(field: GraphQLField) -> LeafPlan | None:
    """A plan when `field` is read off its source by strawberry and is a leaf or leaf list."""
    read = _reader(field)
    if read is None:
        return None
    kind = field.type
    nullable = not is_non_null_type(kind)
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    if isinstance(kind, GraphQLScalarType | GraphQLEnumType):
        return LeafPlan(read, kind.coerce_output_value, nullable)
    if not isinstance(kind, GraphQLList):
        return None
    item = kind.of_type
    items_nullable = not isinstance(item, GraphQLNonNull)
    if isinstance(item, GraphQLNonNull):
        item = item.of_type
    if not isinstance(item, GraphQLScalarType | GraphQLEnumType):
        return None
    return LeafPlan(read, item.coerce_output_value, nullable, True, items_nullable)


def leaf_plans(schema: GraphQLSchema) -> dict[str, dict[str, LeafPlan]]:
    """Every object type's plain leaf fields, by type and field name."""
    plans: dict[str, dict[str, LeafPlan]] = {}
    for name, kind in schema.type_map.items():
        if isinstance(kind, GraphQLObjectType) and not name.startswith("__"):
            found = {f: p for f, field in kind.fields.items() if (p := leaf_plan(field))}
            if found:
                plans[name] = found
    return plans


class LeafFastPathExecution(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with plain leaf fields completed directly (see above).

    `with_plans` makes the subclass for one schema; this class itself has no plans.
    """

    leaf_plans: ClassVar[dict[str, dict[str, LeafPlan]]] = {}

    @classmethod
    def with_plans(cls, schema: GraphQLSchema) -> type[LeafFastPathExecution]:
        return type(cls.__name__, (cls,), {"leaf_plans": leaf_plans(schema)})

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        # An object whose every selected field is a plain leaf (a calendar entry, a day)
        # is a dict built in one loop; anything else goes field by field below.
        plans = self.leaf_plans.get(parent_type.name)
        if plans is not None and not self.wraps_resolvers:
            results: dict[str, Any] = {}
            try:
                for response_name, details in grouped_field_set.items():
                    plan = plans.get(details[0].node.name.value)
                    if plan is None:
                        break
                    results[response_name] = plan.complete(source_value)
                else:
                    return results
            except Exception:  # noqa: S110 (the standard path below reports it properly)
                pass
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        plans = self.leaf_plans.get(parent_type.name)
        if plans is not None and not self.wraps_resolvers:
            plan = plans.get(field_details_list[0].node.name.value)
            if plan is not None:
                try:
                    return plan.complete(source)
                except Exception:  # noqa: S110 (the standard path reports it properly)
                    pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    @functools.cached_property
    def wraps_resolvers(self) -> bool:
        """Whether a middleware (an extension's `resolve` hook) wraps every resolver."""
        manager = self.middleware_manager
        if manager is None:
            return False
        probe = _unwrapped_probe
        return manager.get_field_resolver(probe) is not probe


def _unwrapped_probe(source: Any, info: Any) -> Any:  # pragma: no cover (never called)
    return None
