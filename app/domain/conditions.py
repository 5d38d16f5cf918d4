"""The condition language of activities: a small, safe boolean expression over `${...}` values.

    condition  := or
    or         := and (("||" | "or") and)*
    and        := not (("&&" | "and") not)*
    not        := ("!" | "not") not | comparison
    comparison := operand (("==" | "!=" | "<" | "<=" | ">" | ">=") operand
                          | ["not"] "in" operand)?
    operand    := ${ref} | "str" | 'str' | number | true | false | null
                | "[" [operand ("," operand)* [","]] "]" | "(" condition ")"

Like Python, `not` binds looser than a comparison: `!${a} == 1` means `!(${a} == 1)`.
User text is only ever tokenized and walked here; nothing is evaluated as Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from app.domain.json_values import is_number, json_equal, truthy, type_name
from app.domain.process import JsonValue
from app.domain.references import ExpressionError, Lookup, Reference, parse_reference

MAX_LENGTH = 4000
MAX_DEPTH = 32

_TOKEN = re.compile(
    r"""(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<op>\|\||&&|==|!=|<=|>=|[<>!()\[\],-])
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {"n": "\n", "t": "\t"}
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
_LITERAL_WORDS: dict[str, JsonValue] = {"true": True, "false": False, "null": None}
_HINTS = {
    "=": "use '==' to compare",
    "&": "use '&&' or 'and'",
    "|": "use '||' or 'or'",
}


class ConditionError(ValueError):
    """A condition that parsed but cannot be evaluated with the values it was given."""


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "ref", "string", "number", "op", "word" or "end"
    text: str
    position: int
    value: JsonValue = None

    def is_(self, *texts: str) -> bool:
        return self.kind in ("op", "word") and self.text in texts

    def describe(self) -> str:
        return "the end of the condition" if self.kind == "end" else repr(self.text)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
            continue
        if text.startswith("${", position):
            close = text.find("}", position)
            if close == -1:
                raise ExpressionError("unclosed ${ (missing '}')", position)
            raw = text[position : close + 1]
            target = parse_reference(raw[2:-1], position)
            tokens.append(_Token("ref", raw, position, Reference(raw, target)))
            position = close + 1
            continue
        match = _TOKEN.match(text, position)
        if match is None:
            if char in "\"'":
                raise ExpressionError("unterminated string", position)
            hint = _HINTS.get(char, "not part of the condition language")
            raise ExpressionError(f"unexpected {char!r}: {hint}", position)
        kind = match.lastgroup or ""
        word = match.group()
        if kind == "word" and word not in _KEYWORDS:
            raise ExpressionError(
                f"unknown word {word!r}: write references as ${{{word}}} and strings in quotes",
                position,
            )
        tokens.append(_Token(kind, word, position, _literal(kind, word)))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _literal(kind: str, text: str) -> JsonValue:
    if kind == "number":
        number = float(text)
        return int(number) if number.is_integer() and "e" not in text.lower() else number
    if kind == "string":
        return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), text[1:-1], flags=re.DOTALL)
    return _LITERAL_WORDS.get(text)


_Eval = Callable[[Lookup], JsonValue]


def _compare(operator: str, left: JsonValue, right: JsonValue) -> bool:
    if operator == "==":
        return json_equal(left, right)
    if operator == "!=":
        return not json_equal(left, right)
    both_numbers = is_number(left) and is_number(right)
    if not (both_numbers or (isinstance(left, str) and isinstance(right, str))):
        raise ConditionError(
            f"cannot compare {type_name(left)} {left!r} with {type_name(right)} {right!r} "
            f"using {operator}"
        )
    if operator == "<":
        return bool(left < right)
    if operator == "<=":
        return bool(left <= right)
    if operator == ">":
        return bool(left > right)
    return bool(left >= right)


def _contains(container: JsonValue, item: JsonValue) -> bool:
    if isinstance(container, list | tuple):
        return any(json_equal(item, element) for element in container)
    if isinstance(container, str) and isinstance(item, str):
        return item in container
    raise ConditionError(
        f"'in' needs a list on its right (or two strings), got {type_name(container)}"
    )


def _either(left: _Eval, right: _Eval) -> _Eval:
    return lambda get: truthy(left(get)) or truthy(right(get))


def _both(left: _Eval, right: _Eval) -> _Eval:
    return lambda get: truthy(left(get)) and truthy(right(get))


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0
        self.references: list[Reference] = []

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def take(self) -> _Token:
        token = self.peek()
        self.index += 1
        return token

    def nest(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nested more than {MAX_DEPTH} levels deep", token.position)

    def condition(self) -> _Eval:
        node = self.or_()
        if self.peek().kind != "end":
            token = self.peek()
            raise ExpressionError(f"unexpected {token.describe()}", token.position)
        return node

    def or_(self) -> _Eval:
        node = self.and_()
        while self.peek().is_("||", "or"):
            self.take()
            node = _either(node, self.and_())
        return node

    def and_(self) -> _Eval:
        node = self.not_()
        while self.peek().is_("&&", "and"):
            self.take()
            node = _both(node, self.not_())
        return node

    def not_(self) -> _Eval:
        token = self.peek()
        if not token.is_("!", "not"):
            return self.comparison()
        self.take()
        self.nest(token)
        operand = self.not_()
        self.depth -= 1
        return lambda get: not truthy(operand(get))

    def comparison(self) -> _Eval:
        left = self.operand()
        token = self.peek()
        if token.is_("==", "!=", "<", "<=", ">", ">="):
            self.take()
            right = self.operand()
            return lambda get: _compare(token.text, left(get), right(get))
        negated = token.is_("not") and self.peek(1).is_("in")
        if token.is_("in") or negated:
            self.index += 2 if negated else 1
            container = self.operand()
            return lambda get: _contains(container(get), left(get)) != negated
        return left

    def operand(self) -> _Eval:
        token = self.take()
        if token.kind == "ref":
            reference = token.value
            self.references.append(reference)
            return lambda get: get(reference)
        if token.kind in ("string", "number") or token.is_("true", "false", "null"):
            return lambda _get: token.value
        if token.is_("-") and self.peek().kind == "number":
            value = -self.take().value
            return lambda _get: value
        if token.is_("(", "["):
            self.nest(token)
            node = self.or_() if token.text == "(" else self.list_items()
            closing = self.take()
            if not closing.is_(")" if token.text == "(" else "]"):
                expected = "')'" if token.text == "(" else "']' or ','"
                raise ExpressionError(
                    f"expected {expected}, found {closing.describe()}", closing.position
                )
            self.depth -= 1
            return node
        raise ExpressionError(f"expected a value, found {token.describe()}", token.position)

    def list_items(self) -> _Eval:
        items: list[_Eval] = []
        while not self.peek().is_("]"):
            items.append(self.operand())
            if not self.peek().is_(","):
                break
            self.take()
        return lambda get: [item(get) for item in items]


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition: the text it came from, the references it reads, and its meaning."""

    text: str
    references: tuple[Reference, ...]
    _evaluate: _Eval

    def evaluate(self, lookup: Lookup) -> bool:
        """Whether the condition holds when each reference has the value `lookup` gives it."""
        return truthy(self._evaluate(lookup))


def parse_condition(text: str) -> Condition:
    """The condition `text` describes; ExpressionError with the position of what is wrong."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"a condition is limited to {MAX_LENGTH} characters", MAX_LENGTH)
    if not text.strip():
        raise ExpressionError("a condition cannot be empty", 0)
    parser = _Parser(text)
    evaluate = parser.condition()
    return Condition(text, tuple(parser.references), evaluate)
