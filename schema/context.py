"""The typed request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import strawberry

from app.domain.accounts import User
from app.services import Services


@dataclass
class Context:
    services: Services
    user: User
    request_id: str
    loaders: dict[str, Any] = field(default_factory=dict)


Info = strawberry.Info[Context, None]
