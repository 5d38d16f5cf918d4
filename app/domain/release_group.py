"""Release groups: a process run on a cadence, each occurrence a release of its own.

A group holds what every generated release shares (process, input set, default inputs,
services, environments, tags, duration, name template) and when they happen (a cadence:
an RRULE from a start date in a time zone). `version` counts the edits that change what
the group generates; each generated release records the version that made it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import field_validator

from app.domain.cadence import (
    MAX_DURATION,
    CadenceUnit,
    Schedule,
    classify,
    normalise_rule,
    parse_zone,
    preset_rule,
    rule_problems,
    syntax_problems,
    wall_time,
    zone_problems,
)
from app.domain.durations import format_duration, parse_duration
from app.domain.errors import FieldProblem, InvalidInput
from app.domain.input_set import InputSet
from app.domain.inputs import check_inputs
from app.domain.json_values import json_equal
from app.domain.name_templates import DEFAULT_TEMPLATE, template_problems
from app.domain.paths import item
from app.domain.process import Frozen, JsonValue, Process

MAX_NAME_LENGTH = 200
MAX_OCCURRENCE_INPUTS = 200


class OccurrenceInputs(Frozen):
    """Input values for one occurrence only, over the group's default inputs."""

    occurrence: datetime
    inputs: dict[str, JsonValue]


class GroupSpec(Frozen):
    """A group as people write it: the cadence may be a preset, the duration is text."""

    name: str
    description: str | None = None
    process_id: str
    input_set_id: str | None = None
    cadence: CadenceUnit | None = None  # None: taken from the rule
    rule: str | None = None  # None: the cadence's preset, anchored on the start date
    timezone: str = "UTC"
    start_date: datetime
    end_date: datetime | None = None
    duration: str
    name_template: str = DEFAULT_TEMPLATE
    default_inputs: dict[str, JsonValue] = {}
    occurrence_inputs: tuple[OccurrenceInputs, ...] = ()
    active: bool = True
    auto_start: bool = True
    services: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @field_validator("start_date", "end_date")
    @classmethod
    def _milliseconds(cls, value: datetime | None) -> datetime | None:
        # The store keeps milliseconds; occurrences computed before and after a round trip
        # must be the same instants, or a group would generate an occurrence twice.
        if value is None:
            return None
        return value.replace(microsecond=value.microsecond // 1000 * 1000)


class ReleaseGroup(Frozen):
    id: str
    name: str
    description: str | None = None
    process_id: str
    input_set_id: str | None = None
    cadence: CadenceUnit
    rule: str
    timezone: str
    start_date: datetime
    end_date: datetime | None = None
    duration: timedelta
    name_template: str = DEFAULT_TEMPLATE
    default_inputs: dict[str, JsonValue] = {}
    occurrence_inputs: tuple[OccurrenceInputs, ...] = ()
    active: bool = True
    auto_start: bool = True
    services: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    version: int = 1  # bumps when what the group generates changes
    revision: int = 1  # bumps on every write (compare-and-set)
    # Every occurrence up to here was generated once; later runs only add newer ones, so a
    # generated release someone deleted stays deleted.
    generated_through: datetime | None = None
    created_by: str
    created_at: datetime
    updated_at: datetime

    @property
    def zone(self) -> ZoneInfo:
        zone = parse_zone(self.timezone)
        assert zone is not None, "checked on write"
        return zone

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.rule, self.zone, self.start_date, self.duration, self.end_date)

    def inputs_for(self, occurrence: datetime) -> dict[str, JsonValue]:
        """The default inputs with this occurrence's own values over them."""
        values = dict(self.default_inputs)
        for extra in self.occurrence_inputs:
            if extra.occurrence == occurrence:
                values.update(extra.inputs)
        return values

    def to_spec(self) -> GroupSpec:
        """The group as a spec again, so an edit is checked like a new group."""
        return GroupSpec(
            name=self.name,
            description=self.description,
            process_id=self.process_id,
            input_set_id=self.input_set_id,
            cadence=self.cadence,
            rule=self.rule,
            timezone=self.timezone,
            start_date=self.start_date,
            end_date=self.end_date,
            duration=format_duration(self.duration),
            name_template=self.name_template,
            default_inputs=self.default_inputs,
            occurrence_inputs=self.occurrence_inputs,
            active=self.active,
            auto_start=self.auto_start,
            services=self.services,
            environments=self.environments,
            tags=self.tags,
        )


class ReleaseGroupFields(Frozen):
    """What checking a spec derives: the cadence, its rule and the duration."""

    cadence: CadenceUnit = CadenceUnit.CUSTOM
    rule: str = ""
    duration: timedelta = timedelta(0)


# Fields whose change can move occurrences: the generated set starts over after one.
SCHEDULE_FIELDS = frozenset({"rule", "timezone", "start_date", "end_date", "active"})


def _cadence_and_rule(
    spec: GroupSpec, local_start: datetime | None
) -> tuple[CadenceUnit, str] | list[FieldProblem]:
    """The cadence and its rule: a preset's rule, or the rule given, checked against it."""
    rule = None if spec.rule is None else normalise_rule(spec.rule)
    if rule is None:
        if spec.cadence is None:
            return [FieldProblem("cadence", "give a cadence, a rule, or both")]
        if spec.cadence is CadenceUnit.CUSTOM:
            return [FieldProblem("rule", "is required for a CUSTOM cadence")]
        if local_start is None:
            return []  # reported with the start date
        return spec.cadence, preset_rule(spec.cadence, local_start)
    unit = classify(rule)
    malformed = syntax_problems(rule)
    if malformed:  # say what is wrong with the rule, not that its period differs
        return [FieldProblem("rule", message) for message in malformed]
    if spec.cadence is None or spec.cadence is CadenceUnit.CUSTOM:
        return (unit if spec.cadence is None else CadenceUnit.CUSTOM), rule
    if unit is not spec.cadence:
        return [
            FieldProblem(
                "cadence",
                f"the rule does not repeat {spec.cadence.value.lower()} "
                f"({unit.value.lower()}); give cadence CUSTOM or a matching rule",
            )
        ]
    return spec.cadence, rule


def _text_problems(spec: GroupSpec) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not spec.name.strip():
        problems.append(FieldProblem("name", "must not be empty"))
    elif len(spec.name) > MAX_NAME_LENGTH:
        problems.append(FieldProblem("name", f"must be at most {MAX_NAME_LENGTH} characters"))
    for field_name, values in (
        ("services", spec.services),
        ("environments", spec.environments),
        ("tags", spec.tags),
    ):
        problems += [
            FieldProblem(item(field_name, i), "must not be empty")
            for i, value in enumerate(values)
            if not value.strip()
        ]
    return problems + template_problems(spec.name_template)


def _duration(text: str) -> timedelta | list[FieldProblem]:
    try:
        span = parse_duration(text)
    except ValueError as error:
        return [FieldProblem("duration", str(error))]
    if span <= timedelta(0):
        return [FieldProblem("duration", "must be positive")]
    if span > MAX_DURATION:
        return [FieldProblem("duration", "must be at most 366 days")]
    return span


def _occurrence_problems(
    spec: GroupSpec, schedule: Schedule | None, process: Process | None
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if len(spec.occurrence_inputs) > MAX_OCCURRENCE_INPUTS:
        message = f"at most {MAX_OCCURRENCE_INPUTS} occurrences with their own inputs"
        return [FieldProblem("occurrenceInputs", message)]
    seen: set[datetime] = set()
    for index, extra in enumerate(spec.occurrence_inputs):
        path = item("occurrenceInputs", index)
        if extra.occurrence.utcoffset() is None:
            problems.append(FieldProblem(f"{path}.occurrence", "must include a time zone"))
            continue
        if extra.occurrence in seen:
            problems.append(FieldProblem(f"{path}.occurrence", "is given twice"))
        seen.add(extra.occurrence)
        if schedule is not None and not schedule.is_occurrence(extra.occurrence):
            message = "is not an occurrence of the cadence (see the group's upcoming)"
            problems.append(FieldProblem(f"{path}.occurrence", message))
        if process is not None:
            problems += check_inputs(
                process.inputs, extra.inputs, path_prefix=f"{path}.inputs", require_complete=False
            )
    return problems


def check_group(
    spec: GroupSpec, process: Process | None, input_set: InputSet | None
) -> tuple[ReleaseGroupFields, list[FieldProblem]]:
    """The group's checked fields and every problem with them, all at once.

    Without the process (it does not exist: the caller reports that) inputs go unchecked.
    """
    problems = _text_problems(spec)
    if process is not None and input_set is not None and input_set.process_id != process.id:
        problems.append(FieldProblem("inputSetId", "belongs to another process"))
    problems += zone_problems(spec.timezone)
    zone = parse_zone(spec.timezone)
    start, end = spec.start_date, spec.end_date
    aware = True
    for path, moment in (("startDate", start), ("endDate", end)):
        if moment is not None and moment.utcoffset() is None:
            problems.append(FieldProblem(path, "must include a time zone (UTC on the wire)"))
            aware = False
    if aware and end is not None and end <= start:
        problems.append(FieldProblem("endDate", "must be after startDate"))
    # With an unknown zone (reported above) the rule is still checked, in UTC.
    local_start = wall_time(start, zone or UTC) if aware else None
    chosen = _cadence_and_rule(spec, local_start)
    duration = _duration(spec.duration)
    if isinstance(duration, list):
        problems += duration
    schedule: Schedule | None = None
    if isinstance(chosen, list):
        problems += chosen
    elif local_start is not None:
        found = rule_problems(chosen[1], local_start, end if aware else None)
        problems += found
        if not found and zone is not None and isinstance(duration, timedelta):
            schedule = Schedule(chosen[1], zone, start, duration, end)
    if process is not None:
        problems += check_inputs(
            process.inputs,
            spec.default_inputs,
            path_prefix="defaultInputs",
            require_complete=False,
        )
    problems += _occurrence_problems(spec, schedule, process)
    if problems or isinstance(chosen, list) or not isinstance(duration, timedelta):
        return ReleaseGroupFields(), problems
    return ReleaseGroupFields(cadence=chosen[0], rule=chosen[1], duration=duration), []


def _stored_fields(spec: GroupSpec, derived: ReleaseGroupFields) -> dict[str, object]:
    fields = spec.model_dump(exclude={"cadence", "rule", "duration"})
    fields["occurrence_inputs"] = spec.occurrence_inputs
    return {**fields, **derived.model_dump()}


def new_group(
    spec: GroupSpec,
    *,
    group_id: str,
    process: Process | None,
    input_set: InputSet | None,
    actor: str,
    now: datetime,
    problems: Sequence[FieldProblem] = (),
) -> ReleaseGroup:
    """A checked new group (version 1); InvalidInput lists every problem, `problems` first."""
    derived, found = check_group(spec, process, input_set)
    if problems or found:
        raise InvalidInput([*problems, *found])
    return ReleaseGroup(
        **_stored_fields(spec, derived),
        id=group_id,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )


def respecified(group: ReleaseGroup, changes: Mapping[str, object]) -> GroupSpec:
    """The group's spec with `changes` (spec field names) applied.

    A preset cadence follows its start date: moving the start of a weekly group from a
    Thursday to a Friday moves its rule to Fridays, unless a rule is given too.
    """
    spec = group.to_spec()
    values = {**spec.model_dump(), "occurrence_inputs": spec.occurrence_inputs, **changes}
    anchored = {"cadence", "start_date", "timezone"} & set(changes)
    follows_start = group.cadence is not CadenceUnit.CUSTOM and group.rule == preset_rule(
        group.cadence, wall_time(group.start_date, group.zone)
    )
    if "rule" not in changes and anchored and follows_start:
        values["rule"] = None
    if values.get("cadence") is not CadenceUnit.CUSTOM and changes.get("cadence") is not None:
        values["rule"] = changes.get("rule")
    return GroupSpec.model_validate(values)


def _differs(current: object, new: object) -> bool:
    if isinstance(current, dict) or isinstance(new, dict):
        return not json_equal(current, new)
    return current != new


def updated_group(
    group: ReleaseGroup,
    changes: Mapping[str, object],
    *,
    process: Process | None,
    input_set: InputSet | None,
    now: datetime,
    problems: Sequence[FieldProblem] = (),
) -> ReleaseGroup:
    """The group after an edit (the same object when nothing changes); InvalidInput if bad."""
    spec = respecified(group, changes)
    derived, found = check_group(spec, process, input_set)
    if problems or found:
        raise InvalidInput([*problems, *found])
    fields = _stored_fields(spec, derived)
    changed = {name for name, value in fields.items() if _differs(getattr(group, name), value)}
    if not changed:
        return group
    update: dict[str, object] = {
        **{name: fields[name] for name in changed},
        "version": group.version + 1,
        "revision": group.revision + 1,
        "updated_at": now,
    }
    if changed & SCHEDULE_FIELDS:
        update["generated_through"] = None
    return group.model_copy(update=update)
