"""Input sets: named, versioned values for a process's inputs (the input store)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from app.domain.errors import FieldProblem
from app.domain.inputs import check_inputs
from app.domain.json_values import json_equal
from app.domain.process import Frozen, JsonValue, Process

MAX_NAME_LENGTH = 200


class InputSetRevision(Frozen):
    """One state of an input set: who set which values when. Creation is revision 1."""

    version: int
    at: datetime
    actor: str
    values: dict[str, JsonValue]
    changed: tuple[str, ...]


class InputSet(Frozen):
    id: str
    process_id: str
    name: str
    description: str | None = None
    values: dict[str, JsonValue]
    version: int = 1
    history: tuple[InputSetRevision, ...] = ()
    created_by: str
    created_at: datetime
    updated_at: datetime

    def revised(
        self,
        *,
        actor: str,
        now: datetime,
        name: str | None = None,
        description: str | None = None,
        values: Mapping[str, JsonValue] | None = None,
    ) -> InputSet:
        """The next version, with a revision recording which values changed."""
        new_values = dict(self.values if values is None else values)
        revision = InputSetRevision(
            version=self.version + 1,
            at=now,
            actor=actor,
            values=new_values,
            changed=changed_names(self.values, new_values),
        )
        return self.model_copy(
            update={
                "name": self.name if name is None else name,
                "description": self.description if description is None else description,
                "values": new_values,
                "version": revision.version,
                "history": (*self.history, revision),
                "updated_at": now,
            }
        )


def changed_names(old: Mapping[str, JsonValue], new: Mapping[str, JsonValue]) -> tuple[str, ...]:
    """Names whose value was added, removed or changed, sorted."""
    names = set(old) | set(new)
    return tuple(
        sorted(n for n in names if n not in old or n not in new or not json_equal(old[n], new[n]))
    )


def check_input_set(
    process: Process, name: str, values: Mapping[str, JsonValue]
) -> list[FieldProblem]:
    """Problems with an input set for `process`: a name, and values that fit its inputs.

    Required inputs may be left out: a release can still supply them as overrides.
    """
    problems = []
    if not name.strip():
        problems.append(FieldProblem("name", "must not be empty"))
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(FieldProblem("name", f"must be at most {MAX_NAME_LENGTH} characters"))
    problems += check_inputs(process.inputs, values, path_prefix="values", require_complete=False)
    return problems
