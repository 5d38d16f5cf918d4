"""Release groups in the domain: checking a group, generating and re-planning its releases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.domain.cadence import CadenceUnit
from app.domain.errors import InvalidInput
from app.domain.events import ReleaseEventType
from app.domain.group_generation import (
    generated_release,
    is_hand_edited,
    kept,
    plan_sync,
    projected_item,
    projected_release_id,
    regenerated,
)
from app.domain.process import (
    ActivityKind,
    ActivityTemplate,
    InputDefinition,
    InputType,
    PhaseTemplate,
    Process,
)
from app.domain.release import Cadence, Release, ReleaseStatus
from app.domain.release_edits import ReleaseChanges, update_release
from app.domain.release_group import GroupSpec, ReleaseGroup, new_group, updated_group

NOW = datetime(2031, 4, 1, 12, tzinfo=UTC)
THURSDAY = datetime(2031, 4, 3, 7, tzinfo=UTC)  # 09:00 in Berlin


def process() -> Process:
    return Process(
        id="prc_01J00000000000000000000000",
        name="System Release Train",
        inputs=(InputDefinition(name="releaseVersion", type=InputType.STRING, required=True),),
        phases=(
            PhaseTemplate(
                key="deploy",
                name="Deploy",
                owner="Operations Team",
                activities=(ActivityTemplate(key="go", name="Go", kind=ActivityKind.CHECKPOINT),),
            ),
        ),
        created_by="alice",
        created_at=NOW,
        updated_at=NOW,
    )


def spec(**fields: Any) -> GroupSpec:
    values: dict[str, Any] = {
        "name": "Weekly Production Release",
        "process_id": process().id,
        "cadence": CadenceUnit.WEEKLY,
        "timezone": "Europe/Berlin",
        "start_date": THURSDAY,
        "duration": "P2D",
        "name_template": "Week {isoweek} Release",
        "default_inputs": {"releaseVersion": "2.1"},
        "environments": ("PROD",),
    }
    values.update(fields)
    return GroupSpec(**values)


def group(**fields: Any) -> ReleaseGroup:
    return new_group(
        spec(**fields),
        group_id="grp_01J00000000000000000000000",
        process=process(),
        input_set=None,
        actor="alice",
        now=NOW,
    )


def generate(g: ReleaseGroup, occurrence: datetime, release_id: str = "rel_1") -> Release:
    return generated_release(
        g, process=process(), input_set=None, occurrence=occurrence, release_id=release_id, now=NOW
    )


def test_a_weekly_preset_becomes_its_rule() -> None:
    made = group()
    assert (made.cadence, made.rule) == (CadenceUnit.WEEKLY, "FREQ=WEEKLY;BYDAY=TH")
    assert made.duration == timedelta(days=2)
    assert made.version == 1
    assert made.generated_through is None


def test_the_cadence_is_taken_from_a_rule_and_checked_against_one() -> None:
    assert group(cadence=None, rule="FREQ=MONTHLY;BYDAY=1MO").cadence is CadenceUnit.MONTHLY
    assert group(cadence=CadenceUnit.CUSTOM, rule="FREQ=WEEKLY").cadence is CadenceUnit.CUSTOM
    with pytest.raises(InvalidInput) as refused:
        group(cadence=CadenceUnit.WEEKLY, rule="FREQ=MONTHLY;BYDAY=1MO")
    assert [p.path for p in refused.value.problems] == ["cadence"]


def test_every_problem_of_a_group_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as refused:
        group(
            name=" ",
            cadence=CadenceUnit.CUSTOM,
            rule="FREQ=HOURLY",
            timezone="Nowhere/Town",
            duration="soon",
            name_template="{nope}",
            default_inputs={"unknown": 1, "releaseVersion": 3},
            services=("",),
            end_date=THURSDAY - timedelta(days=1),
        )
    paths = sorted(p.path for p in refused.value.problems)
    assert paths == [
        "defaultInputs.releaseVersion",
        "defaultInputs.unknown",
        "duration",
        "endDate",
        "name",
        "nameTemplate",
        "rule",
        "services[0]",
        "timezone",
    ]
    with pytest.raises(InvalidInput) as custom:
        group(cadence=CadenceUnit.CUSTOM)
    assert [p.path for p in custom.value.problems] == ["rule"]
    with pytest.raises(InvalidInput) as hourly:
        group(cadence=None, rule="FREQ=HOURLY")
    assert [p.path for p in hourly.value.problems] == ["rule"]


def test_a_generated_release_is_scheduled_for_its_window_and_named() -> None:
    release = generate(group(), THURSDAY)
    assert release.status is ReleaseStatus.SCHEDULED
    assert release.cadence is Cadence.RECURRING
    assert release.name == "Week 14 Release"
    assert (release.scheduled_start, release.scheduled_end) == (
        THURSDAY,
        THURSDAY + timedelta(days=2),
    )
    assert release.occurrence == THURSDAY
    assert release.group_id == group().id
    assert release.environments == ("PROD",)
    assert not is_hand_edited(release)
    types = [e.type for e in release.outbox]
    assert types == [ReleaseEventType.RELEASE_CREATED, ReleaseEventType.RELEASE_SCHEDULED]


def test_a_generated_release_without_required_inputs_is_a_draft() -> None:
    release = generate(group(default_inputs={}), THURSDAY)
    assert release.status is ReleaseStatus.DRAFT
    assert release.scheduled_start == THURSDAY


def test_occurrence_inputs_override_the_defaults_for_that_occurrence_only() -> None:
    week_two = THURSDAY + timedelta(days=7)
    made = group(occurrence_inputs=({"occurrence": week_two, "inputs": {"releaseVersion": "9"}},))
    assert generate(made, THURSDAY).inputs["releaseVersion"] == "2.1"
    assert generate(made, week_two).inputs["releaseVersion"] == "9"
    with pytest.raises(InvalidInput) as refused:
        group(occurrence_inputs=({"occurrence": week_two + timedelta(hours=1), "inputs": {}},))
    assert refused.value.problems[0].path == "occurrenceInputs[0].occurrence"


def test_auto_start_is_carried_to_generated_releases() -> None:
    assert generate(group(auto_start=False), THURSDAY).auto_start is False


def test_a_person_s_edit_makes_a_release_hand_edited() -> None:
    release = generate(group(), THURSDAY)
    edited = update_release(release, ReleaseChanges(description="by hand"), actor="bob", now=NOW)
    assert is_hand_edited(edited)


def test_sync_creates_what_is_due_beyond_the_generated_set() -> None:
    made = group().model_copy(update={"generated_through": THURSDAY})
    weeks = [THURSDAY + timedelta(days=7 * i) for i in range(3)]
    plan = plan_sync(made, existing=[], desired=weeks)
    assert plan.create == weeks[1:]  # week one was generated once already (and deleted since)
    assert plan.generated_through == weeks[-1]


def test_sync_follows_a_changed_group_but_keeps_hand_edits() -> None:
    old = group()
    weeks = [THURSDAY + timedelta(days=7 * i) for i in range(3)]
    untouched = generate(old, weeks[0], "rel_a")
    edited = update_release(
        generate(old, weeks[1], "rel_b"), ReleaseChanges(description="mine"), actor="bob", now=NOW
    )
    gone = generate(old, weeks[2], "rel_c")
    new = updated_group(
        old,
        {"name_template": "Train {date}", "end_date": weeks[1] + timedelta(hours=1)},
        process=process(),
        input_set=None,
        now=NOW,
    )
    assert new.version == 2
    assert new.generated_through is None
    plan = plan_sync(new, existing=[untouched, edited, gone], desired=weeks[:2])
    assert [r.id for r in plan.regenerate] == ["rel_a"]
    assert [r.id for r in plan.keep] == ["rel_b"]
    assert [r.id for r in plan.delete] == ["rel_c"]
    assert plan.create == []

    fresh = generate(new, weeks[0], "rel_a")
    redone = regenerated(untouched, fresh, new, NOW)
    assert redone.name == "Train 2031-04-03"
    assert redone.id == "rel_a"
    assert redone.group_version == 2
    assert not is_hand_edited(redone)
    assert redone.outbox[-1].data == {"fields": ["name"], "groupId": new.id, "groupVersion": 2}

    noted = kept(edited, new, NOW)
    assert noted.description == "mine"
    assert noted.group_version == 2
    assert is_hand_edited(noted)
    assert noted.outbox[-1].data is not None
    assert noted.outbox[-1].data["kept"] is True
    # Recorded once: the next sync leaves it alone.
    assert plan_sync(new, existing=[noted], desired=weeks[:2]).keep == []


def test_an_edit_of_the_name_only_keeps_the_generated_set() -> None:
    old = group().model_copy(update={"generated_through": THURSDAY})
    renamed = updated_group(old, {"name": "Train"}, process=process(), input_set=None, now=NOW)
    assert renamed.generated_through == THURSDAY
    assert updated_group(old, {"name": old.name}, process=process(), input_set=None, now=NOW) is old


def test_a_preset_follows_its_moved_start_date() -> None:
    old = group()
    friday = THURSDAY + timedelta(days=1)
    moved = updated_group(old, {"start_date": friday}, process=process(), input_set=None, now=NOW)
    assert moved.rule == "FREQ=WEEKLY;BYDAY=FR"
    custom = group(cadence=CadenceUnit.CUSTOM, rule="FREQ=WEEKLY;BYDAY=TH")
    kept_rule = updated_group(
        custom, {"start_date": friday}, process=process(), input_set=None, now=NOW
    )
    assert kept_rule.rule == "FREQ=WEEKLY;BYDAY=TH"


def test_projected_occurrences_are_drawn_without_generating() -> None:
    made = group()
    item = projected_item(made, process=process(), input_set=None, occurrence=THURSDAY)
    assert item.projected
    assert item.status is ReleaseStatus.SCHEDULED
    assert item.name == "Week 14 Release"
    assert item.teams == ("Operations Team",)
    assert item.id == projected_release_id(made.id, THURSDAY)
    assert projected_release_id(made.id, THURSDAY) != projected_release_id("grp_other", THURSDAY)
    drafted = projected_item(
        group(default_inputs={}), process=process(), input_set=None, occurrence=THURSDAY
    )
    assert drafted.status is ReleaseStatus.DRAFT


def test_start_dates_keep_milliseconds_as_the_store_does() -> None:
    precise = group(start_date=THURSDAY + timedelta(microseconds=123_456))
    assert precise.start_date.microsecond == 123_000
