from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.domain.errors import FieldProblem, InvalidInput
from app.domain.lifecycle import schedule_release, start_release
from app.domain.process import (
    ActivityKind,
    ActivityTemplate,
    InputDefinition,
    InputType,
    PhaseTemplate,
    ProcessSpec,
    VariableDefinition,
)
from app.domain.release import Release, ReleaseContext
from app.domain.review import (
    CHECKED_ON_SCHEDULE,
    ReviewCheck,
    blocking_problems,
    missing_context,
    review_ready,
    review_release,
)

T0 = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=1)
LATER = NOW + timedelta(days=7)
CHECK_NAMES = [
    "inputs",
    "variables",
    "owners",
    "schedule",
    "conflicts",
    "naming",
    "description",
    "dependencies",
]
FULL_CONTEXT = ReleaseContext(
    purpose="ship rounding fix", scope="payments", risks="low", rollback_plan="redeploy 2.1.2"
)


def plan(*, build_version: str = "${releaseVersion}", deploy_depends: str = "build") -> ProcessSpec:
    """The reference text's cascade: releaseVersion -> buildVersion -> artifactTag."""
    return ProcessSpec(
        name="Payments Standard",
        inputs=(InputDefinition(name="releaseVersion", type=InputType.STRING, required=True),),
        phases=(
            PhaseTemplate(
                key="build",
                name="Build",
                owner="Development Team",
                variables=(VariableDefinition(name="buildVersion", value=build_version),),
                activities=(
                    ActivityTemplate(key="compile", name="Compile", kind=ActivityKind.MANUAL),
                ),
            ),
            PhaseTemplate(
                key="deployment",
                name="Deployment",
                depends_on=(deploy_depends,),
                activities=(
                    ActivityTemplate(
                        key="deploy",
                        name="Deploy",
                        kind=ActivityKind.MANUAL,
                        variables=(
                            VariableDefinition(name="artifactTag", value="${buildVersion}"),
                        ),
                    ),
                ),
            ),
        ),
    )


def release(**fields: Any) -> Release:
    """A release that passes every check."""
    values: dict[str, Any] = {
        "id": "rel_1",
        "name": "payments-v2.1.3-production-deploy",
        "version": "2.1.3",
        "services": ("payments",),
        "environments": ("production",),
        "context": FULL_CONTEXT,
        "owners": {"deployment": "Operations Team"},
        "scheduled_start": LATER,
        "scheduled_end": LATER + timedelta(hours=2),
        "process_id": "proc_1",
        "process_version": 1,
        "plan": plan(),
        "overrides": {"releaseVersion": "2.1.3"},
        "created_by": "bob",
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(fields)
    return Release(**values)


def review(subject: Release, overlapping: tuple[Release, ...] = ()) -> dict[str, ReviewCheck]:
    checks = review_release(subject, overlapping=overlapping, now=NOW)
    assert [check.name for check in checks] == CHECK_NAMES
    return {check.name: check for check in checks}


def failed(subject: Release, overlapping: tuple[Release, ...] = ()) -> list[str]:
    return [name for name, check in review(subject, overlapping).items() if not check.ok]


def test_a_well_prepared_release_passes_every_check_in_order() -> None:
    checks = review_release(release(), overlapping=(), now=NOW)
    assert [(c.name, c.ok, c.severity) for c in checks] == [
        ("inputs", True, "ERROR"),
        ("variables", True, "ERROR"),
        ("owners", True, "WARNING"),
        ("schedule", True, "ERROR"),
        ("conflicts", True, "WARNING"),
        ("naming", True, "WARNING"),
        ("description", True, "WARNING"),
        ("dependencies", True, "ERROR"),
    ]
    assert review_ready(checks)
    assert blocking_problems(checks) == []
    assert checks[4].message == "no other release overlaps this window"


def test_missing_and_invalid_inputs_fail_the_inputs_check() -> None:
    check = review(release(overrides={"environment": "x"}))["inputs"]
    assert (check.ok, check.severity) == (False, "ERROR")
    assert "inputs.releaseVersion: is required but has no value" in check.message
    assert "inputs.environment: is not an input of this process" in check.message


def test_the_reference_variables_resolve() -> None:
    assert review(release())["variables"].message == "every variable resolves"


def test_unresolvable_variables_fail_the_variables_check() -> None:
    checks = review(release(plan=plan(build_version="${nope}")))
    assert not checks["variables"].ok
    assert "phases[0].variables[0].value" in checks["variables"].message


def test_phases_without_an_owner_are_named() -> None:
    check = review(release(owners={}))["owners"]
    assert (check.ok, check.severity) == (False, "WARNING")
    assert check.message == "phases without an owner: deployment"


def test_an_owner_from_the_process_counts() -> None:
    assert review(release(owners={"deployment": "Ops"}))["owners"].ok


def test_a_release_without_a_start_gets_a_schedule_warning() -> None:
    check = review(release(scheduled_start=None, scheduled_end=None))["schedule"]
    assert (check.ok, check.severity) == (False, "WARNING")
    assert "on demand" in check.message


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (LATER, LATER, "not after the start"),
        (LATER, LATER - timedelta(hours=1), "not after the start"),
        (NOW - timedelta(hours=1), None, "in the past"),
    ],
)
def test_a_bad_window_fails_the_schedule_check(
    start: datetime, end: datetime | None, words: str
) -> None:
    check = review(release(scheduled_start=start, scheduled_end=end))["schedule"]
    assert (check.ok, check.severity) == (False, "ERROR")
    assert words in check.message


def test_a_start_in_the_past_is_fine_once_the_release_runs() -> None:
    started = start_release(release(scheduled_start=NOW - timedelta(hours=1)), actor="a", now=NOW)
    assert review(started)["schedule"].ok


def other(id_: str, **fields: Any) -> Release:
    values: dict[str, Any] = {"services": ("ledger",), "environments": ("staging",)}
    values.update(fields)
    return release(id=id_, name=f"{id_}-release", **values)


def test_overlapping_releases_sharing_a_service_or_environment_conflict() -> None:
    overlapping = (
        other("rel_2", services=("Payments", "ledger")),
        other("rel_3", environments=("production",)),
        other("rel_4"),
        release(),  # the release itself never conflicts with itself
    )
    check = review(release(), overlapping)["conflicts"]
    assert (check.ok, check.severity) == (False, "WARNING")
    assert check.message == (
        "conflicts: 'rel_2-release' (rel_2) shares services payments; "
        "'rel_3-release' (rel_3) shares environments production "
        "(1 other overlapping release(s) share no service or environment)"
    )


def test_plain_overlaps_are_fine_but_counted() -> None:
    check = review(release(), (other("rel_2"), other("rel_3")))["conflicts"]
    assert check.ok
    assert check.message == "2 other overlapping release(s) share no service or environment"


@pytest.mark.parametrize("name", ["release-1", "prod"])
def test_generic_names_fail_the_naming_check(name: str) -> None:
    check = review(release(name=name))["naming"]
    assert (check.ok, check.severity) == (False, "WARNING")
    assert "too generic" in check.message


def test_the_description_may_hold_the_context() -> None:
    text = "Purpose: ship the fix. Scope: payments only. Risks: low. Rollback: redeploy 2.1.2."
    assert review(release(context=None, description=text))["description"].ok


def test_missing_context_is_named() -> None:
    subject = release(
        context=ReleaseContext(purpose="ship it", risks=" "), description="scope: payments"
    )
    assert missing_context(subject) == ["risks", "rollback plan"]
    check = review(subject)["description"]
    assert (check.ok, check.severity) == (False, "WARNING")
    assert check.message == "the description or context should give the risks, rollback plan"


def test_nothing_documented_misses_all_four() -> None:
    assert missing_context(release(context=None)) == [
        "purpose",
        "scope",
        "risks",
        "rollback plan",
    ]


def test_a_broken_process_structure_fails_the_dependencies_check() -> None:
    checks = review(release(plan=plan(deploy_depends="nowhere")))
    assert (checks["dependencies"].ok, checks["dependencies"].severity) == (False, "ERROR")
    assert "phases[1].dependsOn[0]" in checks["dependencies"].message


def test_warnings_do_not_block_but_errors_do() -> None:
    warned = review_release(release(name="prod", owners={}), overlapping=(), now=NOW)
    assert failed(release(name="prod", owners={})) == ["owners", "naming"]
    assert review_ready(warned)
    assert blocking_problems(warned) == []

    broken = review_release(
        release(overrides={}, plan=plan(deploy_depends="nowhere")), overlapping=(), now=NOW
    )
    assert not review_ready(broken)
    assert [p.path for p in blocking_problems(broken)] == ["inputs", "dependencies"]
    assert blocking_problems(broken, skip=CHECKED_ON_SCHEDULE) == [
        FieldProblem("dependencies", next(c.message for c in broken if c.name == "dependencies"))
    ]


def test_blocking_problems_refuse_to_schedule() -> None:
    subject = release(plan=plan(deploy_depends="nowhere"))
    checks = review_release(subject, overlapping=(), now=NOW)
    problems = blocking_problems(checks, skip=CHECKED_ON_SCHEDULE)
    with pytest.raises(InvalidInput, match="dependencies"):
        schedule_release(
            subject, start=LATER, end=None, actor="a", now=NOW, blocking_problems=problems
        )
