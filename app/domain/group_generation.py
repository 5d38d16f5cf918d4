"""Generating a group's releases: one per occurrence, kept in step with the group.

Pure decisions; `app/usecases/group_generation.py` applies them. A generated release is
SCHEDULED when its inputs are complete, else a DRAFT for people to finish. When the group
changes, its future releases that have not started follow, unless a person edited one:
then the person's values win and the release records that it kept them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app.domain.cadence import wall_time
from app.domain.calendar import CalendarItem
from app.domain.errors import InvalidInput
from app.domain.events import EventDraft, ReleaseEventType
from app.domain.ids import derived_id
from app.domain.input_set import InputSet
from app.domain.inputs import check_inputs, effective_inputs
from app.domain.lifecycle import schedule_release
from app.domain.name_templates import render_name, uses_field
from app.domain.process import Process
from app.domain.release import Cadence, Release, ReleaseDetails, ReleaseStatus
from app.domain.release_edits import API_NAMES
from app.domain.release_factory import new_release
from app.domain.release_group import ReleaseGroup

GENERATOR = "system"
NOT_STARTED = (ReleaseStatus.DRAFT, ReleaseStatus.SCHEDULED)

# What the group decides about its releases; everything else is the release's own.
GENERATED_FIELDS = (
    "name",
    "description",
    "tags",
    "services",
    "environments",
    "scheduled_start",
    "scheduled_end",
    "status",
    "cadence",
    "process_id",
    "process_version",
    "plan",
    "input_set_id",
    "input_set_version",
    "input_set_values",
    "overrides",
    "auto_start",
)


def occurrence_key(group_id: str, occurrence: datetime) -> str:
    """The unique key of a group's occurrence: two workers never generate it twice."""
    return f"{group_id}|{occurrence.isoformat()}"


def is_hand_edited(release: Release) -> bool:
    """True when someone other than the group changed the release since it generated it."""
    return release.generated_revision is None or release.revision != release.generated_revision


def release_name(group: ReleaseGroup, occurrence: datetime) -> str:
    """The generated release's name: the group's template filled in for the occurrence."""
    schedule = group.schedule
    start, end = schedule.window(occurrence)
    # Counting occurrences walks the rule from its start: only when the template asks.
    uses_n = uses_field(group.name_template, "n")
    return render_name(
        group.name_template,
        group=group.name,
        start=wall_time(start, group.zone),
        end=wall_time(end, group.zone),
        n=schedule.sequence_number(occurrence) if uses_n else 0,
    )


def generated_release(
    group: ReleaseGroup,
    *,
    process: Process,
    input_set: InputSet | None,
    occurrence: datetime,
    release_id: str,
    now: datetime,
) -> Release:
    """The release of one occurrence: SCHEDULED for its window, or a DRAFT if inputs lack."""
    start, end = group.schedule.window(occurrence)
    known = {definition.name for definition in process.inputs}
    # The process may have lost an input since the group was written; ignore its value.
    inputs = {name: value for name, value in group.inputs_for(occurrence).items() if name in known}
    details = ReleaseDetails(
        name=release_name(group, occurrence),
        description=group.description,
        tags=group.tags,
        services=group.services,
        environments=group.environments,
        scheduled_start=start,
        scheduled_end=end,
    )
    release = new_release(
        release_id=release_id,
        process=process,
        details=details,
        input_set=input_set,
        overrides=inputs,
        actor=GENERATOR,
        now=now,
        cadence=Cadence.RECURRING,
        group_id=group.id,
        occurrence=occurrence,
    ).model_copy(update={"auto_start": group.auto_start, "group_version": group.version})
    # Required inputs missing: it stays a DRAFT that people finish and schedule.
    with contextlib.suppress(InvalidInput):
        release = schedule_release(release, start=start, end=end, actor=GENERATOR, now=now)
    return release.model_copy(update={"generated_revision": release.revision})


def regenerated(current: Release, fresh: Release, group: ReleaseGroup, now: datetime) -> Release:
    """`current` as the group generates it now: the same release, its history kept."""
    values = {name: getattr(fresh, name) for name in GENERATED_FIELDS}
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    drafts: list[EventDraft] = []
    if changed:
        drafts.append(
            EventDraft(
                type=ReleaseEventType.RELEASE_UPDATED,
                actor=GENERATOR,
                from_=current.status.value if "status" in changed else None,
                to=fresh.status.value if "status" in changed else None,
                message=f"regenerated from release group {group.name!r} (version {group.version})",
                data={
                    "fields": [API_NAMES.get(name, name) for name in changed],
                    "groupId": group.id,
                    "groupVersion": group.version,
                },
            )
        )
    updated = current.recorded({**values, "group_version": group.version}, drafts, now)
    return updated.model_copy(update={"generated_revision": updated.revision})


def kept(current: Release, group: ReleaseGroup, now: datetime) -> Release:
    """A hand-edited release after its group changed: unchanged, with a note that it kept."""
    note = EventDraft(
        type=ReleaseEventType.RELEASE_UPDATED,
        actor=GENERATOR,
        message=(
            f"release group {group.name!r} changed (version {group.version}); this release "
            "was edited by hand, so it keeps its own values"
        ),
        data={"fields": [], "groupId": group.id, "groupVersion": group.version, "kept": True},
    )
    # `generated_revision` stays behind: the release still counts as edited by hand.
    return current.recorded({"group_version": group.version}, [note], now)


@dataclass
class SyncPlan:
    """What to do so a group's future releases match it."""

    create: list[datetime] = field(default_factory=list)
    regenerate: list[Release] = field(default_factory=list)
    delete: list[Release] = field(default_factory=list)
    keep: list[Release] = field(default_factory=list)
    generated_through: datetime | None = None


def plan_sync(
    group: ReleaseGroup, *, existing: Sequence[Release], desired: Sequence[datetime]
) -> SyncPlan:
    """Match the group's not-started future releases (`existing`) to the occurrences due.

    `desired` are the occurrences the horizon holds; `existing` the group's DRAFT and
    SCHEDULED releases of occurrences from the same moment on. Occurrences up to
    `generated_through` were generated once already and are not created again.
    """
    plan = SyncPlan(generated_through=max(desired, default=group.generated_through))
    wanted = set(desired)
    have = set()
    for release in existing:
        have.add(release.occurrence)
        if is_hand_edited(release):
            if release.group_version != group.version:
                plan.keep.append(release)
        elif release.occurrence not in wanted:
            plan.delete.append(release)
        elif release.group_version != group.version:
            plan.regenerate.append(release)
    through = group.generated_through
    plan.create = [o for o in desired if o not in have and (through is None or o > through)]
    return plan


def projected_release_id(group_id: str, occurrence: datetime) -> str:
    """A stable id for an occurrence not generated yet (calendar projections; not stored)."""
    ms = int(occurrence.timestamp() * 1000)
    return derived_id("rel", ms, occurrence_key(group_id, occurrence).encode())


def projected_item(
    group: ReleaseGroup,
    *,
    process: Process,
    input_set: InputSet | None,
    occurrence: datetime,
) -> CalendarItem:
    """An occurrence beyond the generated horizon as the calendar draws it.

    Cheaper than generating the release: its status only says whether the inputs are
    complete (SCHEDULED) or not (DRAFT).
    """
    start, end = group.schedule.window(occurrence)
    values = [{} if input_set is None else input_set.values, group.inputs_for(occurrence)]
    complete = not check_inputs(
        process.inputs, effective_inputs(process.inputs, values), require_complete=True
    )
    return CalendarItem(
        id=projected_release_id(group.id, occurrence),
        name=release_name(group, occurrence),
        status=ReleaseStatus.SCHEDULED if complete else ReleaseStatus.DRAFT,
        outcome=None,
        start=start,
        end=end,
        services=group.services,
        environments=group.environments,
        tags=group.tags,
        teams=tuple(sorted({phase.owner for phase in process.phases if phase.owner})),
        group_id=group.id,
        occurrence=occurrence,
        projected=True,
    )
