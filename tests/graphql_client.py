"""`gql()`: one GraphQL call that fails the test on any error unless errors are expected."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


class GraphQLErrors(AssertionError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"unexpected GraphQL errors: {errors}")
        self.errors = errors


@dataclass
class Api:
    url: str
    token: str
    client: httpx.AsyncClient = field(repr=False)

    async def post(
        self,
        body: dict[str, Any],
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {"Accept": "application/graphql-response+json"}
        if token != "":
            sent["Authorization"] = f"Bearer {token or self.token}"
        sent.update(headers or {})
        return await self.client.post(self.url, json=body, headers=sent)

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The `data` of a successful operation; raises GraphQLErrors otherwise."""
        response = await self.post({"query": query, "variables": variables or {}}, token=token)
        body: dict[str, Any] = response.json()
        if body.get("errors"):
            raise GraphQLErrors(body["errors"])
        assert response.status_code == 200, response.text
        data: dict[str, Any] = body["data"]
        return data

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> list[dict[str, Any]]:
        """The errors of an operation that must fail."""
        response = await self.post({"query": query, "variables": variables or {}}, token=token)
        body = response.json()
        assert body.get("errors"), f"expected errors, got {body}"
        errors: list[dict[str, Any]] = body["errors"]
        return errors


def codes(errors: list[dict[str, Any]]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in errors]
