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


RELEASE_FIELDS = """
  id name description tags version services environments status outcome cadence
  processVersion paused revision createdBy scheduledStart scheduledEnd startedAt completedAt
  inputs overrides process { id version }
  inputSet { id name }
  variables { name expression value }
  links { kind title url }
  context { purpose scope risks rollbackPlan stakeholders }
  owners { phaseKey owner }
  phases { key name owner status dependsOn variables { name expression value }
    activities { key name kind status dependsOn waitingOn variables { name expression value } } }
"""

CREATE_RELEASE = f"""
mutation($input: CreateReleaseInput!) {{
  createRelease(input: $input) {{ release {{ {RELEASE_FIELDS} }} }}
}}
"""


async def create_release(
    api: Api, process_id: str, token: str | None = None, **fields: Any
) -> dict[str, Any]:
    payload = {"processId": process_id, "name": unique("payments-v2.1.3-qa-deploy"), **fields}
    data = await api.gql(CREATE_RELEASE, {"input": payload}, token=token)
    release: dict[str, Any] = data["createRelease"]["release"]
    return release


async def release_action(
    api: Api, mutation: str, release_id: str, token: str | None = None, **fields: Any
) -> dict[str, Any]:
    """Run a release action (`startRelease`, ...) and return the release it gives back."""
    input_type = mutation[0].upper() + mutation[1:] + "Input"
    data = await api.gql(
        f"mutation($input: {input_type}!) {{ {mutation}(input: $input) "
        f"{{ release {{ {RELEASE_FIELDS} }} }} }}",
        {"input": {"id": release_id, **fields}},
        token=token,
    )
    release: dict[str, Any] = data[mutation]["release"]
    return release


GROUP_FIELDS = """
  id name description cadence rule timezone startDate endDate duration nameTemplate
  defaultInputs active autoStart services environments tags version revision
  generatedThrough process { id } inputSet { id }
  occurrenceInputs { occurrence inputs }
"""

GROUP_RELEASE_FIELDS = """
  id name status cadence scheduledStart scheduledEnd occurrence autoStart inputs
  services environments revision description group { id }
"""

CREATE_GROUP = f"""
mutation($input: CreateReleaseGroupInput!) {{
  createReleaseGroup(input: $input) {{
    releaseGroup {{ {GROUP_FIELDS} }}
    createdReleases {{ {GROUP_RELEASE_FIELDS} }}
  }}
}}
"""


async def create_release_group(
    api: Api, process_id: str, token: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A release group (weekly, two days, UTC unless `fields` say otherwise) and the
    releases it generated: `{"releaseGroup": ..., "createdReleases": [...]}`."""
    payload = {
        "name": unique("Weekly Production Release"),
        "processId": process_id,
        "cadence": "WEEKLY",
        "duration": "P2D",
        "nameTemplate": "{group} {date}",
        **fields,
    }
    data = await api.gql(CREATE_GROUP, {"input": payload}, token=token)
    created: dict[str, Any] = data["createReleaseGroup"]
    return created
