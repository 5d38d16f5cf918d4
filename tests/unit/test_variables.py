from typing import Any

import pytest

from app.domain.expressions import find_references, parse_condition, render
from app.domain.process import (
    ActivityKind,
    ActivityTemplate,
    InputDefinition,
    InputType,
    JsonValue,
    PhaseTemplate,
    ProcessSpec,
    VariableDefinition,
)
from app.domain.variables import (
    ResolvedVariable,
    UnresolvedReference,
    check_process_variables,
    resolve,
)


def variables(**values: str) -> tuple[VariableDefinition, ...]:
    return tuple(VariableDefinition(name=name, value=value) for name, value in values.items())


def activity(key: str, *, depends_on: tuple[str, ...] = (), **fields: Any) -> ActivityTemplate:
    fields.setdefault("kind", ActivityKind.MANUAL)
    return ActivityTemplate(key=key, name=key.title(), depends_on=depends_on, **fields)


def phase(key: str, *activities: ActivityTemplate, **fields: Any) -> PhaseTemplate:
    return PhaseTemplate(key=key, name=key.title(), activities=activities, **fields)


def process(*phases: PhaseTemplate, inputs: tuple[str, ...] = (), **fields: Any) -> ProcessSpec:
    definitions = tuple(InputDefinition(name=n, type=InputType.STRING) for n in inputs)
    return ProcessSpec(name="p", inputs=definitions, phases=phases, **fields)


def messages(spec: ProcessSpec) -> list[str]:
    return [f"{p.path}: {p.message}" for p in check_process_variables(spec)]


def reference_example() -> ProcessSpec:
    """The cascade from the reference text: releaseVersion -> buildVersion -> artifactTag."""
    return process(
        phase("build", activity("compile"), variables=variables(buildVersion="${releaseVersion}")),
        phase(
            "deployment",
            activity("deploy", variables=variables(artifactTag="${buildVersion}")),
            depends_on=("build",),
        ),
        inputs=("releaseVersion",),
    )


def test_the_reference_example_cascades_the_release_version() -> None:
    spec = reference_example()
    assert check_process_variables(spec) == []
    resolution = resolve(spec, {"releaseVersion": "2.1.3"})
    assert resolution.problems == []
    assert resolution.phase("build") == [
        ResolvedVariable("buildVersion", "${releaseVersion}", "2.1.3")
    ]
    assert resolution.activity("deployment", "deploy") == [
        ResolvedVariable("artifactTag", "${buildVersion}", "2.1.3")
    ]


def test_whole_expressions_keep_their_type_and_text_is_stringified() -> None:
    spec = process(
        phase("p", activity("a")),
        variables=variables(count="${replicas}", label="x${replicas}", literal="3"),
        inputs=("replicas",),
    )
    resolution = resolve(spec, {"replicas": 3})
    assert [(v.name, v.value) for v in resolution.globals] == [
        ("count", 3),
        ("label", "x3"),
        ("literal", "3"),
    ]


def test_inner_scopes_shadow_outer_ones() -> None:
    spec = process(
        phase(
            "p",
            activity("a", variables=variables(env="activity", seen="${env}")),
            activity("b", variables=variables(seen="${env}")),
            variables=variables(env="phase"),
        ),
        phase("q", activity("c", variables=variables(seen="${env}"))),
        variables=variables(env="global"),
    )
    assert check_process_variables(spec) == []
    resolution = resolve(spec, {})
    assert resolution.activity("p", "a")[1].value == "activity"
    assert resolution.activity("p", "b")[0].value == "phase"
    assert resolution.activity("q", "c")[0].value == "global"


def test_the_explicit_phase_form_reaches_any_phase() -> None:
    spec = process(
        phase("build", activity("a"), variables=variables(version="1.0")),
        phase("test", activity("b"), variables=variables(version="2.0")),
        phase("ship", activity("c", variables=variables(v="${phases.build.version}"))),
    )
    assert check_process_variables(spec) == []
    assert resolve(spec, {}).activity("ship", "c")[0].value == "1.0"


def test_two_phases_defining_a_name_make_it_ambiguous() -> None:
    spec = process(
        phase("build", activity("a"), variables=variables(version="1.0")),
        phase("test", activity("b"), variables=variables(version="2.0")),
        phase("ship", activity("c", variables=variables(v="${version}"))),
    )
    (message,) = messages(spec)
    assert message == (
        "phases[2].activities[0].variables[0].value: ${version}: 'version' is ambiguous: "
        "phases 'build', 'test' define it; write ${phases.build.version} or "
        "${phases.test.version}"
    )


def test_a_phase_prefers_its_own_variable_over_another_phases() -> None:
    spec = process(
        phase("build", activity("a"), variables=variables(version="1.0")),
        phase(
            "test",
            activity("b", variables=variables(v="${version}")),
            variables=variables(version="2.0"),
        ),
    )
    assert check_process_variables(spec) == []
    assert resolve(spec, {}).activity("test", "b")[0].value == "2.0"


def test_unknown_names_are_reported_with_a_suggestion() -> None:
    spec = process(
        phase("p", activity("a", variables=variables(v="${releaseVersoin}"))),
        inputs=("releaseVersion",),
    )
    assert messages(spec) == [
        "phases[0].activities[0].variables[0].value: ${releaseVersoin}: no input or variable "
        "named 'releaseVersoin' is in scope (did you mean 'releaseVersion'?)"
    ]


def test_explicit_references_to_missing_phases_or_variables_are_reported() -> None:
    spec = process(
        phase("p", activity("a"), variables=variables(v="${phases.nope.x}", w="${phases.p.x}")),
    )
    assert messages(spec) == [
        "phases[0].variables[0].value: ${phases.nope.x}: there is no phase 'nope'",
        "phases[0].variables[1].value: ${phases.p.x}: phase 'p' has no variable 'x'",
    ]


def test_cycles_are_named() -> None:
    spec = process(
        phase("p", activity("a"), variables=variables(c="${a}")),
        variables=variables(a="${b}", b="x-${phases.p.c}", self="${self}"),
    )
    assert messages(spec) == [
        "variables[0].value: variables form a cycle: a -> b -> c -> a",
        "variables[2].value: variables form a cycle: self -> self",
    ]
    resolution = resolve(spec, {})
    assert [v.value for v in resolution.globals] == [None, None, None]
    assert len(resolution.problems) == 2


def test_syntax_errors_in_variables_are_reported() -> None:
    spec = process(phase("p", activity("a")), variables=variables(v="${oops"))
    assert messages(spec) == ["variables[0].value: unclosed ${ (missing '}') (at position 0)"]


def test_duplicate_and_badly_named_variables_are_reported() -> None:
    spec = process(
        phase(
            "p",
            activity("a"),
            variables=(
                VariableDefinition(name="v", value="1"),
                VariableDefinition(name="v", value="2"),
                VariableDefinition(name="no good", value="3"),
            ),
        ),
        variables=variables(releaseVersion="x"),
        inputs=("releaseVersion",),
    )
    assert messages(spec) == [
        "variables[0].name: 'releaseVersion' is already the name of an input",
        "phases[0].variables[1].name: duplicate variable 'v' in phase 'p' "
        "(also phases[0].variables[0].name)",
        "phases[0].variables[2].name: must start with a letter or '_' and hold only letters, "
        "digits and '_'",
    ]


# --- activity outputs ---------------------------------------------------------------------


def pipeline(consumer_value: str, **consumer: Any) -> ProcessSpec:
    """build(compile -> package) -> deploy(rollout); a sibling phase `docs` runs alone."""
    return process(
        phase("build", activity("compile"), activity("package", depends_on=("compile",))),
        phase("docs", activity("publish")),
        phase(
            "deploy",
            activity("rollout", variables=variables(v=consumer_value), **consumer),
            depends_on=("build",),
        ),
    )


@pytest.mark.parametrize(
    "value", ["${build.compile.output.image}", "${build.package.output.image.tag}"]
)
def test_outputs_of_upstream_phases_are_readable(value: str) -> None:
    assert messages(pipeline(value)) == []


def test_outputs_of_upstream_sibling_activities_are_readable() -> None:
    spec = process(
        phase(
            "build",
            activity("compile"),
            activity("package", depends_on=("compile",)),
            activity("sign", depends_on=("package",), condition="${build.compile.output.ok}"),
        )
    )
    assert messages(spec) == []


def test_outputs_of_activities_not_upstream_are_refused() -> None:
    assert messages(pipeline("${docs.publish.output.url}")) == [
        "phases[2].activities[0].variables[0].value: ${docs.publish.output.url}: activity "
        "'rollout' does not depend on activity 'publish', so its output is not available here"
    ]


def test_an_activity_cannot_read_a_later_siblings_output() -> None:
    spec = process(
        phase(
            "build",
            activity("compile", config={"note": "${build.package.output.x}"}),
            activity("package", depends_on=("compile",)),
        )
    )
    (message,) = messages(spec)
    assert message.startswith("phases[0].activities[0].config.note: ${build.package.output.x}")


def test_outputs_are_refused_in_globals_and_their_own_phase() -> None:
    spec = process(
        phase("build", activity("compile"), variables=variables(v="${build.compile.output.x}")),
        variables=variables(g="${build.compile.output.x}"),
    )
    assert [m.split(":")[0] for m in messages(spec)] == [
        "variables[0].value",
        "phases[0].variables[0].value",
    ]


def test_output_references_must_name_an_existing_activity() -> None:
    assert messages(pipeline("${build.rollout.output.x}")) == [
        "phases[2].activities[0].variables[0].value: ${build.rollout.output.x}: phase 'build' "
        "has no activity 'rollout' (it is in phase 'deploy')"
    ]


def test_outputs_reached_through_another_phases_variable_are_checked_where_used() -> None:
    spec = process(
        phase("build", activity("compile")),
        phase(
            "deploy",
            activity("rollout"),
            variables=variables(image="${build.compile.output.image}"),
            depends_on=("build",),
        ),
        phase("docs", activity("publish", variables=variables(v="${image}"))),
    )
    assert messages(spec) == [
        "phases[2].activities[0].variables[0].value: ${image} uses the output of "
        "build.compile, which activity 'publish' does not depend on"
    ]


def test_conditions_and_config_strings_are_checked() -> None:
    spec = pipeline(
        "x",
        kind=ActivityKind.HTTP,
        condition="${environment} == 'PROD' && ${nope}",
        config={"url": "https://${host}/", "headers": {"X-Tag": "${tag}"}, "body": [{"a": "${b}"}]},
    )
    assert [m.split(": ")[0] for m in messages(spec)] == [
        "phases[2].activities[0].condition",
        "phases[2].activities[0].condition",
        "phases[2].activities[0].config.url",
        "phases[2].activities[0].config.headers.X-Tag",
        "phases[2].activities[0].config.body[0].a",
    ]


def test_pending_outputs_are_explicit_until_produced() -> None:
    spec = pipeline("image ${build.package.output.image.tag}")
    before = resolve(spec, {}).activity("deploy", "rollout")[0]
    assert before.value is None
    assert before.pending == ("${build.package.output.image.tag}",)
    assert not before.is_known
    outputs: dict[tuple[str, str], JsonValue] = {("build", "package"): {"image": {"tag": "v7"}}}
    after = resolve(spec, {}, outputs).activity("deploy", "rollout")[0]
    assert (after.value, after.pending) == ("image v7", ())


def test_an_output_without_the_field_is_a_problem() -> None:
    spec = pipeline("${build.package.output.image}")
    resolution = resolve(spec, {}, {("build", "package"): {"other": 1}})
    (problem,) = resolution.problems
    assert problem.path == "phases[2].activities[0].variables[0].value"
    assert "has no 'image'" in problem.message


def test_lookup_for_templates_an_activity_config() -> None:
    spec = process(
        phase("build", activity("compile"), variables=variables(buildVersion="${releaseVersion}")),
        phase(
            "deploy",
            activity("rollout", variables=variables(replicas="${count}")),
            depends_on=("build",),
        ),
        inputs=("releaseVersion", "count"),
    )
    outputs: dict[tuple[str, str], JsonValue] = {("build", "compile"): {"items": ["a", "b"]}}
    lookup = resolve(spec, {"releaseVersion": "2.1.3", "count": 2}, outputs).lookup_for(
        "deploy", "rollout"
    )
    assert render("v${buildVersion} x${replicas}", lookup) == "v2.1.3 x2"
    assert render("${build.compile.output.items.1}", lookup) == "b"
    assert parse_condition("${replicas} >= 2").evaluate(lookup) is True


def test_lookup_refuses_what_it_cannot_know() -> None:
    lookup = resolve(pipeline("x"), {}).lookup_for("deploy", "rollout")
    (pending,) = find_references("${build.compile.output.image}")
    with pytest.raises(UnresolvedReference, match="not known yet"):
        lookup(pending)
    (unknown,) = find_references("${nowhere}")
    with pytest.raises(UnresolvedReference, match="no input or variable"):
        lookup(unknown)
    with pytest.raises(KeyError):
        resolve(pipeline("x"), {}).lookup_for("deploy", "nope")


def test_long_chains_and_big_cycles_stay_within_recursion_limits() -> None:
    n = 3000
    chain = tuple(
        VariableDefinition(name=f"v{i}", value=f"${{v{i + 1}}}" if i < n - 1 else "end")
        for i in range(n)
    )
    spec = process(variables=chain)
    assert check_process_variables(spec) == []
    assert resolve(spec, {}).globals[0].value == "end"
    ring = tuple(VariableDefinition(name=f"v{i}", value=f"${{v{(i + 1) % n}}}") for i in range(n))
    (problem,) = check_process_variables(process(variables=ring))
    assert problem.message.endswith("v2999 -> v0")
