"""The XLSForm expression language (issue 10): table tests of what real forms write, malformed
expressions refused at parse time with the place named, and a fuzz that no parsed expression
raises at answer time whatever the answers are."""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.xlsform.expression import ExpressionError, Scope, Value, _evaluate, parse, text

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 12, 2)
ANSWERS: dict[str, Value] = {
    "age": "34",
    "status": "freelance",
    "platforms": "gojek grab shopee",
    "name": "Siti",
    "hours": "7.5",
    "empty": "",
    "consent": "yes",
}


def ev(expression: str, current: Value = "") -> Value:
    """The value, from the compiled closures, checked against the tree walker's."""
    parsed, scope = parse(expression), Scope(ANSWERS, TODAY, current)
    value = parsed.evaluate(scope)
    walked = _evaluate(parsed.tree, scope)
    if "uuid" not in expression:
        same = value == walked or (value != value and walked != walked)  # NaN is NaN
        assert same, (expression, value, walked)
    return value


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # comparisons: numeric when both sides read as numbers, else textual
        ("${age} >= 18", True),
        ("${age} < 18", False),
        ("${age} = 34", True),
        ("${age} = '34'", True),
        ("${status} = 'freelance'", True),
        ("${status} != 'employee'", True),
        ("${hours} > 7", True),
        ("${empty} = ''", True),
        ("${empty} > 3", False),  # an empty answer is no number: no order
        ("${name} < 'Z'", False),
        ("${missing} = ''", True),  # a question not answered (or not asked) is empty
        # and / or / not / precedence
        ("${age} > 18 and ${status} = 'freelance'", True),
        ("${age} > 40 or ${status} = 'freelance'", True),
        ("not(${age} > 40)", True),
        ("${age} > 40 or ${age} > 30 and ${name} = 'Budi'", False),
        ("(${age} > 40 or ${age} > 30) and ${name} = 'Siti'", True),
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("10 div 4", 2.5),
        ("10 mod 4", 2.0),
        ("-${age} + 40", 6.0),
        ("2 - -1", 3.0),
        ("${age} * 2 = 68", True),
        # selections
        ("selected(${platforms}, 'grab')", True),
        ("selected(${platforms}, 'maxim')", False),
        ("selected(${status}, 'freelance')", True),
        ("count-selected(${platforms})", 3.0),
        ("count-selected(${empty})", 0.0),
        ("count-selected(${platforms}) >= 2", True),
        # text
        ("string-length(${name})", 4.0),
        ("string-length(.) <= 5", True),
        ("regex(., '^[0-9]{16}$')", False),
        ("concat(${name}, ' (', ${age}, ')')", "Siti (34)"),
        ("coalesce(${empty}, 'none')", "none"),
        ("coalesce(${name}, 'none')", "Siti"),
        ("contains(${platforms}, 'shop')", True),
        ("starts-with(${name}, 'Si')", True),
        ("ends-with(${name}, 'ti')", True),
        ("substr(${name}, 2, 2)", "it"),
        ("substr(${name}, 3)", "ti"),
        # numbers and conversions
        ("number(${hours}) + 1", 8.5),
        ("int(${hours})", 7.0),
        ("round(${hours})", 8.0),
        ("round(2.345, 2)", 2.35),
        ("string(${age})", "34"),
        ("boolean(${empty})", False),
        ("if(${age} >= 18, 'adult', 'minor')", "adult"),
        ("if(${empty}, 'yes', 'no')", "no"),
        ("true() and not(false())", True),
        ("today()", "2026-12-02"),
        ("${consent} = 'yes' and true()", True),
        (".", "current"),
        (". >= 18 and . <= 99", False),  # text that is no number: no order
        ("\"double quoted\" = 'double quoted'", True),
    ],
)
def test_expressions_real_forms_write(expression: str, expected: Value) -> None:
    current: Value = "current" if expression == "." else ("Siti" if "." in expression else "")
    if expression.startswith(". >="):
        current = "many"
    assert ev(expression, current) == expected


def test_constraints_check_the_current_answer() -> None:
    nik = parse("regex(., '^[0-9]{16}$')")
    assert nik.holds(Scope(ANSWERS, TODAY, "3174012345678901"))
    assert not nik.holds(Scope(ANSWERS, TODAY, "31740"))
    hours = parse(". >= 0 and . <= 24")
    assert hours.holds(Scope(ANSWERS, TODAY, "8")) and not hours.holds(Scope(ANSWERS, TODAY, "25"))


def test_the_names_an_expression_reads_are_known_at_parse_time() -> None:
    found = parse("${a} > 1 and selected(${b}, 'x') or ${ a } = ${c}").references
    assert found == {"a", "b", "c"}


def test_labels_show_numbers_as_people_write_them() -> None:
    assert text(ev("${age} + 1")) == "35"
    assert text(ev("${hours} * 2")) == "15"
    assert text(ev("1 div 3")).startswith("0.333")
    assert text(ev("1 div 0")) == "NaN"


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("${age} >", "ended too early"),
        ("${age} >= 18 and", "ended too early"),
        ("(${age} > 1", "expected ')'"),
        ("${age} > 1)", "unexpected ')'"),
        ("selected(${a})", "selected() takes 2"),
        ("if(1, 2)", "if() takes 3"),
        ("pulldata('x', 'y', 'z', 'w')", "pulldata() reads a CSV"),
        ("jr:choice-name(${a}, '${a}')", "not supported"),
        ("instance('features')/root/item[id=${f}]/id", "secondary instances"),
        ("position(${a})", "only as position"),
        ("indexed-repeat(${a}, 'r', 1)", "indexed-repeat() takes"),
        ("${age} >< 3", "unexpected '<'"),
        ("${age} = 'unclosed", "cannot read"),
        ("${}", "cannot read"),
        ("../x", "cannot read"),
        (".. = 1", "only read as position"),
        ("age > 3", "not a function call"),
        ("regex(., '[unclosed')", "bad pattern"),
        ("now() > 1", "today() is"),
        ("sqrt(1, 2)", "sqrt() takes 1"),
        ("1 " * 3, "unexpected '1'"),
        ("-" * 500 + "1", "nested too deeply"),
        ("(" * 200 + "1" + ")" * 200, "nested too deeply"),
        ("x" * 3000, "longer than"),
    ],
)
def test_malformed_expressions_are_refused_with_the_place(expression: str, problem: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(problem)):
        parse(expression)


def test_errors_name_the_character() -> None:
    with pytest.raises(ExpressionError, match="at character 8"):
        parse("${a} = 'b")


ANSWER = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "0", "-1", "1e308", "NaN", "inf", "3.5", "a b c", "1 2"]),
)
EXPRESSIONS = [
    "${a} > ${b}",
    "${a} div ${b}",
    "${a} mod ${b}",
    "round(${a}, ${b})",
    "substr(${a}, ${b}, ${b})",
    "int(${a}) * -${b}",
    "regex(${a}, ${b})",
    "selected(${a}, ${b}) or count-selected(${a}) = ${b}",
    "if(${a}, concat(${a}, ${b}), coalesce(${b}, .))",
    "string-length(.) > number(${a})",
    "not(${a} = ${b}) and boolean(.)",
]


@settings(max_examples=300, deadline=None)
@given(a=ANSWER, b=ANSWER, current=ANSWER, which=st.sampled_from(EXPRESSIONS))
def test_no_answer_makes_an_expression_raise(a: str, b: str, current: str, which: str) -> None:
    value = parse(which).evaluate(Scope({"a": a, "b": b}, TODAY, current))
    assert isinstance(value, str | float | bool)
    if isinstance(value, float) and not math.isnan(value):
        assert text(value)  # a label can always show it


def test_repeats_choice_filters_and_math() -> None:
    rounds: dict[str, Value] = {"age": ("34", "7", "61"), "name": ("Siti", "Ani", "Budi")}
    assert parse("count(${age})").evaluate(Scope(rounds, TODAY)) == 3.0
    assert parse("sum(${age})").evaluate(Scope(rounds, TODAY)) == 102.0
    assert parse("max(${age})").evaluate(Scope(rounds, TODAY)) == 61.0
    assert parse("indexed-repeat(${name}, ${people}, 2)").evaluate(Scope(rounds, TODAY)) == "Ani"
    assert parse("indexed-repeat(${name}, ${people}, 9)").evaluate(Scope(rounds, TODAY)) == ""
    assert parse("${age} > 18").evaluate(Scope(rounds, TODAY)) is True  # the first round
    assert parse("position(..) <= 2").holds(Scope({}, TODAY, position=2))
    assert not parse("position(..) <= 2").holds(Scope({}, TODAY, position=3))

    cascade = parse("state = ${state} and name != 'x'", choice_filter=True)
    assert cascade.columns == {"state", "name"} and cascade.references == {"state"}
    assert cascade.holds(Scope({"state": "ntt"}, TODAY, row={"state": "ntt", "name": "kupang"}))
    assert not cascade.holds(Scope({"state": "ntt"}, TODAY, row={"state": "bali", "name": "a"}))
    with pytest.raises(ExpressionError, match="not a function call"):
        parse("state = ${state}")  # outside a choice_filter a bare name is a mistake

    assert ev("round(sqrt(16) + pow(2, 3) + abs(-1) + floor(1.7) + ceiling(1.2), 0)") == 16.0
    assert math.isnan(number_of("sqrt(-1)")) and math.isnan(number_of("log(0 - 1)"))
    assert ev("selected-at(${platforms}, 1)") == "grab"
    assert len(text(ev("uuid()"))) == 36


def number_of(expression: str) -> float:
    value = ev(expression)
    assert isinstance(value, float)
    return value


def test_the_corpus_expressions_that_can_run_in_chat_all_parse() -> None:
    """Every relevant, constraint, calculation and choice_filter of the XLSForm corpus (real
    public forms, tests/xlsforms/SOURCES.md) either parses or is refused with a reason naming a
    feature chat cannot have."""
    from pyxform import xls2json as pyxform

    corpus = sorted((ROOT / "tests" / "xlsforms").glob("*.xls*"))
    assert len(corpus) >= 9
    parsed, refused = 0, []
    for path in corpus:
        try:
            form = pyxform.parse_file_to_json(str(path))
        except Exception:  # pyxform's own refusal: the import report's business
            continue
        for node in _nodes(form):
            bind = node.get("bind") or {}
            for key, source in [(k, bind.get(k)) for k in ("relevant", "constraint", "calculate")]:
                if isinstance(source, str) and source.strip():
                    try:
                        parse(source)
                        parsed += 1
                    except ExpressionError as exc:
                        refused.append((path.name, key, str(exc)))
            if node.get("choice_filter"):
                parse(node["choice_filter"], choice_filter=True)
                parsed += 1
    allowed = ("secondary instances", "is not supported", "reads a CSV")
    assert parsed > 350
    assert all(any(a in why for a in allowed) for _, _, why in refused), refused


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node]
    for child in node.get("children") or []:
        found += _nodes(child)
    return found
