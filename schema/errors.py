"""Map domain errors to GraphQL errors with stable codes; mask everything else as INTERNAL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from app.domain.errors import CadenzaError

log = logging.getLogger("cadenza.errors")

INTERNAL_MESSAGE = "Internal server error"


def request_id_of(context: object) -> str | None:
    return getattr(context, "request_id", None)


def formatted(error: GraphQLError, request_id: str | None) -> GraphQLError:
    """The error as a client should see it."""
    original = error.original_error
    if isinstance(original, CadenzaError):
        return GraphQLError(
            original.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions=original.extensions(),
        )
    if original is None or isinstance(original, GraphQLError):
        if error.extensions and "code" in error.extensions:
            return error
        # graphql-core's own: syntax, validation and variable coercion errors.
        code = "GRAPHQL_VALIDATION_FAILED" if error.path is None else "BAD_USER_INPUT"
        if error.message.startswith("Syntax Error"):
            code = "GRAPHQL_PARSE_FAILED"
        elif error.message.startswith("Variable "):
            code = "BAD_USER_INPUT"
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={**(error.extensions or {}), "code": code},
        )
    log.error(
        "unexpected error (request %s) at %s",
        request_id,
        ".".join(str(p) for p in error.path or ()) or "-",
        exc_info=original,
    )
    return GraphQLError(
        INTERNAL_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL", "requestId": request_id},
    )


class CadenzaErrors(SchemaExtension):
    """Rewrites the result's errors once the operation is done (HTTP and websockets alike)."""

    STREAM_HOOK_ERRORS_ONLY = True  # on_stream_result leaves a result without errors alone

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        request_id = request_id_of(self.execution_context.context)
        result.errors = [formatted(e, request_id) for e in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each result of a subscription, before its frame is sent."""
        if getattr(result, "errors", None):
            request_id = request_id_of(self.execution_context.context)
            result.errors = [formatted(e, request_id) for e in result.errors]
        yield None
