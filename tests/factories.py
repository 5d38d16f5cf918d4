"""Builders of test data, in the API's input shape."""

from __future__ import annotations

import uuid
from typing import Any

from tests.graphql_client import Api


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def activity(key: str, kind: str = "CHECKPOINT", **fields: Any) -> dict[str, Any]:
    return {"key": key, "name": key.replace("-", " ").title(), "kind": kind, **fields}


def phase(key: str, *activities: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"key": key, "name": key.title(), "activities": list(activities), **fields}


def process_input(**overrides: Any) -> dict[str, Any]:
    """A small valid process: build -> deploy, with the reference text's variable mapping."""
    base: dict[str, Any] = {
        "name": unique("Payments Standard"),
        "description": "Build, then deploy",
        "kind": "STANDARD",
        "tags": ["payments"],
        "inputs": [
            {"name": "releaseVersion", "type": "STRING", "required": True},
            {
                "name": "environment",
                "type": "STRING",
                "default": "QA",
                "allowedValues": ["QA", "PROD"],
            },
        ],
        "variables": [],
        "phases": [
            phase(
                "build",
                activity("compile"),
                owner="Development Team",
                variables=[{"name": "buildVersion", "value": "${releaseVersion}"}],
            ),
            phase(
                "deployment",
                activity("deploy", variables=[{"name": "artifactTag", "value": "${buildVersion}"}]),
                owner="Operations Team",
                dependsOn=["build"],
            ),
        ],
    }
    base.update(overrides)
    return base


PROCESS_FIELDS = """
  id name description kind version tags createdBy
  inputs { name type required default allowedValues min max pattern }
  variables { name value }
  phases { key name owner dependsOn variables { name value }
    activities { key name kind owner dependsOn config timeout condition
      retry { maxAttempts backoff } approvers requiredApprovals variables { name value } } }
"""

CREATE_PROCESS = f"""
mutation($input: CreateProcessInput!) {{
  createProcess(input: $input) {{ process {{ {PROCESS_FIELDS} }} }}
}}
"""


async def create_process(api: Api, token: str | None = None, **overrides: Any) -> dict[str, Any]:
    data = await api.gql(CREATE_PROCESS, {"input": process_input(**overrides)}, token=token)
    process: dict[str, Any] = data["createProcess"]["process"]
    return process


async def create_user(api: Api, role: str, teams: list[str] | None = None) -> tuple[str, str]:
    """A new user with `role`; returns (name, token)."""
    name = unique(role.lower())
    data = await api.gql(
        "mutation($input: CreateUserInput!) { createUser(input: $input) { user { name } token } }",
        {"input": {"name": name, "roles": [role], "teams": teams or []}},
    )
    return name, data["createUser"]["token"]
