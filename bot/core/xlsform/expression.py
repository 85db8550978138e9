"""The XLSForm expression language, as far as a chat survey needs it: parsed once at import into
a syntax tree, then evaluated safely at answer time (never with `eval`).

What it reads (the XPath 1.0 subset XLSForms use in `relevant`, `constraint`, `calculation`,
`choice_filter` and `${name}` in labels):
- `${name}` for another question's answer, `.` for the answer being checked, and in a
  `choice_filter` a bare name for a column of the choices sheet (`${state} = cf`);
- numbers, 'strings' and "strings";
- `+ - * div mod`, unary minus, `= != < <= > >=`, `and`, `or`, and parentheses;
- functions: selected, selected-at, count-selected, string-length, regex, if, not, true,
  false, concat, coalesce, contains, starts-with, ends-with, substr, number, int, round, string,
  boolean, today (a date as 'YYYY-MM-DD'), once, uuid, the math functions (sqrt, pow, exp, log,
  log10, abs, floor, ceiling, sin, cos, tan, asin, acos, atan, pi), and for repeats
  position(..), count, sum, min, max and indexed-repeat.

A question inside a repeat, read from outside it, is all its answers (a tuple, one per round):
count() and sum() take them all, indexed-repeat() one of them, anything else the first, as in
XPath. Not read at all: secondary instances (`instance('x')/...`), paths, and functions that
need the device (pulldata, geo functions): those are named in the import report.

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
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final

# A repeated question's answers (one per round), read from outside the repeat: a tuple.
Value = str | float | bool | tuple[str, ...]


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
class Column:
    """A bare name in a choice_filter: that column of the choice being filtered."""

    name: str


@dataclass(frozen=True)
class Parent:
    """`..`, only as position()'s argument: the round of the repeat the question is in."""


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


Node = Literal | Ref | Current | Column | Parent | Unary | Binary | Call


@dataclass(frozen=True)
class Scope:
    """What an expression is evaluated against: the answers so far by question name, the
    answer being checked (`.`), today's date in the person's zone, the choice being filtered
    (its columns, for a choice_filter) and the round of the repeat (from 1; 0 outside one)."""

    values: Mapping[str, Value]
    today: date
    current: Value = ""
    row: Mapping[str, Value] | None = None
    position: int = 0


@dataclass(frozen=True)
class Expression:
    """A parsed expression, with the names it reads (checked against the form at import)."""

    text: str
    tree: Node
    references: frozenset[str]
    columns: frozenset[str] = frozenset()  # choice sheet columns a choice_filter reads
    # The tree turned into nested Python closures once, at parse time: evaluating then walks
    # no tree and asks no isinstance (an imported form evaluates hundreds per answer).
    run: Callable[[Scope], Value] | None = field(default=None, compare=False, repr=False)

    def evaluate(self, scope: Scope) -> Value:
        if self.run is not None:
            return self.run(scope)
        return _evaluate(self.tree, scope)

    def holds(self, scope: Scope) -> bool:
        return truth(self.evaluate(scope))

    def text_of(self, scope: Scope) -> str:
        return text(self.evaluate(scope))


# -- reading -----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<ref>\$\{\s*(?P<refname>[A-Za-z_][\w.-]*)\s*\})
  | (?P<number>\d+(\.\d*)?|\.\d+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,)
  | (?P<parent>\.\.(?![\w./]))
  | (?P<dot>\.(?![\w./]))
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
    "once": (1, 1),
    "uuid": (0, 0),
    "selected-at": (2, 2),
    "position": (1, 1),
    "count": (1, 1),
    "sum": (1, 1),
    "min": (1, None),
    "max": (1, None),
    "indexed-repeat": (3, 3),
    "sqrt": (1, 1),
    "pow": (2, 2),
    "exp": (1, 1),
    "log": (1, 1),
    "log10": (1, 1),
    "abs": (1, 1),
    "floor": (1, 1),
    "ceiling": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "tan": (1, 1),
    "asin": (1, 1),
    "acos": (1, 1),
    "atan": (1, 1),
    "pi": (0, 0),
}
# Said in the import report instead of "cannot read": what these are and why they cannot run.
_NOT_IN_CHAT: Final = {
    "instance": "secondary instances (instance('...')/...) are not supported in chat surveys",
    "pulldata": "pulldata() reads a CSV attached to the form on a device; not in chat surveys",
    "jr:choice-name": "jr:choice-name() is not supported yet in chat surveys",
    "area": "geo functions need a map; not in chat surveys",
    "distance": "geo functions need a map; not in chat surveys",
    "now": "now() is not supported in chat surveys (today() is)",
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
    def __init__(self, source: str, choice_filter: bool) -> None:
        self.source = source
        self.tokens = _tokens(source)
        self.at = 0
        self.references: set[str] = set()
        self.columns: set[str] = set()
        self.choice_filter = choice_filter
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
        if token.kind == "parent":
            raise self.error("'..' is only read as position(..)", token)
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
        if name in _NOT_IN_CHAT:
            raise self.error(_NOT_IN_CHAT[name], token)
        if self.peek().text != "(":
            if self.choice_filter:
                self.columns.add(name)
                return Column(name)
            raise self.error(f"{name!r} is not a function call or a ${{name}} reference", token)
        if name not in _FUNCTIONS:
            raise self.error(f"the function {name}() is not supported in chat surveys", token)
        self.take()
        args: list[Node] = []
        if name == "position":
            parent = self.take()
            if parent.kind != "parent":
                raise self.error("position() is read only as position(..)", parent)
            args.append(Parent())
        elif self.peek().text != ")":
            args.append(self.expression(0))
            while self.peek().text == ",":
                self.take()
                args.append(self.expression(0))
        self.expect(")")
        fewest, most = _FUNCTIONS[name]
        if len(args) < fewest or (most is not None and len(args) > most):
            wanted = str(fewest) if fewest == most else f"{fewest} or more"
            raise self.error(f"{name}() takes {wanted} argument(s), not {len(args)}", token)
        if name == "indexed-repeat" and not all(isinstance(a, Ref) for a in args[:2]):
            raise self.error("indexed-repeat() takes ${question}, ${repeat}, then a round", token)
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


def parse(source: str, *, choice_filter: bool = False) -> Expression:
    """Parse an XLSForm expression; ExpressionError if it cannot be read. `choice_filter`:
    bare names are columns of the choices sheet."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("the expression is empty")
    if len(source) > _MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {_MAX_LENGTH} characters")
    lookup = re.search(r"\binstance\s*\(", source)
    if lookup:  # its paths would stop the reading first, with a less helpful message
        raise ExpressionError(f"{_NOT_IN_CHAT['instance']} at character {lookup.start() + 1}")
    parser = _Parser(source, choice_filter)
    tree = parser.parse()
    references, columns = frozenset(parser.references), frozenset(parser.columns)
    return Expression(source, tree, references, columns, _compile(tree))


def conjuncts(expression: Expression) -> list[Expression]:
    """The parts of `a and b and c` as expressions of their own (one part when the top is not
    `and`). A form's group condition is ANDed into each question's own at import: evaluated
    as parts, the group's part can be remembered once per round instead of per question."""
    parts: list[Node] = []

    def split(node: Node) -> None:
        if isinstance(node, Binary) and node.op == "and":
            split(node.left)
            split(node.right)
        else:
            parts.append(node)

    split(expression.tree)
    if len(parts) == 1:
        return [expression]
    return [
        Expression(expression.text, part, frozenset(_references(part)), run=_compile(part))
        for part in parts
    ]


def _references(node: Node) -> set[str]:
    if isinstance(node, Ref):
        return {node.name}
    if isinstance(node, Unary):
        return _references(node.operand)
    if isinstance(node, Binary):
        return _references(node.left) | _references(node.right)
    if isinstance(node, Call):
        return {name for arg in node.args for name in _references(arg)}
    return set()


# -- values ------------------------------------------------------------------------------


def number(value: Value) -> float:
    """XPath number(): a boolean is 1 or 0; text that is not a number is NaN."""
    if isinstance(value, tuple):
        value = value[0] if value else ""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    try:
        return float(value.strip()) if value.strip() else math.nan
    except ValueError:
        return math.nan


def truth(value: Value) -> bool:
    if isinstance(value, tuple):  # XPath: a node-set is true when it is not empty
        return bool(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    return value != ""


def text(value: Value) -> str:
    """XPath string(): whole numbers without '.0', booleans as true/false, a repeated
    question's first answer."""
    if isinstance(value, tuple):
        return value[0] if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
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


def _evaluate(node: Node, scope: Scope) -> Value:
    def ev(n: Node) -> Value:
        return _evaluate(n, scope)

    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Ref):
        return scope.values.get(node.name, "")
    if isinstance(node, Current):
        return scope.current
    if isinstance(node, Column):
        return (scope.row or {}).get(node.name, "")
    if isinstance(node, Parent):
        return float(scope.position)
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
    return _FUNCTION_BODIES[node.name](node.args, ev, scope)


Compiled = Callable[[Scope], Value]


def _compile(node: Node) -> Compiled:
    """The closure that evaluates `node` as `_evaluate` does (the two must agree: the table
    tests run both)."""
    if isinstance(node, Literal):
        value = node.value
        return lambda scope: value
    if isinstance(node, Ref):
        name = node.name
        return lambda scope: scope.values.get(name, "")
    if isinstance(node, Current):
        return lambda scope: scope.current
    if isinstance(node, Column):
        column = node.name
        return lambda scope: (scope.row or {}).get(column, "")
    if isinstance(node, Parent):
        return lambda scope: float(scope.position)
    if isinstance(node, Unary):
        operand = _compile(node.operand)
        return lambda scope: -number(operand(scope))
    if isinstance(node, Binary):
        left, right, op = _compile(node.left), _compile(node.right), node.op
        if op == "and":
            return lambda scope: truth(left(scope)) and truth(right(scope))
        if op == "or":
            return lambda scope: truth(left(scope)) or truth(right(scope))
        if op in ("=", "!=", "<", "<=", ">", ">="):
            return lambda scope: _compare(op, left(scope), right(scope))
        return lambda scope: _arithmetic(op, left(scope), right(scope))
    body, args = _FUNCTION_BODIES[node.name], node.args
    parts = {arg: _compile(arg) for arg in args}

    def call(scope: Scope) -> Value:
        return body(args, lambda arg: parts[arg](scope), scope)

    return call


Evaluator = Callable[[Node], Value]
Body = Callable[[tuple[Node, ...], Evaluator, Scope], Value]


def _if(args: tuple[Node, ...], ev: Evaluator, scope: Scope) -> Value:
    return ev(args[1]) if truth(ev(args[0])) else ev(args[2])


def _coalesce(args: tuple[Node, ...], ev: Evaluator, scope: Scope) -> Value:
    first = ev(args[0])
    return first if text(first) != "" else ev(args[1])


def _substr(args: tuple[Node, ...], ev: Evaluator, scope: Scope) -> Value:
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
    if math.isinf(value):
        return most if value > 0 else -most
    return int(max(min(math.floor(value + 0.5), most), -most))


def _round(args: tuple[Node, ...], ev: Evaluator, scope: Scope) -> Value:
    value = number(ev(args[0]))
    digits = _whole(number(ev(args[1])), 15) if len(args) == 2 else 0
    if digits is None:
        return math.nan
    if math.isnan(value) or math.isinf(value):
        return value
    scale = 10.0**digits
    if math.isinf(value * scale):  # too large for that many digits: it is already round
        return value
    return math.floor(value * scale + 0.5) / scale  # XPath rounds halves up


def _regex(args: tuple[Node, ...], ev: Evaluator, scope: Scope) -> Value:
    try:
        return re.search(text(ev(args[1])), text(ev(args[0]))) is not None
    except re.error:  # a pattern built at answer time (rare): no match rather than a crash
        return False


def _int(args: tuple[Node, ...], ev: Evaluator, scope: Scope) -> Value:
    value = number(ev(args[0]))
    return value if math.isnan(value) or math.isinf(value) else float(math.trunc(value))


def _all(value: Value) -> tuple[str, ...]:
    """Every answer of a repeated question (a single answer is one)."""
    if isinstance(value, tuple):
        return value
    return (text(value),)


def _numbers(args: tuple[Node, ...], ev: Evaluator) -> list[float]:
    return [number(v) for a in args for v in _all(ev(a))]


def _extreme(pick: Callable[[list[float]], float]) -> Body:
    def body(args: tuple[Node, ...], ev: Evaluator, scope: Scope) -> Value:
        found = _numbers(args, ev)
        return math.nan if not found or any(math.isnan(x) for x in found) else pick(found)

    return body


def _indexed(args: tuple[Node, ...], ev: Evaluator, scope: Scope) -> Value:
    answers = _all(ev(args[0]))
    index = _whole(number(ev(args[2])), len(answers) + 1)
    return answers[index - 1] if index is not None and 1 <= index <= len(answers) else ""


def _selected_at(args: tuple[Node, ...], ev: Evaluator, scope: Scope) -> Value:
    chosen = _chosen(ev(args[0]))
    index = _whole(number(ev(args[1])), len(chosen) + 1)
    return chosen[index] if index is not None and 0 <= index < len(chosen) else ""


def _math(fn: Callable[..., float]) -> Body:
    """A math function: NaN for any argument outside its domain, never an error."""

    def body(args: tuple[Node, ...], ev: Evaluator, scope: Scope) -> Value:
        try:
            return float(fn(*(number(ev(a)) for a in args)))
        except (ValueError, OverflowError):
            return math.nan

    return body


def _sum(args: tuple[Node, ...], ev: Evaluator, scope: Scope) -> Value:
    return math.fsum(_numbers(args, ev))


_FUNCTION_BODIES: Final[dict[str, Body]] = {
    "selected": lambda a, ev, s: text(ev(a[1])).strip() in _chosen(ev(a[0])),
    "selected-at": _selected_at,
    "count-selected": lambda a, ev, s: float(len(_chosen(ev(a[0])))),
    "string-length": lambda a, ev, s: float(len(text(ev(a[0])))),
    "regex": _regex,
    "if": _if,
    "not": lambda a, ev, s: not truth(ev(a[0])),
    "true": lambda a, ev, s: True,
    "false": lambda a, ev, s: False,
    "concat": lambda a, ev, s: "".join(text(ev(x)) for x in a),
    "coalesce": _coalesce,
    "contains": lambda a, ev, s: text(ev(a[1])) in text(ev(a[0])),
    "starts-with": lambda a, ev, s: text(ev(a[0])).startswith(text(ev(a[1]))),
    "ends-with": lambda a, ev, s: text(ev(a[0])).endswith(text(ev(a[1]))),
    "substr": _substr,
    "number": lambda a, ev, s: number(ev(a[0])),
    "int": _int,
    "round": _round,
    "string": lambda a, ev, s: text(ev(a[0])),
    "boolean": lambda a, ev, s: truth(ev(a[0])),
    "today": lambda a, ev, s: s.today.isoformat(),
    # once(): a calculate kept from its first value; the survey runner stores calculations
    # once, so here it is its argument.
    "once": lambda a, ev, s: ev(a[0]),
    "uuid": lambda a, ev, s: str(uuid.uuid4()),
    "position": lambda a, ev, s: float(s.position),
    "count": lambda a, ev, s: float(len(_all(ev(a[0])))),
    "sum": _sum,
    "min": _extreme(min),
    "max": _extreme(max),
    "indexed-repeat": _indexed,
    "sqrt": _math(math.sqrt),
    "pow": _math(math.pow),
    "exp": _math(math.exp),
    "log": _math(math.log),
    "log10": _math(math.log10),
    "abs": _math(abs),
    "floor": _math(math.floor),
    "ceiling": _math(math.ceil),
    "sin": _math(math.sin),
    "cos": _math(math.cos),
    "tan": _math(math.tan),
    "asin": _math(math.asin),
    "acos": _math(math.acos),
    "atan": _math(math.atan),
    "pi": lambda a, ev, s: math.pi,
}
assert set(_FUNCTION_BODIES) == set(_FUNCTIONS)
