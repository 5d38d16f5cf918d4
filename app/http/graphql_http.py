"""`/graphql` over HTTP per the GraphQL-over-HTTP spec: GET and POST, both media types.

Request errors (bad JSON, parse or validation failures, bad variables) answer without a
`data` entry, with 400 under application/graphql-response+json and 200 under
application/json, as the spec asks; a missing or bad token is 401 under both.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from app.domain.errors import CadenzaError
from app.http.graphiql import render_graphiql, wants_graphiql
from app.http.negotiation import GRAPHQL_RESPONSE, is_json_body, response_media_type
from app.services import Services
from app.usecases.accounts import authenticate
from schema.context import Context
from schema.errors import formatted

log = logging.getLogger("cadenza.http")


class RequestProblem(Exception):
    """The HTTP request itself is unusable; answered before any GraphQL runs."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str = "BAD_REQUEST",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}


@dataclass(frozen=True, slots=True)
class GraphQLParams:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None


def _json_object_or_none(value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RequestProblem(400, f"'{name}' must be a JSON object")
    return value


def params_from(data: Any) -> GraphQLParams:
    if not isinstance(data, dict):
        raise RequestProblem(400, "the request body must be a JSON object")
    query = data.get("query")
    if not isinstance(query, str) or not query.strip():
        raise RequestProblem(400, "'query' must be a non-empty string")
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestProblem(400, "'operationName' must be a string")
    _json_object_or_none(data.get("extensions"), "extensions")
    return GraphQLParams(
        query, _json_object_or_none(data.get("variables"), "variables"), operation_name
    )


async def read_params(request: Request, max_body_bytes: int) -> GraphQLParams:
    if request.method == "GET":
        args = request.query_params
        variables: Any = args.get("variables")
        if variables is not None:
            try:
                variables = json.loads(variables)
            except json.JSONDecodeError as error:
                raise RequestProblem(400, "'variables' is not valid JSON") from error
        extensions: Any = args.get("extensions")
        if extensions is not None:
            try:
                extensions = json.loads(extensions)
            except json.JSONDecodeError as error:
                raise RequestProblem(400, "'extensions' is not valid JSON") from error
        return params_from(
            {
                "query": args.get("query"),
                "variables": variables,
                "operationName": args.get("operationName"),
                "extensions": extensions,
            }
        )
    if not is_json_body(request.headers.get("content-type")):
        raise RequestProblem(
            415,
            "POST a JSON body with Content-Type: application/json",
            code="UNSUPPORTED_MEDIA_TYPE",
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_body_bytes:
        raise RequestProblem(
            413, f"the body exceeds {max_body_bytes} bytes", code="PAYLOAD_TOO_LARGE"
        )
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_body_bytes:
            raise RequestProblem(
                413, f"the body exceeds {max_body_bytes} bytes", code="PAYLOAD_TOO_LARGE"
            )
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise RequestProblem(400, "the body is not valid JSON") from error
    return params_from(data)


def _is_request_error(result: ExecutionResult) -> bool:
    """No execution happened: parse, validation or variable coercion failed."""
    if isinstance(result, PreExecutionError):
        return True
    return (
        result.data is None
        and bool(result.errors)
        and all(e.path is None for e in result.errors or ())
    )


class GraphQLHTTP:
    """The Starlette endpoint for HTTP GET/POST on `/graphql`."""

    def __init__(self, schema: strawberry.Schema) -> None:
        self.schema = schema

    def _respond(
        self,
        body: dict[str, Any],
        status: int,
        media_type: str,
        request_id: str,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return Response(
            json.dumps(body, separators=(",", ":")),
            status_code=status,
            media_type=media_type,
            headers={"X-Request-Id": request_id, **(headers or {})},
        )

    def _problem(self, problem: RequestProblem, media_type: str, request_id: str) -> Response:
        error = {"message": problem.message, "extensions": {"code": problem.code}}
        return self._respond(
            {"errors": [error]}, problem.status, media_type, request_id, problem.headers
        )

    async def handle(self, request: Request) -> Response:
        services: Services = request.app.state.services
        request_id = uuid.uuid4().hex[:16]
        if request.method not in ("GET", "POST"):
            return Response(status_code=405, headers={"Allow": "GET, POST"})
        if request.method == "GET" and wants_graphiql(request):
            return await render_graphiql(request)
        media_type = response_media_type(request.headers.get("accept"))
        if media_type is None:
            return Response(
                "Accept application/graphql-response+json or application/json",
                status_code=406,
                media_type="text/plain",
            )
        try:
            params = await read_params(request, services.settings.max_body_bytes)
            try:
                user = await authenticate(services, request.headers.get("authorization"))
            except CadenzaError as error:
                raise RequestProblem(
                    401, error.message, code=error.code, headers={"WWW-Authenticate": "Bearer"}
                ) from error
            context = Context(services=services, user=user, request_id=request_id)
            allowed = (
                {OperationType.QUERY}
                if request.method == "GET"
                else {OperationType.QUERY, OperationType.MUTATION}
            )
            try:
                result = await self.schema.execute(
                    params.query,
                    variable_values=params.variables,
                    context_value=context,
                    operation_name=params.operation_name,
                    allowed_operation_types=allowed,
                )
            except InvalidOperationTypeError as error:
                raise RequestProblem(
                    405,
                    f"{error.operation_type.value} operations need POST",
                    code="METHOD_NOT_ALLOWED",
                    headers={"Allow": "POST"},
                ) from error
            except CannotGetOperationTypeError as error:
                raise RequestProblem(
                    400,
                    error.args[0] if error.args else "unknown operation",
                    code="GRAPHQL_VALIDATION_FAILED",
                ) from error
            except MissingQueryError as error:
                raise RequestProblem(400, "'query' is missing") from error
        except RequestProblem as problem:
            return self._problem(problem, media_type, request_id)
        return self._result_response(result, media_type, request_id)

    def _result_response(
        self, result: ExecutionResult, media_type: str, request_id: str
    ) -> Response:
        body: dict[str, Any] = {}
        errors = [formatted(e, request_id) if _needs_format(e) else e for e in result.errors or ()]
        if errors:
            body["errors"] = [e.formatted for e in errors]
        if _is_request_error(result):
            status = 400 if media_type == GRAPHQL_RESPONSE else 200
            return self._respond(body, status, media_type, request_id)
        body["data"] = result.data
        if result.extensions:
            body["extensions"] = result.extensions
        return self._respond(body, 200, media_type, request_id)


def _needs_format(error: GraphQLError) -> bool:
    """Errors raised before the error extension ran (e.g. while parsing) still need codes."""
    return not (error.extensions and "code" in error.extensions)
