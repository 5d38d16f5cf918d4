"""The input store: named, versioned input values per process."""

from __future__ import annotations

from collections.abc import Mapping

from app.domain.accounts import PROCESS_WRITERS, User, require_role
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.ids import new_id
from app.domain.input_set import InputSet, InputSetRevision, changed_names, check_input_set
from app.domain.process import JsonValue
from app.services import Services
from app.store.input_sets import DuplicateInputSetName
from app.usecases.processes import RELEASES, get_process_or_raise

MAX_UPDATE_ATTEMPTS = 5


def _duplicate_name(name: str) -> Conflict:
    return Conflict(f"this process already has an input set named {name!r}")


async def get_input_set_or_raise(services: Services, input_set_id: str) -> InputSet:
    found = await services.input_sets.get(input_set_id)
    if found is None:
        raise NotFound("InputSet", input_set_id)
    return found


async def create_input_set(
    services: Services,
    *,
    actor: User,
    process_id: str,
    name: str,
    description: str | None,
    values: Mapping[str, JsonValue],
) -> InputSet:
    """Store a named set of values for a process's inputs, as revision 1."""
    require_role(actor, PROCESS_WRITERS, "createInputSet")
    process = await get_process_or_raise(services, process_id)
    problems = check_input_set(process, name, values)
    if problems:
        raise InvalidInput(problems)
    now = services.clock()
    first = InputSetRevision(
        version=1,
        at=now,
        actor=actor.name,
        values=dict(values),
        changed=changed_names({}, values),
    )
    input_set = InputSet(
        id=new_id("ist"),
        process_id=process.id,
        name=name,
        description=description,
        values=dict(values),
        history=(first,),
        created_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    try:
        await services.input_sets.insert(input_set)
    except DuplicateInputSetName as error:
        raise _duplicate_name(name) from error
    return input_set


async def update_input_set(
    services: Services,
    *,
    actor: User,
    input_set_id: str,
    name: str | None = None,
    description: str | None = None,
    values: Mapping[str, JsonValue] | None = None,
    expected_version: int | None = None,
) -> InputSet:
    """Record a new revision; `values`, when given, replace the previous values whole."""
    require_role(actor, PROCESS_WRITERS, "updateInputSet")
    for _ in range(MAX_UPDATE_ATTEMPTS):
        current = await get_input_set_or_raise(services, input_set_id)
        if expected_version is not None and current.version != expected_version:
            raise Conflict(
                f"input set {input_set_id} is at version {current.version}, "
                f"not the expected {expected_version}"
            )
        revised = current.revised(
            actor=actor.name,
            now=services.clock(),
            name=name,
            description=description,
            values=values,
        )
        process = await get_process_or_raise(services, current.process_id)
        problems = check_input_set(process, revised.name, revised.values)
        if problems:
            raise InvalidInput(problems)
        try:
            if await services.input_sets.replace(revised, expected_version=current.version):
                return revised
        except DuplicateInputSetName as error:
            raise _duplicate_name(revised.name) from error
        if expected_version is not None:
            raise Conflict(f"input set {input_set_id} was changed by someone else; reload it")
    raise Conflict(f"input set {input_set_id} is changing too often to update; try again")


async def delete_input_set(services: Services, *, actor: User, input_set_id: str) -> str:
    """Delete an input set that no release refers to."""
    require_role(actor, PROCESS_WRITERS, "deleteInputSet")
    await get_input_set_or_raise(services, input_set_id)
    in_use = await services.db.collection(RELEASES).count({"input_set_id": input_set_id})
    if in_use:
        raise Conflict(f"input set {input_set_id} is used by {in_use} release(s)")
    groups = await services.release_groups.count_using_input_set(input_set_id)
    if groups:
        raise Conflict(f"input set {input_set_id} is used by {groups} release group(s)")
    if not await services.input_sets.delete(input_set_id):
        raise NotFound("InputSet", input_set_id)
    return input_set_id
