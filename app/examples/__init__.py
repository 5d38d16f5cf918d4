"""The reference text's example processes, as `createProcess` inputs, and ways to load them."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from pathlib import Path
from typing import Any

import strawberry

from app.domain.accounts import User
from app.services import Services
from schema.context import Context

EXAMPLES_DIR = Path(__file__).resolve().parent

CREATE_PROCESS = """
mutation CreateExample($input: CreateProcessInput!) {
  createProcess(input: $input) { process { id name version } }
}
"""


def example_inputs() -> list[dict[str, Any]]:
    """Every example, in file-name order, as the `input` of `createProcess`."""
    return [json.loads(path.read_text()) for path in sorted(EXAMPLES_DIR.glob("*.json"))]


def _outcome(name: str, result: dict[str, Any]) -> str:
    errors = result.get("errors") or []
    if not errors:
        process = result["data"]["createProcess"]["process"]
        return f"created {name} ({process['id']})"
    if errors[0].get("extensions", {}).get("code") == "CONFLICT":
        return f"exists  {name}"
    raise RuntimeError(f"{name}: {errors[0].get('message')}")


async def seed_in_process(schema: strawberry.Schema, services: Services, actor: User) -> list[str]:
    """Create the examples through the schema itself, skipping names that exist."""
    lines = []
    for example in example_inputs():
        result = await schema.execute(
            CREATE_PROCESS,
            variable_values={"input": example},
            context_value=Context(services=services, user=actor, request_id="seed"),
        )
        formatted: dict[str, Any] = {
            "data": result.data,
            "errors": [e.formatted for e in result.errors or ()],
        }
        lines.append(_outcome(example["name"], formatted))
    return lines


def _post(url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - the operator chooses the URL
        url,
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        result: dict[str, Any] = json.loads(response.read())
        return result


async def seed_over_http(url: str, token: str) -> list[str]:
    """Create the examples on a running server through its GraphQL API."""
    lines = []
    for example in example_inputs():
        body = {"query": CREATE_PROCESS, "variables": {"input": example}}
        result = await asyncio.to_thread(_post, url, token, body)
        lines.append(_outcome(example["name"], result))
    return lines
