from typing import Any

import pytest

from app.domain.errors import FieldProblem
from app.domain.inputs import (
    check_definitions,
    check_inputs,
    check_value,
    effective_inputs,
)
from app.domain.process import InputDefinition, InputType, JsonValue


def define(name: str = "x", type_: str = "STRING", **fields: Any) -> InputDefinition:
    return InputDefinition(name=name, type=InputType(type_), **fields)


def messages(problems: list[FieldProblem]) -> list[str]:
    return [f"{p.path}: {p.message}" for p in problems]


# --- check_value --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "good", "bad"),
    [
        ("STRING", "text", 3),
        ("NUMBER", 3, "3"),
        ("NUMBER", 2.5, True),
        ("BOOLEAN", False, 0),
        ("LIST", ["a"], "a"),
        ("OBJECT", {"a": 1}, ["a"]),
    ],
)
def test_values_must_have_the_input_type(type_: str, good: JsonValue, bad: JsonValue) -> None:
    definition = define(type_=type_)
    assert check_value(definition, good, "inputs.x") == []
    (problem,) = check_value(definition, bad, "inputs.x")
    assert problem.path == "inputs.x"
    assert problem.message.startswith("must be")


def test_a_bool_is_not_a_number() -> None:
    (problem,) = check_value(define(type_="NUMBER"), True, "inputs.x")
    assert problem.message == "must be a number, not boolean"


def test_none_means_no_value_and_passes() -> None:
    assert check_value(define(type_="NUMBER", min=1), None, "inputs.x") == []


def test_allowed_values_compare_as_json() -> None:
    definition = define(type_="NUMBER", allowed_values=(1, 2))
    assert check_value(definition, 1.0, "p") == []
    assert messages(check_value(definition, 3, "p")) == ["p: must be one of 1, 2"]


def test_min_and_max_bound_a_number() -> None:
    definition = define(type_="NUMBER", min=1, max=10)
    assert check_value(definition, 10, "p") == []
    assert messages(check_value(definition, 0, "p")) == ["p: must be at least 1"]
    assert messages(check_value(definition, 10.5, "p")) == ["p: must be at most 10"]


def test_min_and_max_bound_the_length_of_strings_and_lists() -> None:
    text = define(min=2, max=3)
    assert messages(check_value(text, "a", "p")) == ["p: must be at least 2 characters"]
    assert messages(check_value(text, "abcd", "p")) == ["p: must be at most 3 characters"]
    items = define(type_="LIST", min=1)
    assert messages(check_value(items, [], "p")) == ["p: must be at least 1 items"]


def test_pattern_must_match_the_whole_string() -> None:
    definition = define(pattern=r"\d+\.\d+\.\d+")
    assert check_value(definition, "2.1.3", "p") == []
    assert messages(check_value(definition, "v2.1.3", "p")) == [
        r"p: must match the pattern '\\d+\\.\\d+\\.\\d+'"
    ]


def test_a_pattern_that_backtracks_without_end_is_cut_short() -> None:
    definition = define(pattern="(a|aa)+$")
    (problem,) = messages(check_value(definition, "a" * 60 + "!", "p"))
    assert problem.startswith("p: could not be checked against the pattern '(a|aa)+$' in time")
    assert check_value(definition, "aaa", "p") == []


def test_every_constraint_is_reported() -> None:
    definition = define(allowed_values=("aaaa",), max=3, pattern="a+")
    assert len(check_value(definition, "bbbbb", "p")) == 3


# --- check_definitions --------------------------------------------------------------------


def test_good_definitions_have_no_problems() -> None:
    definitions = [
        define("releaseVersion", required=True, pattern=r"\d+\.\d+\.\d+", default="1.0.0"),
        define("environment", allowed_values=("QA", "PROD"), default="QA"),
        define("replicas", "NUMBER", min=1, max=5, default=2),
        define("flags", "OBJECT", default={"a": True}),
    ]
    assert check_definitions(definitions) == []


def test_names_must_be_identifiers_and_unique() -> None:
    problems = check_definitions([define("ok"), define("not ok"), define("ok")])
    assert messages(problems) == [
        "inputs[1].name: must start with a letter or '_' and hold only letters, digits and '_'",
        "inputs[2].name: duplicate input 'ok' (inputs[0])",
    ]


def test_min_must_not_exceed_max() -> None:
    (problem,) = check_definitions([define(type_="NUMBER", min=5, max=1)])
    assert problem == FieldProblem("inputs[0].max", "must not be less than min")


def test_constraints_must_suit_the_type() -> None:
    problems = check_definitions(
        [define("a", "BOOLEAN", min=1, pattern="x"), define("b", "LIST", min=-1)]
    )
    assert [p.path for p in problems] == [
        "inputs[0].min",
        "inputs[0].pattern",
        "inputs[1].min",
    ]


def test_a_broken_pattern_is_reported_with_the_reason() -> None:
    (problem,) = check_definitions([define(pattern="(unclosed")])
    assert problem.path == "inputs[0].pattern"
    assert problem.message.startswith("is not a valid regular expression")


def test_absurdly_long_patterns_are_refused() -> None:
    (problem,) = check_definitions([define(pattern="a" * 501)])
    assert problem == FieldProblem("inputs[0].pattern", "must be at most 500 characters")
    # The value check skips a pattern it refuses rather than compiling it.
    assert check_value(define(pattern="a" * 501), "b", "p") == []


def test_allowed_values_must_fit_the_type() -> None:
    problems = check_definitions(
        [define("a", allowed_values=("QA", 3)), define("b", allowed_values=())]
    )
    assert messages(problems) == [
        "inputs[0].allowedValues[1]: must be a string, not number",
        "inputs[1].allowedValues: must not be empty",
    ]


def test_a_default_must_fit_type_and_constraints() -> None:
    problems = check_definitions(
        [
            define("a", "NUMBER", default="3"),
            define("b", "NUMBER", max=3, default=4),
            define("c", allowed_values=("QA",), default="PROD"),
        ],
        path_prefix="config.inputs",
    )
    assert messages(problems) == [
        "config.inputs[0].default: must be a number, not string",
        "config.inputs[1].default: must be at most 3",
        "config.inputs[2].default: must be one of 'QA'",
    ]


# --- effective values and check_inputs ----------------------------------------------------


def test_later_layers_win_over_defaults() -> None:
    definitions = [define("a", default="process"), define("b", default="process"), define("c")]
    values = effective_inputs(
        definitions, [{"a": "input set", "b": "input set"}, {"b": "override", "c": None}]
    )
    assert values == {"a": "input set", "b": "override"}


def test_unknown_names_survive_merging_to_be_reported() -> None:
    values = effective_inputs([define("a")], [{"zzz": 1}])
    assert messages(check_inputs([define("a")], values, require_complete=False)) == [
        "inputs.zzz: is not an input of this process (its inputs: a)"
    ]


def test_missing_required_inputs_only_block_when_complete_values_are_needed() -> None:
    definitions = [define("releaseVersion", required=True), define("notes")]
    assert check_inputs(definitions, {}, require_complete=False) == []
    assert messages(check_inputs(definitions, {}, require_complete=True)) == [
        "inputs.releaseVersion: is required but has no value"
    ]


def test_every_input_problem_comes_back_at_once() -> None:
    definitions = [
        define("releaseVersion", required=True, pattern=r"\d+\.\d+\.\d+"),
        define("replicas", "NUMBER", min=1),
        define("dryRun", "BOOLEAN", required=True),
    ]
    values = {"releaseVersion": "latest", "replicas": 0, "typo": 1}
    problems = check_inputs(definitions, values, require_complete=True, path_prefix="overrides")
    assert [p.path for p in problems] == [
        "overrides.releaseVersion",
        "overrides.replicas",
        "overrides.dryRun",
        "overrides.typo",
    ]
