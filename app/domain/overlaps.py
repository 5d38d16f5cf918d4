"""When two releases collide: overlapping windows that share a service or an environment.

One definition for the review before execution and for the calendar. Windows are
half-open (`[start, end)`), so a release that ends when the next one starts does not
overlap it. Names compare without regard to case ("PROD" and "prod" are one environment).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


def windows_overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """True when the half-open windows `[a_start, a_end)` and `[b_start, b_end)` meet."""
    return a_start < b_end and b_start < a_end


def shared_names(mine: Iterable[str], theirs: Iterable[str]) -> list[str]:
    """The names of `mine` that `theirs` holds too, compared without case, in `mine`'s order."""
    their_names = {name.casefold() for name in theirs}
    return [name for name in mine if name.casefold() in their_names]


@dataclass(frozen=True, slots=True)
class SharedResources:
    """What two releases both touch."""

    services: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.services or self.environments)

    def reasons(self) -> list[str]:
        """One line per shared resource, e.g. `shared service payments`."""
        return [f"shared service {name}" for name in self.services] + [
            f"shared environment {name}" for name in self.environments
        ]

    def describe(self) -> str:
        """`services a, b and environments PROD`, or an empty string when nothing is shared."""
        parts = []
        if self.services:
            parts.append(f"services {', '.join(self.services)}")
        if self.environments:
            parts.append(f"environments {', '.join(self.environments)}")
        return " and ".join(parts)


def shared_resources(
    services: Iterable[str],
    environments: Iterable[str],
    other_services: Iterable[str],
    other_environments: Iterable[str],
) -> SharedResources:
    """The services and environments two releases have in common."""
    return SharedResources(
        tuple(shared_names(services, other_services)),
        tuple(shared_names(environments, other_environments)),
    )
