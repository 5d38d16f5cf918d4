"""Making releases: from a process (with an input set and overrides), or from another release."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

from app.domain.errors import FieldProblem, InvalidInput
from app.domain.events import EventDraft, ReleaseEventType
from app.domain.input_set import InputSet
from app.domain.inputs import check_inputs
from app.domain.paths import child, item
from app.domain.process import JsonValue, Process, ProcessSpec
from app.domain.release import Cadence, Release, ReleaseDetails

MAX_NAME_LENGTH = 200
MAX_TAGS = 50


def check_details(details: ReleaseDetails, plan: ProcessSpec) -> list[FieldProblem]:
    """Problems with what people write about a release, every one at once."""
    problems: list[FieldProblem] = []
    if not details.name.strip():
        problems.append(FieldProblem("name", "must not be empty"))
    elif len(details.name) > MAX_NAME_LENGTH:
        problems.append(FieldProblem("name", f"must be at most {MAX_NAME_LENGTH} characters"))
    if len(details.tags) > MAX_TAGS:
        problems.append(FieldProblem("tags", f"at most {MAX_TAGS} tags"))
    for field_name, values in (
        ("tags", details.tags),
        ("services", details.services),
        ("environments", details.environments),
    ):
        for i, value in enumerate(values):
            if not value.strip():
                problems.append(FieldProblem(item(field_name, i), "must not be empty"))
    for i, link in enumerate(details.links):
        url = urlsplit(link.url)
        if url.scheme not in ("http", "https") or not url.netloc:
            problems.append(FieldProblem(f"{item('links', i)}.url", "must be an http(s) URL"))
        if not link.kind.strip():
            problems.append(FieldProblem(f"{item('links', i)}.kind", "must not be empty"))
    phase_keys = {p.key for p in plan.phases}
    for key, owner in details.owners.items():
        if key not in phase_keys:
            known = ", ".join(sorted(phase_keys)) or "none"
            problems.append(
                FieldProblem(child("owners", key), f"is not a phase of this process ({known})")
            )
        elif not owner.strip():
            problems.append(FieldProblem(child("owners", key), "must not be empty"))
    start, end = details.scheduled_start, details.scheduled_end
    if end is not None and start is None:
        problems.append(FieldProblem("scheduledEnd", "needs a scheduledStart"))
    if start is not None and end is not None and end <= start:
        problems.append(FieldProblem("scheduledEnd", "must be after scheduledStart"))
    return problems


def new_release(
    *,
    release_id: str,
    process: Process,
    details: ReleaseDetails,
    input_set: InputSet | None,
    overrides: Mapping[str, JsonValue],
    actor: str,
    now: datetime,
    cadence: Cadence | None = None,
    group_id: str | None = None,
    occurrence: datetime | None = None,
) -> Release:
    """A DRAFT release of `process` as it is now; inputs may still be incomplete."""
    problems = check_details(details, process.spec)
    if input_set is not None and input_set.process_id != process.id:
        problems.append(FieldProblem("inputSetId", "belongs to another process"))
    problems += check_inputs(process.inputs, overrides, require_complete=False)
    if problems:
        raise InvalidInput(problems)
    draft = Release(
        **dict(details),
        id=release_id,
        cadence=cadence
        or (Cadence.SCHEDULED if details.scheduled_start is not None else Cadence.ON_DEMAND),
        process_id=process.id,
        process_version=process.version,
        plan=process.spec,
        group_id=group_id,
        occurrence=occurrence,
        input_set_id=None if input_set is None else input_set.id,
        input_set_version=None if input_set is None else input_set.version,
        input_set_values={} if input_set is None else dict(input_set.values),
        overrides=dict(overrides),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    created = EventDraft(
        type=ReleaseEventType.RELEASE_CREATED,
        actor=actor,
        to=draft.status.value,
        message=f"created from {process.name} v{process.version}",
        data={"processId": process.id, "processVersion": process.version},
    )
    return draft.recorded({}, [created], now)


def cloned_release(
    source: Release, *, release_id: str, details: ReleaseDetails, actor: str, now: datetime
) -> Release:
    """A new DRAFT with `source`'s process version, inputs and metadata ("same as last week")."""
    problems = check_details(details, source.plan)
    if problems:
        raise InvalidInput(problems)
    draft = Release(
        **dict(details),
        id=release_id,
        cadence=Cadence.SCHEDULED if details.scheduled_start is not None else Cadence.ON_DEMAND,
        process_id=source.process_id,
        process_version=source.process_version,
        plan=source.plan,
        input_set_id=source.input_set_id,
        input_set_version=source.input_set_version,
        input_set_values=dict(source.input_set_values),
        overrides=dict(source.overrides),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    created = EventDraft(
        type=ReleaseEventType.RELEASE_CREATED,
        actor=actor,
        to=draft.status.value,
        message=f"cloned from {source.name}",
        data={"clonedFrom": source.id, "processVersion": source.process_version},
    )
    return draft.recorded({}, [created], now)
