from typing import Any

import pytest

from app.domain.process import (
    ActivityKind,
    ActivityTemplate,
    InputDefinition,
    InputType,
    JsonValue,
    PhaseTemplate,
    ProcessSpec,
    RetryPolicy,
    VariableDefinition,
)
from app.domain.process_validation import validate_process


def activity(key: str, kind: str = "MANUAL", **fields: Any) -> ActivityTemplate:
    return ActivityTemplate(key=key, name=key.title(), kind=ActivityKind(kind), **fields)


def phase(key: str, *activities: ActivityTemplate, **fields: Any) -> PhaseTemplate:
    return PhaseTemplate(key=key, name=key.title(), activities=activities, **fields)


def process(*phases: PhaseTemplate, **fields: Any) -> ProcessSpec:
    fields.setdefault("name", "Weekly release")
    return ProcessSpec(phases=phases, **fields)


def problems_of(spec: ProcessSpec) -> list[str]:
    return [f"{p.path}: {p.message}" for p in validate_process(spec)]


def paths_of(spec: ProcessSpec) -> list[str]:
    return [p.path for p in validate_process(spec)]


def one_activity(kind: str, **fields: Any) -> ProcessSpec:
    return process(phase("p", activity("a", kind, **fields)))


def test_a_complete_process_is_valid() -> None:
    spec = process(
        phase(
            "build",
            activity(
                "compile",
                "HTTP",
                config={
                    "url": "https://ci.internal/build/${releaseVersion}",
                    "method": "POST",
                    "headers": {"Authorization": "Bearer ${token}"},
                    "successCodes": [200, 201],
                    "outputs": {"image": "$.image"},
                    "poll": {"url": "${pollUrl}", "intervalS": 5, "timeoutS": 600},
                },
                timeout="PT30M",
                retry=RetryPolicy(max_attempts=3, backoff="exponential:10s:5m"),
            ),
            activity("settle", "WAIT", depends_on=("compile",), config={"duration": "5m"}),
            variables=(VariableDefinition(name="buildVersion", value="${releaseVersion}"),),
        ),
        phase(
            "deployment",
            activity(
                "approve",
                "APPROVAL",
                approvers=("ana", "team:ops"),
                required_approvals=2,
                config={"forbidSelfApproval": True, "deadline": "P1D", "onDeadline": "REJECT"},
            ),
            activity(
                "deploy",
                "MANUAL",
                depends_on=("approve",),
                condition='${environment} in ["PROD", "STAGING"]',
                config={
                    "instructions": "Deploy ${build.compile.output.image}",
                    "inputs": [{"name": "ticket", "type": "STRING", "required": True}],
                },
                variables=(VariableDefinition(name="artifactTag", value="${buildVersion}"),),
            ),
            activity("child", "SUBPROCESS", config={"processId": "prc_1"}),
            activity("done", "CHECKPOINT", depends_on=("deploy", "child")),
            depends_on=("build",),
        ),
        tags=("weekly", "backend"),
        inputs=(
            InputDefinition(name="releaseVersion", type=InputType.STRING, required=True),
            InputDefinition(name="environment", type=InputType.STRING, default="QA"),
            InputDefinition(name="token", type=InputType.STRING),
            InputDefinition(name="pollUrl", type=InputType.STRING),
        ),
    )
    assert problems_of(spec) == []


def test_several_problems_come_back_at_once() -> None:
    spec = process(
        phase("build", activity("a", depends_on=("ghost",)), depends_on=("test",)),
        phase("test", activity("a"), depends_on=("build",)),
        name=" ",
        inputs=(InputDefinition(name="n", type=InputType.NUMBER, default="three"),),
        variables=(VariableDefinition(name="v", value="${unknown}"),),
    )
    assert paths_of(spec) == [
        "name",
        "inputs[0].default",
        "phases[1].activities[0].key",
        "phases[0].activities[0].dependsOn[0]",
        "phases[0].dependsOn",
        "variables[0].value",
    ]


# --- the process itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "must not be empty"), ("x" * 201, "must be at most 200 characters")],
)
def test_the_name_is_required_and_bounded(name: str, message: str) -> None:
    assert problems_of(process(name=name)) == [f"name: {message}"]


def test_tags_must_be_sane() -> None:
    spec = process(tags=("ok", "", " padded", "x" * 65, "OK", "line\nbreak"))
    assert paths_of(spec) == ["tags[1]", "tags[2]", "tags[3]", "tags[4]", "tags[5]"]


def test_input_definitions_are_checked() -> None:
    spec = process(
        inputs=(
            InputDefinition(name="a", type=InputType.NUMBER, min=3, max=1),
            InputDefinition(name="a", type=InputType.STRING, pattern="("),
        )
    )
    assert paths_of(spec) == ["inputs[0].max", "inputs[1].pattern", "inputs[1].name"]


# --- keys and dependencies ----------------------------------------------------------------


def test_phase_keys_are_unique_and_well_formed() -> None:
    spec = process(phase("build"), phase("build"), phase("2fast"), phase("k" * 65))
    assert problems_of(spec) == [
        "phases[1].key: duplicate phase key 'build' (also phases[0])",
        "phases[2].key: must start with a letter and hold only letters, digits, '_', '-'",
        "phases[3].key: must be at most 64 characters",
    ]


def test_activity_keys_are_unique_across_the_process() -> None:
    spec = process(phase("a", activity("deploy")), phase("b", activity("deploy")))
    assert problems_of(spec) == [
        "phases[1].activities[0].key: duplicate activity key 'deploy' "
        "(also phases[0].activities[0]); activity keys are unique across the process"
    ]


def test_names_are_required() -> None:
    spec = process(
        PhaseTemplate(key="p", name="", activities=(activity("a").model_copy(update={"name": ""}),))
    )
    assert paths_of(spec) == ["phases[0].name", "phases[0].activities[0].name"]


def test_phase_dependencies_name_existing_other_phases() -> None:
    spec = process(
        phase("build"),
        phase("test", depends_on=("test", "build", "build", "ghost")),
    )
    assert problems_of(spec) == [
        "phases[1].dependsOn[0]: 'test' cannot depend on itself",
        "phases[1].dependsOn[2]: repeats 'build'",
        "phases[1].dependsOn[3]: 'ghost' is not a sibling (known: 'build')",
    ]


def test_activity_dependencies_stay_inside_their_phase() -> None:
    spec = process(
        phase("build", activity("compile")),
        phase("deploy", activity("rollout", depends_on=("compile",))),
    )
    (message,) = problems_of(spec)
    assert message.startswith(
        "phases[1].activities[0].dependsOn[0]: activity 'compile' is in phase 'build'"
    )


def test_phase_cycles_are_named() -> None:
    spec = process(
        phase("build", depends_on=("test",)),
        phase("test", depends_on=("build",)),
        phase("ship", depends_on=("ship",)),
    )
    assert problems_of(spec) == [
        "phases[2].dependsOn[0]: 'ship' cannot depend on itself",
        "phases[0].dependsOn: dependency cycle: build -> test -> build",
    ]


def test_activity_cycles_are_named() -> None:
    spec = process(
        phase(
            "p",
            activity("a", depends_on=("c",)),
            activity("b", depends_on=("a",)),
            activity("c", depends_on=("b",)),
        )
    )
    assert problems_of(spec) == [
        "phases[0].activities[0].dependsOn: dependency cycle: a -> c -> b -> a"
    ]


# --- timeouts, retries, conditions, variables ---------------------------------------------


def test_timeouts_must_be_positive_durations() -> None:
    spec = process(
        phase(
            "p",
            activity("a", timeout="soon"),
            activity("b", timeout="0s"),
            activity("c", timeout="1h"),
        )
    )
    assert paths_of(spec) == ["phases[0].activities[0].timeout", "phases[0].activities[1].timeout"]


@pytest.mark.parametrize(
    ("retry", "paths"),
    [
        (RetryPolicy(max_attempts=1, backoff="30s"), []),
        (RetryPolicy(max_attempts=20, backoff="exponential:10s"), []),
        (RetryPolicy(max_attempts=0), ["retry.maxAttempts"]),
        (RetryPolicy(max_attempts=21), ["retry.maxAttempts"]),
        (RetryPolicy(max_attempts=3, backoff="sometimes"), ["retry.backoff"]),
    ],
)
def test_retry_policies_are_bounded(retry: RetryPolicy, paths: list[str]) -> None:
    spec = one_activity("MANUAL", retry=retry)
    assert paths_of(spec) == [f"phases[0].activities[0].{path}" for path in paths]


def test_conditions_must_parse() -> None:
    spec = one_activity("MANUAL", condition="__import__('os')")
    (message,) = problems_of(spec)
    assert message.startswith("phases[0].activities[0].condition: unknown word '__import__'")


def test_variables_are_checked_with_duplicates_per_scope() -> None:
    spec = process(
        phase(
            "p",
            activity("a"),
            variables=(
                VariableDefinition(name="v", value="1"),
                VariableDefinition(name="v", value="${w}"),
            ),
        )
    )
    assert paths_of(spec) == ["phases[0].variables[1].name", "phases[0].variables[1].value"]


# --- activity kinds -----------------------------------------------------------------------


def config_paths(kind: str, config: dict[str, JsonValue] | None, **fields: Any) -> list[str]:
    prefix = "phases[0].activities[0]."
    return [
        path.removeprefix(prefix) for path in paths_of(one_activity(kind, config=config, **fields))
    ]


@pytest.mark.parametrize(
    ("config", "paths"),
    [
        ({"url": "http://localhost:8080/hook"}, []),
        ({"url": "${baseUrl}/hook"}, ["config.url"]),  # syntax fine, but baseUrl is unknown
        (None, ["config"]),
        ({}, ["config.url"]),
        ({"url": "ftp://host/file"}, ["config.url"]),
        ({"url": "not a url"}, ["config.url"]),
        ({"url": 3}, ["config.url"]),
        ({"url": "https://h/", "method": "FETCH"}, ["config.method"]),
        ({"url": "https://h/", "headers": {"X-A": "1", "X-B": 2}}, ["config.headers.X-B"]),
        ({"url": "https://h/", "headers": ["X-A"]}, ["config.headers"]),
        (
            {"url": "https://h/", "successCodes": [200, 99, "201", True]},
            ["config.successCodes[1]", "config.successCodes[2]", "config.successCodes[3]"],
        ),
        ({"url": "https://h/", "successCodes": []}, ["config.successCodes"]),
        ({"url": "https://h/", "outputs": {"id": "$.id", "bad": "id"}}, ["config.outputs.bad"]),
        ({"url": "https://h/", "poll": {"url": "https://h/s", "intervalS": 5, "timeoutS": 60}}, []),
        (
            {"url": "https://h/", "poll": {"intervalS": 0, "timeoutS": "60"}},
            ["config.poll.url", "config.poll.intervalS", "config.poll.timeoutS"],
        ),
        (
            {"url": "https://h/", "poll": {"url": "https://h/", "intervalS": 90, "timeoutS": 60}},
            ["config.poll.intervalS"],
        ),
        ({"url": "https://h/", "poll": "yes"}, ["config.poll"]),
    ],
)
def test_http_config(config: dict[str, JsonValue] | None, paths: list[str]) -> None:
    assert config_paths("HTTP", config) == paths


@pytest.mark.parametrize(
    ("config", "paths"),
    [
        ({"duration": "PT1S"}, []),
        ({"duration": "1s"}, []),
        ({"until": "2030-01-01T10:00:00Z"}, []),
        ({"until": "2030-01-01T10:00:00+02:00"}, []),
        (None, ["config"]),
        ({}, ["config"]),
        ({"duration": "1s", "until": "2030-01-01T10:00:00Z"}, ["config"]),
        ({"duration": "a while"}, ["config.duration"]),
        ({"duration": 5}, ["config.duration"]),
        ({"until": "tomorrow"}, ["config.until"]),
        ({"until": "2030-01-01T10:00:00"}, ["config.until"]),
    ],
)
def test_wait_config(config: dict[str, JsonValue] | None, paths: list[str]) -> None:
    assert config_paths("WAIT", config) == paths


@pytest.mark.parametrize(
    ("config", "paths"),
    [
        (None, []),
        ({"instructions": "Flip the switch", "inputs": []}, []),
        ({"instructions": ["step 1"]}, ["config.instructions"]),
        ({"inputs": {"name": "x"}}, ["config.inputs"]),
        (
            {"inputs": [{"name": "n", "type": "NUMBER", "min": 5, "max": 1}]},
            ["config.inputs[0].max"],
        ),
        (
            {"inputs": [{"name": "a", "type": "STRING"}, {"name": "a", "type": "STRING"}]},
            ["config.inputs[1].name"],
        ),
        (
            {
                "inputs": [
                    {"name": "a", "type": "TEXT"},
                    "b",
                    {"name": "c", "type": "STRING", "allowedValues": [1]},
                ]
            },
            ["config.inputs[2].allowedValues[0]", "config.inputs[0].type", "config.inputs[1]"],
        ),
        (
            {"inputs": [{"name": "a", "type": "STRING", "colour": "red"}]},
            ["config.inputs[0].colour"],
        ),
    ],
)
def test_manual_config(config: dict[str, JsonValue] | None, paths: list[str]) -> None:
    assert config_paths("MANUAL", config) == paths


@pytest.mark.parametrize(
    ("fields", "paths"),
    [
        ({"approvers": ("ana",)}, []),
        ({"approvers": ("ana", "bo"), "required_approvals": 2}, []),
        ({}, ["approvers"]),
        ({"approvers": ()}, ["approvers"]),
        ({"approvers": ("ana", "", "ana")}, ["approvers[1]", "approvers[2]"]),
        ({"approvers": ("ana",), "required_approvals": 2}, ["requiredApprovals"]),
        ({"approvers": ("ana",), "required_approvals": 0}, ["requiredApprovals"]),
        (
            {
                "approvers": ("ana",),
                "config": {"forbidSelfApproval": "yes", "deadline": "later", "onDeadline": "PANIC"},
            },
            ["config.forbidSelfApproval", "config.deadline", "config.onDeadline"],
        ),
        ({"approvers": ("ana",), "config": {"onDeadline": "ESCALATE"}}, ["config.onDeadline"]),
    ],
)
def test_approval_activities(fields: dict[str, Any], paths: list[str]) -> None:
    prefix = "phases[0].activities[0]."
    found = [p.removeprefix(prefix) for p in paths_of(one_activity("APPROVAL", **fields))]
    assert found == paths


@pytest.mark.parametrize("kind", ["MANUAL", "HTTP", "WAIT", "SUBPROCESS", "CHECKPOINT"])
def test_only_approvals_have_approvers(kind: str) -> None:
    found = config_paths(kind, None, approvers=("ana",), required_approvals=1)
    assert found[:2] == ["approvers", "requiredApprovals"]


@pytest.mark.parametrize(
    ("config", "paths"),
    [
        ({"processId": "prc_1", "inputSetId": "ist_1", "inputs": {"a": 1}}, []),
        (None, ["config"]),
        ({}, ["config.processId"]),
        ({"processId": ""}, ["config.processId"]),
        ({"processId": "prc_1", "inputs": [1]}, ["config.inputs"]),
    ],
)
def test_subprocess_config(config: dict[str, JsonValue] | None, paths: list[str]) -> None:
    assert config_paths("SUBPROCESS", config) == paths


@pytest.mark.parametrize(("config", "paths"), [(None, []), ({}, []), ({"x": 1}, ["config"])])
def test_checkpoints_take_no_config(config: dict[str, JsonValue] | None, paths: list[str]) -> None:
    assert config_paths("CHECKPOINT", config) == paths
