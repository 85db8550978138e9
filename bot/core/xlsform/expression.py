"""The XLSForm expression language, as far as a chat survey needs it: parsed once at import into
a syntax tree, then evaluated safely at answer time (never with `eval`).

What it reads (the XPath 1.0 subset XLSForms use in `relevant`, `constraint`, `calculation`,
`choice_filter` and `${name}` in labels):
- `${name}` for another question's answer, `.` for the answer being checked;
- numbers, 'strings' and "strings";
- `+ - * div mod`, unary minus, `= != < <= > >=`, `and`, `or`, and parentheses;
- functions: selected, count-selected, string-length, regex, if, not, true, false, concat,
  coalesce, contains, starts-with, ends-with, substr, number, int, round, string, boolean,
  today (a date as 'YYYY-MM-DD').

Values follow XForms: an unanswered question is the empty string; a select_multiple answer is
its choice names separated by spaces; a comparison of two values that both read as numbers is
numeric, otherwise textual; booleans are true/false, and a value used as a condition is true
when it is a non-zero number or a non-empty string.

Everything that can go wrong with the text of an expression goes wrong at parse time, as an
`ExpressionError` naming the place: a form with a broken expression is refused at import, never
at answer time. Evaluation itself cannot raise for any answers (a division by zero is NaN, as
in XPath; a bad regular expression was refused at parse time).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

Value = str | float | bool


class ExpressionError(ValueError):
    """The expression cannot be read; the message says where and why, for an import report."""


# -- the syntax tree ---------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Value


@dataclass(frozen=True)
class Ref:
    name: str  # ${name}


@dataclass(frozen=True)
class Current:
    """`.`: the answer being checked (in a constraint)."""


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Literal | Ref | Current | Unary | Binary | Call


@dataclass(frozen=True)
class Expression:
    """A parsed expression, with the names it reads (checked against the form at import)."""

    text: str
    tree: Node
    references: frozenset[str]

    def evaluate(self, values: Mapping[str, Value], current: Value = "", *, today: date) -> Value:
        return _evaluate(self.tree, values, current, today)

    def holds(self, values: Mapping[str, Value], current: Value = "", *, today: date) -> bool:
        return truth(self.evaluate(values, current, today=today))

    def text_of(self, values: Mapping[str, Value], current: Value = "", *, today: date) -> str:
        return text(self.evaluate(values, current, today=today))


# -- reading -----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<ref>\$\{\s*(?P<refname>[A-Za-z_][\w.-]*)\s*\})
  | (?P<number>\d+(\.\d*)?|\.\d+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,)
  | (?P<dot>\.(?![\w.]))
  | (?P<name>[A-Za-z_][\w:.-]*)
    """,
    re.VERBOSE,
)

# Word operators, by their binding strength (higher binds tighter), with the symbolic ones.
_BINARY: Final = {
    "or": 1,
    "and": 2,
    "=": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "div": 6,
    "mod": 6,
}

# name -> (fewest arguments, most arguments or None for any number)
_FUNCTIONS: Final = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "string-length": (1, 1),
    "regex": (2, 2),
    "if": (3, 3),
    "not": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "concat": (1, None),
    "coalesce": (2, 2),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
    "substr": (2, 3),
    "number": (1, 1),
    "int": (1, 1),
    "round": (1, 2),
    "string": (1, 1),
    "boolean": (1, 1),
    "today": (0, 0),
}
_MAX_LENGTH: Final = 2000  # no real form's expression comes near; a bigger one is a mistake
_MAX_DEPTH: Final = 60


@dataclass(frozen=True)
class _Token:
    kind: str  # "ref", "number", "string", "op", "dot", "name", "end"
    text: str
    at: int


def _tokens(source: str) -> list[_Token]:
    found, at = [], 0
    while at < len(source):
        match = _TOKEN.match(source, at)
        if match is None:
            raise ExpressionError(f"cannot read {source[at : at + 12]!r} at character {at + 1}")
        kind = match.lastgroup or ""
        if kind == "refname":  # the group inside ref
            kind = "ref"
        if kind == "ref":
            found.append(_Token("ref", match.group("refname"), at))
        elif kind != "space":
            found.append(_Token(kind, match.group(0), at))
        at = match.end()
    found.append(_Token("end", "", len(source)))
    return found


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokens(source)
        self.at = 0
        self.references: set[str] = set()
        self.depth = 0

    def parse(self) -> Node:
        node = self.expression(0)
        token = self.peek()
        if token.kind != "end":
            raise self.error(f"unexpected {token.text!r}", token)
        return node

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def error(self, message: str, token: _Token) -> ExpressionError:
        where = "at the end" if token.kind == "end" else f"at character {token.at + 1}"
        return ExpressionError(f"{message} {where}")

    def binary_op(self, token: _Token) -> str | None:
        if token.kind == "op" and token.text in _BINARY:
            return token.text
        if token.kind == "name" and token.text in ("and", "or", "div", "mod"):
            return token.text
        return None

    def expression(self, weakest: int) -> Node:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise ExpressionError("the expression is nested too deeply")
        left = self.unary()
        while True:
            op = self.binary_op(self.peek())
            if op is None or _BINARY[op] <= weakest:
                break
            self.take()
            left = Binary(op, left, self.expression(_BINARY[op]))
        self.depth -= 1
        return left

    def unary(self) -> Node:
        token = self.peek()
        if token.kind == "op" and token.text == "-":
            self.take()
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise ExpressionError("the expression is nested too deeply")
            operand = self.unary()
            self.depth -= 1
            return Unary("-", operand)
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return Literal(float(token.text))
        if token.kind == "string":
            return Literal(token.text[1:-1])
        if token.kind == "ref":
            self.references.add(token.text)
            return Ref(token.text)
        if token.kind == "dot":
            return Current()
        if token.kind == "op" and token.text == "(":
            inner = self.expression(0)
            self.expect(")")
            return inner
        if token.kind == "name":
            return self.call(token)
        raise self.error(
            "an expression ended too early"
            if token.kind == "end"
            else f"unexpected {token.text!r}",
            token,
        )

    def call(self, token: _Token) -> Node:
        name = token.text
        if self.peek().text != "(":
            raise self.error(f"{name!r} is not a function call or a ${{name}} reference", token)
        if name not in _FUNCTIONS:
            raise self.error(f"the function {name}() is not supported in chat surveys", token)
        self.take()
        args: list[Node] = []
        if self.peek().text != ")":
            args.append(self.expression(0))
            while self.peek().text == ",":
                self.take()
                args.append(self.expression(0))
        self.expect(")")
        fewest, most = _FUNCTIONS[name]
        if len(args) < fewest or (most is not None and len(args) > most):
            wanted = str(fewest) if fewest == most else f"{fewest} or more"
            raise self.error(f"{name}() takes {wanted} argument(s), not {len(args)}", token)
        if name == "regex" and isinstance(args[1], Literal):
            try:
                re.compile(str(args[1].value))
            except re.error as exc:
                raise self.error(f"regex() has a bad pattern ({exc})", token) from None
        return Call(name, tuple(args))

    def expect(self, text_: str) -> None:
        token = self.take()
        if token.text != text_:
            raise self.error(f"expected {text_!r}", token)


def parse(source: str) -> Expression:
    """Parse an XLSForm expression; ExpressionError if it cannot be read."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("the expression is empty")
    if len(source) > _MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {_MAX_LENGTH} characters")
    parser = _Parser(source)
    tree = parser.parse()
    return Expression(source, tree, frozenset(parser.references))


# -- values ------------------------------------------------------------------------------


def number(value: Value) -> float:
    """XPath number(): a boolean is 1 or 0; text that is not a number is NaN."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    try:
        return float(value.strip()) if value.strip() else math.nan
    except ValueError:
        return math.nan


def truth(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    return value != ""


def text(value: Value) -> str:
    """XPath string(): whole numbers without '.0', booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return value


def _compare(op: str, left: Value, right: Value) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        a, b = truth(left), truth(right)
        if op in ("=", "!="):
            return (a == b) == (op == "=")
        left, right = float(a), float(b)
    x, y = number(left), number(right)
    numeric = not (math.isnan(x) or math.isnan(y))
    if op in ("=", "!="):
        same = x == y if numeric else text(left) == text(right)
        return same == (op == "=")
    if not numeric:  # XPath: < and > compare numbers; text that is not one is NaN: false
        return False
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def _arithmetic(op: str, left: Value, right: Value) -> float:
    x, y = number(left), number(right)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if y == 0 or (op == "mod" and math.isinf(x)):  # XPath: NaN, never an error
        return math.nan
    return x / y if op == "div" else math.fmod(x, y)


def _chosen(value: Value) -> list[str]:
    return text(value).split()


def _evaluate(node: Node, values: Mapping[str, Value], current: Value, today: date) -> Value:
    def ev(n: Node) -> Value:
        return _evaluate(n, values, current, today)

    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Ref):
        return values.get(node.name, "")
    if isinstance(node, Current):
        return current
    if isinstance(node, Unary):
        return -number(ev(node.operand))
    if isinstance(node, Binary):
        if node.op == "and":
            return truth(ev(node.left)) and truth(ev(node.right))
        if node.op == "or":
            return truth(ev(node.left)) or truth(ev(node.right))
        if node.op in ("=", "!=", "<", "<=", ">", ">="):
            return _compare(node.op, ev(node.left), ev(node.right))
        return _arithmetic(node.op, ev(node.left), ev(node.right))
    return _FUNCTION_BODIES[node.name](node.args, ev, today)


Evaluator = Callable[[Node], Value]


def _if(args: tuple[Node, ...], ev: Evaluator, today: date) -> Value:
    return ev(args[1]) if truth(ev(args[0])) else ev(args[2])


def _coalesce(args: tuple[Node, ...], ev: Evaluator, today: date) -> Value:
    first = ev(args[0])
    return first if text(first) != "" else ev(args[1])


def _substr(args: tuple[Node, ...], ev: Evaluator, today: date) -> Value:
    whole = text(ev(args[0]))
    start = _whole(number(ev(args[1])), len(whole) + 1)
    if start is None:
        return ""
    begin = max(start - 1, 0)  # XPath counts from 1
    if len(args) == 2:
        return whole[begin:]
    length = _whole(number(ev(args[2])), len(whole))
    return "" if length is None else whole[begin : begin + max(length, 0)]


def _whole(value: float, most: int) -> int | None:
    """A position or length: rounded, within [-most, most]; None for NaN."""
    if math.isnan(value):
        return None
    return (
        int(max(min(math.floor(value + 0.5), most), -most))
        if not math.isinf(value)
        else (most if value > 0 else -most)
    )


def _round(args: tuple[Node, ...], ev: Evaluator, today: date) -> Value:
    value = number(ev(args[0]))
    digits = _whole(number(ev(args[1])), 15) if len(args) == 2 else 0
    if digits is None or math.isnan(value) or math.isinf(value):
        return value if digits is not None else math.nan
    scale = 10.0**digits
    return math.floor(value * scale + 0.5) / scale  # XPath rounds halves up


def _regex(args: tuple[Node, ...], ev: Evaluator, today: date) -> Value:
    try:
        return re.search(text(ev(args[1])), text(ev(args[0]))) is not None
    except re.error:  # a pattern built at answer time (rare): no match rather than a crash
        return False


def _int(args: tuple[Node, ...], ev: Evaluator, today: date) -> Value:
    value = number(ev(args[0]))
    return value if math.isnan(value) or math.isinf(value) else float(math.trunc(value))


_FUNCTION_BODIES: Final[dict[str, Callable[[tuple[Node, ...], Evaluator, date], Value]]] = {
    "selected": lambda a, ev, t: text(ev(a[1])).strip() in _chosen(ev(a[0])),
    "count-selected": lambda a, ev, t: float(len(_chosen(ev(a[0])))),
    "string-length": lambda a, ev, t: float(len(text(ev(a[0])))),
    "regex": _regex,
    "if": _if,
    "not": lambda a, ev, t: not truth(ev(a[0])),
    "true": lambda a, ev, t: True,
    "false": lambda a, ev, t: False,
    "concat": lambda a, ev, t: "".join(text(ev(x)) for x in a),
    "coalesce": _coalesce,
    "contains": lambda a, ev, t: text(ev(a[1])) in text(ev(a[0])),
    "starts-with": lambda a, ev, t: text(ev(a[0])).startswith(text(ev(a[1]))),
    "ends-with": lambda a, ev, t: text(ev(a[0])).endswith(text(ev(a[1]))),
    "substr": _substr,
    "number": lambda a, ev, t: number(ev(a[0])),
    "int": _int,
    "round": _round,
    "string": lambda a, ev, t: text(ev(a[0])),
    "boolean": lambda a, ev, t: truth(ev(a[0])),
    "today": lambda a, ev, t: t.isoformat(),
}
assert set(_FUNCTION_BODIES) == set(_FUNCTIONS)
