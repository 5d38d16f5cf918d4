"""Process blueprints: phases of activities with dependencies, owners, gates and variables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

JsonValue = Any  # JSON-compatible: None, bool, int, float, str, list, dict


class Frozen(BaseModel):
    """Immutable domain value; changes are made with `model_copy(update=...)`."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ProcessKind(StrEnum):
    STANDARD = "STANDARD"
    HOTFIX = "HOTFIX"
    FEATURE = "FEATURE"
    SYSTEM = "SYSTEM"
    ROLLBACK = "ROLLBACK"
    CUSTOM = "CUSTOM"


class InputType(StrEnum):
    STRING = "STRING"
    NUMBER = "NUMBER"
    BOOLEAN = "BOOLEAN"
    LIST = "LIST"
    OBJECT = "OBJECT"


class ActivityKind(StrEnum):
    MANUAL = "MANUAL"
    APPROVAL = "APPROVAL"
    HTTP = "HTTP"
    WAIT = "WAIT"
    SUBPROCESS = "SUBPROCESS"
    CHECKPOINT = "CHECKPOINT"


class InputDefinition(Frozen):
    name: str
    type: InputType
    required: bool = False
    default: JsonValue = None
    description: str | None = None
    allowed_values: tuple[JsonValue, ...] | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None


class VariableDefinition(Frozen):
    name: str
    value: str  # may hold ${expressions}


class RetryPolicy(Frozen):
    max_attempts: int = 1  # counts the first attempt
    backoff: str = "0s"  # "30s", "exponential:10s"


class ActivityTemplate(Frozen):
    key: str
    name: str
    kind: ActivityKind
    owner: str | None = None
    depends_on: tuple[str, ...] = ()
    variables: tuple[VariableDefinition, ...] = ()
    config: dict[str, JsonValue] | None = None
    timeout: str | None = None
    retry: RetryPolicy | None = None
    approvers: tuple[str, ...] | None = None
    required_approvals: int | None = None
    condition: str | None = None


class PhaseTemplate(Frozen):
    key: str
    name: str
    owner: str | None = None
    depends_on: tuple[str, ...] = ()
    variables: tuple[VariableDefinition, ...] = ()
    activities: tuple[ActivityTemplate, ...] = ()


class ProcessSpec(Frozen):
    """What a user writes: the blueprint without identity or bookkeeping."""

    name: str
    description: str | None = None
    kind: ProcessKind = ProcessKind.CUSTOM
    tags: tuple[str, ...] = ()
    inputs: tuple[InputDefinition, ...] = ()
    variables: tuple[VariableDefinition, ...] = ()
    phases: tuple[PhaseTemplate, ...] = ()


class Process(ProcessSpec):
    """A stored blueprint at its current version."""

    id: str
    version: int = 1
    created_by: str
    created_at: datetime
    updated_at: datetime

    @property
    def spec(self) -> ProcessSpec:
        return ProcessSpec.model_validate(
            self.model_dump(include=set(ProcessSpec.model_fields)), strict=False
        )

    def revised(self, spec: ProcessSpec, now: datetime) -> Process:
        """The next version of this process with `spec` as its content."""
        return self.model_copy(
            update={**dict(spec), "version": self.version + 1, "updated_at": now}
        )

    def input_named(self, name: str) -> InputDefinition | None:
        return next((i for i in self.inputs if i.name == name), None)
