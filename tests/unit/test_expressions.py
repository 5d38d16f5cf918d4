import re
from collections.abc import Mapping

import pytest

from app.domain.expressions import (
    ConditionError,
    ExpressionError,
    Lookup,
    NameRef,
    OutputRef,
    PhaseVariableRef,
    Reference,
    find_references,
    is_whole_expression,
    parse_condition,
    render,
    render_value,
)
from app.domain.process import JsonValue


def values(mapping: Mapping[str, JsonValue]) -> Lookup:
    """A lookup reading plain names (and other forms by their dotted text) from a dict."""

    def lookup(reference: Reference) -> JsonValue:
        return mapping[str(reference.target)]

    return lookup


# --- references ---------------------------------------------------------------------------


def test_find_references_parses_the_three_forms() -> None:
    text = "${releaseVersion} ${phases.build.buildVersion} ${build.compile.output.image.tag}"
    assert [r.target for r in find_references(text)] == [
        NameRef("releaseVersion"),
        PhaseVariableRef("build", "buildVersion"),
        OutputRef("build", "compile", ("image", "tag")),
    ]


def test_references_keep_their_raw_text() -> None:
    (reference,) = find_references("v${ releaseVersion }!")
    assert reference.raw == "${ releaseVersion }"
    assert reference.target == NameRef("releaseVersion")


def test_keys_may_hold_hyphens_but_names_may_not() -> None:
    (reference,) = find_references("${smoke-tests.run-1.output.status}")
    assert reference.target == OutputRef("smoke-tests", "run-1", ("status",))
    with pytest.raises(ExpressionError, match="not a name"):
        find_references("${release-version}")


def test_text_without_references_has_none() -> None:
    assert find_references("plain $text and {braces}") == []


def test_double_dollar_escapes_a_literal_reference() -> None:
    assert find_references("echo $${HOME}") == []
    assert render("echo $${HOME} ${user}", values({"user": "ana"})) == "echo ${HOME} ana"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("${}", "empty"),
        ("${  }", "empty"),
        ("abc ${name", "unclosed"),
        ("${na me}", "not a name"),
        ("${1abc}", "not a name"),
        ("${a${b}}", "do not nest"),
        ("${a.b}", "is not a reference"),
        ("${phases.build}", "is not a reference"),
        ("${phases.build.bad-name}", "phase variable"),
        ("${build.compile.output}", "is not a reference"),
        ("${build.compile.output.a b}", "output reference"),
    ],
)
def test_malformed_references_are_errors(text: str, fragment: str) -> None:
    with pytest.raises(ExpressionError, match=fragment):
        find_references(text)


def test_errors_say_where() -> None:
    with pytest.raises(ExpressionError) as caught:
        find_references("abc ${}")
    assert caught.value.position == 4
    assert "position 4" in str(caught.value)


def test_is_whole_expression() -> None:
    assert is_whole_expression("${count}")
    assert not is_whole_expression(" ${count}")
    assert not is_whole_expression("${a}${b}")
    assert not is_whole_expression("count")
    assert not is_whole_expression("${")


# --- render -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [3, 2.5, True, None, ["a", 1], {"k": [1, 2]}, "text"])
def test_a_whole_expression_keeps_its_json_type(value: JsonValue) -> None:
    assert render("${x}", values({"x": value})) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.1.3", "v2.1.3"),
        (3, "v3"),
        (3.0, "v3"),
        (2.5, "v2.5"),
        (True, "vtrue"),
        (False, "vfalse"),
        (None, "vnull"),
        (["a", "b"], 'v["a","b"]'),
        ({"k": 1}, 'v{"k":1}'),
    ],
)
def test_values_inside_text_are_stringified(value: JsonValue, expected: str) -> None:
    assert render("v${x}", values({"x": value})) == expected


def test_render_value_templates_every_string_of_a_config() -> None:
    config = {"url": "https://${host}/v1", "retries": "${n}", "codes": [200, "${code}"]}
    lookup = values({"host": "api.local", "n": 3, "code": 201})
    assert render_value(config, lookup) == {
        "url": "https://api.local/v1",
        "retries": 3,
        "codes": [200, 201],
    }


# --- conditions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ('${environment} == "PROD"', {"environment": "PROD"}, True),
        ("${environment} == 'PROD'", {"environment": "QA"}, False),
        ("${count} >= 3 && !${skipTests}", {"count": 3, "skipTests": False}, True),
        ("${count} >= 3 && !${skipTests}", {"count": 3, "skipTests": True}, False),
        ("${count} >= 3 and not ${skipTests}", {"count": 2, "skipTests": False}, False),
        ('${env} in ["PROD","STAGING"]', {"env": "STAGING"}, True),
        ('${env} in ["PROD","STAGING"]', {"env": "QA"}, False),
        ('${env} not in ["PROD", "STAGING",]', {"env": "QA"}, True),
        ('"rc" in ${version}', {"version": "2.0-rc1"}, True),
        ("${flag}", {"flag": True}, True),
        ("${items}", {"items": []}, False),
        ("${missing} == null", {"missing": None}, True),
        ("${n} != 1", {"n": 1.0}, False),
        ("${n} == 1", {"n": True}, False),
        ("${n} > -2.5", {"n": -1}, True),
        ("${a} < ${b}", {"a": "abc", "b": "abd"}, True),
        ("${n} <= 1e3", {"n": 1000}, True),
        ("${a} == ${b}", {"a": [1, {"x": True}], "b": [1, {"x": True}]}, True),
        ("true || false && false", {}, True),
        ("(true || false) && false", {}, False),
        ("!true == false", {}, True),  # like Python: !(true == false)
        ("!!${x}", {"x": "yes"}, True),
        ('"a\\"b" == ${s}', {"s": 'a"b'}, True),
    ],
)
def test_conditions_evaluate(text: str, names: dict[str, JsonValue], expected: bool) -> None:
    assert parse_condition(text).evaluate(values(names)) is expected


def test_and_binds_tighter_than_or() -> None:
    condition = parse_condition("${a} || ${b} && ${c}")
    assert condition.evaluate(values({"a": True, "b": False, "c": False})) is True
    assert condition.evaluate(values({"a": False, "b": True, "c": False})) is False


def test_or_and_and_short_circuit() -> None:
    def exploding(reference: Reference) -> JsonValue:
        if str(reference.target) == "boom":
            raise AssertionError("evaluated the right side")
        return True

    assert parse_condition("${ok} || ${boom}").evaluate(exploding) is True
    assert parse_condition("!${ok} && ${boom}").evaluate(exploding) is False


def test_a_condition_lists_its_references() -> None:
    condition = parse_condition("${a} == 1 || ${phases.build.v} in [${b}]")
    assert [r.raw for r in condition.references] == ["${a}", "${phases.build.v}", "${b}"]


@pytest.mark.parametrize(
    ("text", "fragment", "position"),
    [
        ("", "cannot be empty", 0),
        ("${a} = 1", "use '=='", 5),
        ("${a} & ${b}", "use '&&'", 5),
        ("${a} == ", "expected a value", 8),
        ("(${a} == 1", "expected ')'", 10),
        ('${a} in ["x" "y"]', "expected ']' or ','", 13),
        ("${a} == 1 == 2", "unexpected '=='", 10),
        ("${a} == 1)", "unexpected ')'", 9),
        ('"open', "unterminated string", 0),
        ("environment == 'PROD'", "unknown word 'environment'", 0),
        ("${a} ==", "expected a value, found the end", 7),
        ("${}", "empty", 0),
        ("${a == 1", "unclosed", 0),
        ("${a b} == 1", "not a name", 0),
        ("${a} ; 1", "unexpected ';'", 5),
    ],
)
def test_condition_errors_name_the_position(text: str, fragment: str, position: int) -> None:
    with pytest.raises(ExpressionError, match=re.escape(fragment)) as caught:
        parse_condition(text)
    assert caught.value.position == position


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "${a}.__class__",
        "open('/etc/passwd')",
        "[c for c in ()]",
        "${a} if true else false",
        "lambda: 1",
        "`id`",
    ],
)
def test_python_is_never_evaluated(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_condition(text)


def test_deep_nesting_is_refused_politely() -> None:
    with pytest.raises(ExpressionError, match="nested"):
        parse_condition("(" * 100 + "true" + ")" * 100)
    with pytest.raises(ExpressionError, match="nested"):
        parse_condition("!" * 100 + "true")


def test_long_conditions_are_refused() -> None:
    with pytest.raises(ExpressionError, match="limited"):
        parse_condition("true || " * 1000 + "true")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("${a} < 3", {"a": "2"}),
        ("${a} > 1", {"a": None}),
        ("${a} >= ${b}", {"a": True, "b": False}),
        ("1 in ${a}", {"a": 5}),
    ],
)
def test_nonsense_comparisons_fail_when_evaluated(text: str, names: dict[str, JsonValue]) -> None:
    with pytest.raises(ConditionError):
        parse_condition(text).evaluate(values(names))
