"""GraphQL input types of process blueprints, mirroring the output types field by field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry

from schema.enums import ActivityKind, InputType, ProcessKind
from schema.scalars import JSON


@strawberry.input
class InputDefinitionInput:
    name: str
    type: InputType
    required: bool = False
    default: JSON | None = None
    description: str | None = None
    allowed_values: list[JSON] | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None

    def to_domain(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "default": self.default,
            "description": self.description,
            "allowed_values": self.allowed_values,
            "min": self.min,
            "max": self.max,
            "pattern": self.pattern,
        }


@strawberry.input
class VariableDefinitionInput:
    name: str
    value: str

    def to_domain(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value}


@strawberry.input
class RetryPolicyInput:
    max_attempts: int = 1
    backoff: str = "0s"


@strawberry.input
class ActivityTemplateInput:
    key: str
    name: str
    kind: ActivityKind
    owner: str | None = None
    depends_on: list[str] = strawberry.field(default_factory=list)
    variables: list[VariableDefinitionInput] = strawberry.field(default_factory=list)
    config: JSON | None = None
    timeout: str | None = None
    retry: RetryPolicyInput | None = None
    approvers: list[str] | None = None
    required_approvals: int | None = None
    condition: str | None = None

    def to_domain(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "owner": self.owner,
            "depends_on": self.depends_on,
            "variables": [v.to_domain() for v in self.variables],
            "config": self.config,
            "timeout": self.timeout,
            "retry": None
            if self.retry is None
            else {"max_attempts": self.retry.max_attempts, "backoff": self.retry.backoff},
            "approvers": self.approvers,
            "required_approvals": self.required_approvals,
            "condition": self.condition,
        }


@strawberry.input
class PhaseTemplateInput:
    key: str
    name: str
    owner: str | None = None
    depends_on: list[str] = strawberry.field(default_factory=list)
    variables: list[VariableDefinitionInput] = strawberry.field(default_factory=list)
    activities: list[ActivityTemplateInput] = strawberry.field(default_factory=list)

    def to_domain(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "owner": self.owner,
            "depends_on": self.depends_on,
            "variables": [v.to_domain() for v in self.variables],
            "activities": [a.to_domain() for a in self.activities],
        }


def _spec_fields(source: Any, *, only_set: bool) -> dict[str, Any]:
    """Domain field values of a create/update input; `only_set` skips omitted fields."""
    converters: dict[str, Callable[[Any], Any]] = {
        "name": lambda v: v,
        "description": lambda v: v,
        "kind": lambda v: v,
        "tags": list,
        "inputs": lambda v: [i.to_domain() for i in v],
        "variables": lambda v: [i.to_domain() for i in v],
        "phases": lambda v: [i.to_domain() for i in v],
    }
    fields: dict[str, Any] = {}
    for name, convert in converters.items():
        value = getattr(source, name)
        if only_set and value is strawberry.UNSET:
            continue
        if only_set and value is None and name != "description":
            continue  # null for a required list means "leave as is"
        fields[name] = convert(value)
    return fields


@strawberry.input
class CreateProcessInput:
    name: str
    description: str | None = None
    kind: ProcessKind = ProcessKind.CUSTOM
    tags: list[str] = strawberry.field(default_factory=list)
    inputs: list[InputDefinitionInput] = strawberry.field(default_factory=list)
    variables: list[VariableDefinitionInput] = strawberry.field(default_factory=list)
    phases: list[PhaseTemplateInput] = strawberry.field(default_factory=list)

    def to_domain(self) -> dict[str, Any]:
        return _spec_fields(self, only_set=False)


@strawberry.input
class UpdateProcessInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=None, description="Fail with CONFLICT when the process is no longer at it."
    )
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    kind: ProcessKind | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    inputs: list[InputDefinitionInput] | None = strawberry.UNSET
    variables: list[VariableDefinitionInput] | None = strawberry.UNSET
    phases: list[PhaseTemplateInput] | None = strawberry.UNSET

    def changes(self) -> dict[str, Any]:
        return _spec_fields(self, only_set=True)


@strawberry.input
class DeleteProcessInput:
    id: strawberry.ID
