"""Domain enums registered as GraphQL enums under their API names.

Registering the domain classes themselves (rather than copies) lets fields be annotated
with the domain type, which mypy and Strawberry both understand.
"""

from __future__ import annotations

import strawberry

from app.domain.accounts import Role
from app.domain.process import ActivityKind, InputType, ProcessKind

for enum_class in (ProcessKind, InputType, ActivityKind, Role):
    strawberry.enum(enum_class)

__all__ = ["ActivityKind", "InputType", "ProcessKind", "Role"]
