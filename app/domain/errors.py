"""One error hierarchy with stable codes; the GraphQL layer maps them to `extensions.code`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with an input: where (a dotted path) and why."""

    path: str
    message: str


class CadenzaError(Exception):
    """Base of every error a user may see, with a stable machine-readable code."""

    code = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def extensions(self) -> dict[str, object]:
        return {"code": self.code}


class Unauthenticated(CadenzaError):
    code = "UNAUTHENTICATED"


class Forbidden(CadenzaError):
    code = "FORBIDDEN"


class NotFound(CadenzaError):
    code = "NOT_FOUND"

    def __init__(self, kind: str, id_: str) -> None:
        super().__init__(f"{kind} {id_!r} does not exist")
        self.kind = kind
        self.id = id_


class InvalidInput(CadenzaError):
    """Bad user input; carries every problem found, not just the first."""

    code = "BAD_USER_INPUT"

    def __init__(self, problems: Iterable[FieldProblem], message: str | None = None) -> None:
        self.problems = tuple(problems)
        if message is None:
            first = self.problems[0] if self.problems else None
            message = f"{first.path}: {first.message}" if first else "invalid input"
            if len(self.problems) > 1:
                message += f" (and {len(self.problems) - 1} more problem(s))"
        super().__init__(message)

    @classmethod
    def single(cls, path: str, message: str) -> InvalidInput:
        return cls([FieldProblem(path, message)])

    def extensions(self) -> dict[str, object]:
        return {
            "code": self.code,
            "fields": [{"path": p.path, "message": p.message} for p in self.problems],
        }


class InvalidTransition(CadenzaError):
    code = "INVALID_TRANSITION"

    def __init__(self, current: str, action: str, reason: str | None = None) -> None:
        message = f"cannot {action} a release that is {current}"
        if reason:
            message += f": {reason}"
        super().__init__(message)
        self.current = current
        self.action = action

    def extensions(self) -> dict[str, object]:
        return {"code": self.code, "from": self.current, "action": self.action}


class Conflict(CadenzaError):
    """A stale revision, a duplicate name, or an object still in use."""

    code = "CONFLICT"
