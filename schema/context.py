"""The typed request context every resolver receives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import strawberry

from app.domain.accounts import User
from app.services import Services

L = TypeVar("L")


@dataclass
class Context:
    services: Services
    user: User
    request_id: str
    loaders: dict[str, Any] = field(default_factory=dict)
    # Set on websocket connections: ends the whole connection with a close code and reason.
    close_connection: Callable[[int, str], Awaitable[None]] | None = None

    def loader(self, name: str, factory: Callable[[Services], L]) -> L:
        """This request's loader called `name`, made on first use (never shared)."""
        if name not in self.loaders:
            self.loaders[name] = factory(self.services)
        found: L = self.loaders[name]
        return found


Info = strawberry.Info[Context, None]
