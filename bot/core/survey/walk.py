"""The skip logic of surveys that use XLSForm expressions and repeats: one walk through the form.

A survey read from YAML with `show_if` only is served by `engine`'s original, cheaper path. An
imported XLSForm needs more: a question's `relevant` may read any earlier answer, a calculation
or `${name}` in a label; a repeat asks its questions once per round, as many rounds as its
count says (or until the respondent says "no more"). Both are decided by walking the form once,
in order, with the answers so far: each slot (a question in a round) is shown or hidden, each
calculation worked out, and the rounds of each repeat laid out. Everything the chat needs
(what shows, the next question, `${name}` filled in, the choices a filter leaves) reads that
walk, and the last few hundred walks are remembered, so drawing one screen walks the form
once. An answer's walk is taken up from the walk before it, at the first part of the form the
change touches (`Walk.resume`), when the form reads no answer ahead of itself.

XForms rules the walk follows: a hidden question reads as empty, whatever was answered to it;
inside a repeat, `${x}` of the same repeat is this round's answer, and from outside it every
round's answers (count() and sum() take them all); an expression that fails to read a number
gives NaN, which no comparison holds.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any

from bot.core.survey.expressions import compiled, compiled_filter
from bot.core.survey.model import (
    MAX_ROUNDS,
    UNASKED,
    CalculateQuestion,
    Choice,
    ChoiceQuestion,
    Condition,
    Question,
    Repeat,
    Survey,
)
from bot.core.survey.slot import Answer, Slot
from bot.core.xlsform.expression import Expression, Scope, Value, conjuncts, number, text

_ROUND = re.compile(r"^(.+)\[([0-9]{1,4})\]$")


def key_of(chain: tuple[str, ...], rounds: tuple[int, ...], last: str) -> str:
    """An answer's key: "q", "rep[2]/q", "outer[1]/inner[3]/q" ("+" for "another round?")."""
    if not chain:
        return last
    return "".join(f"{r}[{n}]/" for r, n in zip(chain, rounds, strict=True)) + last


def rounds_in(key: str) -> list[tuple[str, int]]:
    """The (repeat id, round) pairs a key names, outermost first."""
    found = []
    for part in key.split("/")[:-1]:
        match = _ROUND.match(part)
        if match:
            found.append((match.group(1), int(match.group(2))))
    return found


def _as_value(value: Any) -> Value:
    """A stored answer as XForms reads it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, int | float):
        return float(value)
    return str(value)


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@dataclass
class Walk:
    """What one walk found: the slots shown in order, the keys hidden, the calculations."""

    survey: Survey
    answers: Mapping[str, Answer]
    today: date
    optimistic: bool = False
    shown: list[Slot] = field(default_factory=list)
    # The keys hidden, in the order walked (a dict as an ordered set: `resume` keeps a prefix).
    hidden: dict[str, None] = field(default_factory=dict)
    # Keys of the slots shown: a repeat read from outside takes only rounds that exist now
    # (answers to a round since removed, by a smaller count, are not summed).
    present: set[str] = field(default_factory=set)
    # The keys shown of each question inside a repeat, in the order asked (round by round).
    rounds: dict[str, list[str]] = field(default_factory=dict)
    # Asked questions hidden only because a condition reads something not yet answered: what
    # "3 of 14" adds to the questions shown (an optimistic walk's count, without a second walk).
    may_show: int = 0
    # Parts of conditions already worked out in this walk, by part and round (`_holds`).
    _parts_seen: dict[tuple[Any, tuple[int, ...]], bool] = field(default_factory=dict)
    calculated: dict[str, Value] = field(default_factory=dict)
    # Where the walk stood before each top-level part of the form (a question, or a repeat
    # with all its rounds): how much of shown, hidden, calculated and _parts_seen came before
    # it, and may_show. A later walk whose answers differ only from that part on starts there.
    _marks: list[tuple[int, int, int, int, int]] = field(default_factory=list)

    # -- values, as expressions read them -----------------------------------------------

    def value(self, key: str) -> Value:
        if key in self.hidden or key not in self.present:
            return ""
        if key in self.calculated:
            return self.calculated[key]
        answer = self.answers.get(key)
        return "" if answer is None else _as_value(answer.value)

    def scope(self, slot_chain: tuple[str, ...], rounds: tuple[int, ...], **extra: Any) -> Scope:
        return Scope(
            _Values(self, slot_chain, rounds),
            self.today,
            position=rounds[-1] if rounds else 0,
            **extra,
        )

    def read(self, name: str, chain: tuple[str, ...], rounds: tuple[int, ...]) -> Value:
        """`${name}` seen from a slot inside the repeats `chain`, in `rounds`."""
        found = _resolve(self.survey, name, chain)
        if found is None:
            return ""
        qid, own, shared = found
        if not own:  # nearly always: a question outside any repeat
            return self.value(qid)
        if shared == len(own):  # this round's answer (or a question outside any repeat)
            return self.value(key_of(own, rounds[:shared], qid))
        # A repeat this slot is not in: every round's answer, in the order asked.
        prefix = key_of(own[:shared], rounds[:shared], "")
        return tuple(
            text(self.value(key)) for key in self.rounds.get(qid, ()) if key.startswith(prefix)
        )

    # -- the walk -----------------------------------------------------------------------

    def run(self, start: int = 0) -> Walk:
        """Walk the form from its top-level part `start` (0: the whole form; more: `resume`
        has laid down what came before)."""
        top = layout(self.survey)
        for index in range(start, len(top)):
            self._marks.append(
                (
                    len(self.shown),
                    len(self.hidden),
                    len(self.calculated),
                    len(self._parts_seen),
                    self.may_show,
                )
            )
            self._nodes(top[index : index + 1], (), ())
        return self

    def resume(self, answers: Mapping[str, Answer], start: int) -> Walk:
        """A walk of `answers` that differ from this walk's only from top-level part `start`
        on (the form reads no answer ahead of where it stands: `_forward_free`): what came
        before is this walk's, kept, and only the rest is walked."""
        shown, hidden, calculated, parts, may_show = self._marks[start]
        found = Walk(self.survey, dict(answers), self.today, self.optimistic)
        found.shown = self.shown[:shown]
        found.hidden = dict(islice(self.hidden.items(), hidden))
        found.calculated = dict(islice(self.calculated.items(), calculated))
        found._parts_seen = dict(islice(self._parts_seen.items(), parts))
        found.may_show = may_show
        found.present = {slot.key for slot in found.shown}
        for slot in found.shown:
            if slot.rounds:
                found.rounds.setdefault(slot.question.id, []).append(slot.key)
        found._marks = self._marks[:start]
        return found.run(start)

    def _holds(
        self,
        source: str,
        chain: tuple[str, ...],
        rounds: tuple[int, ...],
        at: int,
        optimistic: bool = False,
    ) -> bool:
        """Whether the condition holds for the slot at position `at` of the form. A part of
        it (`a and b`) that reads only questions before `at` is worked out once per round and
        remembered for the rest of the walk: the group's condition every question of a group
        carries. (A part reading a later question is not: that answer may not be read yet.)
        `optimistic` (counting what may still show, "3 of 14"): a part reading something not
        yet answered may yet hold."""
        optimistic = optimistic or self.optimistic
        scope = None
        for part, last in _parts(self.survey, source):
            memo_key = (id(part), rounds) if last < at else None
            if memo_key is not None and memo_key in self._parts_seen:
                holds = self._parts_seen[memo_key]
            else:
                scope = scope or self.scope(chain, rounds)
                holds = part.holds(scope)
                if memo_key is not None:
                    self._parts_seen[memo_key] = holds
            if not holds and optimistic:
                holds = any(self.read(n, chain, rounds) in ("", ()) for n in part.references)
            if not holds:
                return False
        return True

    def _nodes(self, nodes: list[Node], chain: tuple[str, ...], rounds: tuple[int, ...]) -> None:
        for node in nodes:
            if isinstance(node, Block):
                self._repeat(node, chain, rounds)
                continue
            key = key_of(chain, rounds, node.id)
            shows = (node.show_if is None or _condition(node.show_if, self)) and (
                node.relevant is None
                or self._holds(node.relevant, chain, rounds, self.survey.positions[node.id])
            )
            if not shows:
                self.hidden[key] = None
                if (
                    not self.optimistic
                    and node.type not in UNASKED
                    and node.show_if is None
                    and node.relevant is not None
                    and self._holds(
                        node.relevant, chain, rounds, self.survey.positions[node.id], True
                    )
                ):
                    self.may_show += 1  # hidden for now, for want of an answer not yet given
                continue
            if isinstance(node, CalculateQuestion):
                self.calculated[key] = compiled(node.calculation).evaluate(
                    self.scope(chain, rounds)
                )
            self.shown.append(Slot(key, node, rounds))
            self.present.add(key)
            if rounds:
                self.rounds.setdefault(node.id, []).append(key)

    def _repeat(self, block: Block, chain: tuple[str, ...], rounds: tuple[int, ...]) -> None:
        repeat = block.repeat
        first = self.survey.positions[_first_question(block).id]
        if repeat.relevant is not None and not self._holds(repeat.relevant, chain, rounds, first):
            return
        inner = (*chain, repeat.id)
        if repeat.count is not None:
            counted = number(compiled(repeat.count).evaluate(self.scope(chain, rounds)))
            total = 0 if math.isnan(counted) else max(0, min(MAX_ROUNDS, int(counted)))
            for round_ in range(1, total + 1):
                self._nodes(block.nodes, inner, (*rounds, round_))
            return
        another = self.survey.another[repeat.id]
        for round_ in range(1, MAX_ROUNDS + 1):
            here = (*rounds, round_)
            self._nodes(block.nodes, inner, here)
            if round_ == MAX_ROUNDS:
                return
            key = key_of(inner, here, "+")
            self.shown.append(Slot(key, another, here))
            answer = self.answers.get(key)
            if answer is None or answer.value is not True:
                return


def _parts(survey: Survey, source: str) -> list[tuple[Expression, int]]:
    """A condition's `and` parts, each with the position of the last question it reads."""
    memo = survey.memo
    cache_key = ("parts", source)
    found: Any = memo.get(cache_key)
    if found is None:
        found = []
        for part in conjuncts(compiled(source)):
            positions = [
                survey.positions[q.id]
                for name in part.references
                for q in survey.by_ref.get(name, [])
            ]
            found.append((part, max(positions, default=-1)))
        memo[cache_key] = found
    return found


def _first_question(block: Block) -> Question:
    node = block.nodes[0]
    return node if not isinstance(node, Block) else _first_question(node)


def _resolve(
    survey: Survey, name: str, chain: tuple[str, ...]
) -> tuple[str, tuple[str, ...], int] | None:
    """Which question `${name}` means from inside the repeats `chain` (a name two groups use
    means the one in the same repeat), the repeats around it, and how many of them the two
    share. Remembered per survey: a walk asks this thousands of times."""
    memo = survey.memo
    cache_key = ("ref", name, chain)
    if cache_key in memo:
        return memo[cache_key]
    candidates = survey.by_ref.get(name)
    found: tuple[str, tuple[str, ...], int] | None = None
    if candidates:
        inner = chain[-1] if chain else None
        question = next((q for q in candidates if q.repeat == inner), candidates[0])
        own = tuple(r.id for r in survey.chain(question.repeat))
        shared = 0
        while shared < min(len(own), len(chain)) and own[shared] == chain[shared]:
            shared += 1
        found = (question.id, own, shared)
    memo[cache_key] = found
    return found


class _Values(Mapping[str, Value]):
    """`${name}` as one slot sees it: what `Scope.values` is for a walk."""

    def __init__(self, walk: Walk, chain: tuple[str, ...], rounds: tuple[int, ...]) -> None:
        self.walk, self.chain, self.rounds = walk, chain, rounds

    def __getitem__(self, name: str) -> Value:
        return self.walk.read(name, self.chain, self.rounds)

    def get(self, name: str, default: Any = "") -> Any:
        return self.walk.read(name, self.chain, self.rounds)

    def __iter__(self) -> Iterator[str]:
        return iter(self.walk.survey.by_ref)

    def __len__(self) -> int:
        return len(self.walk.survey.by_ref)


def _condition(cond: Condition, walk: Walk) -> bool:
    """A YAML `show_if` in a survey that also uses expressions (outside repeats)."""
    from bot.core.survey.engine import holds

    return holds(cond, walk.answers, walk.hidden, walk.optimistic)


# -- the form's shape: repeats as blocks of questions ---------------------------------------


@dataclass(frozen=True)
class Block:
    repeat: Repeat
    nodes: list[Node]


Node = Question | Block


def layout(survey: Survey) -> list[Node]:
    """The questions in order, each repeat's questions gathered in a block (nested repeats
    inside their parent's block). Built once per survey."""
    memo = survey.memo
    cached = memo.get(("layout",))
    if cached is not None:
        return cached
    top: list[Node] = []
    stack: list[tuple[str, list[Node]]] = []  # open repeats, outermost first
    for q in survey.questions:
        chain = [r.id for r in survey.chain(q.repeat)]
        while stack and [rid for rid, _ in stack] != chain[: len(stack)]:
            stack.pop()
        while len(stack) < len(chain):
            repeat = survey.repeat_by_id[chain[len(stack)]]
            block = Block(repeat, [])
            (stack[-1][1] if stack else top).append(block)
            stack.append((repeat.id, block.nodes))
        (stack[-1][1] if stack else top).append(q)
    memo[("layout",)] = top
    return top


# -- remembered walks ---------------------------------------------------------------------

_WALKS: OrderedDict[tuple[Any, ...], Walk] = OrderedDict()
_KEPT = 256  # about 60 KB each for a 200-question form: the screens of 256 people


def _fingerprint(
    survey: Survey, answers: Mapping[str, Answer], today: date, optimistic: bool
) -> tuple[Any, ...]:
    return (
        id(survey),
        today,
        optimistic,
        tuple((k, _freeze(a.value), a.other) for k, a in answers.items()),
    )


def walk(
    survey: Survey,
    answers: Mapping[str, Answer],
    today: date,
    optimistic: bool,
    before: Mapping[str, Answer] | None = None,
) -> Walk:
    """The walk for these answers, remembered: one screen asks several questions of it.
    `before`: the answers just before this change (an answer given, changed or taken back);
    their walk, if remembered, is taken up from the first part of the form the change
    touches instead of walking it all again."""
    fingerprint = _fingerprint(survey, answers, today, optimistic)
    found = _WALKS.get(fingerprint)
    if found is not None and found.survey is survey:
        _WALKS.move_to_end(fingerprint)
        return found
    earlier = (
        None if before is None else _WALKS.get(_fingerprint(survey, before, today, optimistic))
    )
    start = (
        0
        if earlier is None or earlier.survey is not survey
        else _unchanged(survey, before or {}, answers)
    )
    if earlier is not None and start > 0:
        found = earlier.resume(answers, start)
    else:
        found = Walk(survey, dict(answers), today, optimistic).run()
    _WALKS[fingerprint] = found
    if len(_WALKS) > _KEPT:
        _WALKS.popitem(last=False)
    return found


def _unchanged(survey: Survey, before: Mapping[str, Answer], after: Mapping[str, Answer]) -> int:
    """How many top-level parts of the form come before the first that a change from
    `before` to `after` touches (0 when the form reads answers ahead of itself: then every
    walk starts at the top)."""
    places = _forward_free(survey)
    if places is None:
        return 0
    changed = [k for k in before.keys() | after.keys() if before.get(k) != after.get(k)]
    first = len(layout(survey))
    for key in changed:
        head, _, last = key.rpartition("/")
        name = head.rsplit("/", 1)[-1].split("[", 1)[0] if last == "+" else last
        first = min(first, places.get(name, 0))
    return first


def _forward_free(survey: Survey) -> dict[str, int] | None:
    """Each question's and repeat's top-level part of the form, when no condition, count or
    calculation of the form reads an answer of a later part (then a change at part N leaves
    the walk of parts before N as it was); else None. Worked out once per survey."""
    memo = survey.memo
    if ("forward",) in memo:
        return memo[("forward",)]
    places: dict[str, int] = {}
    sources: list[tuple[int, str]] = []

    def visit(node: Node, index: int) -> None:
        if isinstance(node, Block):
            places[node.repeat.id] = index
            sources.extend((index, x) for x in (node.repeat.count, node.repeat.relevant) if x)
            for inner in node.nodes:
                visit(inner, index)
            return
        places[node.id] = index
        calculation = getattr(node, "calculation", None)
        sources.extend((index, x) for x in (node.relevant, calculation) if x)
        for leaf in node.show_if.referenced() if node.show_if else []:
            sources.append((index, "${" + str(leaf.question) + "}"))

    for index, node in enumerate(layout(survey)):
        visit(node, index)
    by_name = {
        name: max(places[q.id] for q in questions) for name, questions in survey.by_ref.items()
    }
    ahead = any(
        by_name.get(name, -1) > index
        for index, source in sources
        for name in compiled(source).references
    )
    found = None if ahead else places
    memo[("forward",)] = found
    return found


def asked(slots: list[Slot]) -> list[Slot]:
    """The slots a respondent answers (notes and calculations ask nothing)."""
    return [s for s in slots if s.question.type not in UNASKED]


def choices_left(walk_: Walk, slot: Slot) -> list[Choice]:
    """The choices a choice_filter leaves for this slot (all of them without one)."""
    question = slot.question
    if not isinstance(question, ChoiceQuestion):
        return []
    if not question.choice_filter:
        return list(question.choices)
    expression = compiled_filter(question.choice_filter)
    chain = tuple(r.id for r in walk_.survey.chain(question.repeat))
    kept = []
    for choice in question.choices:
        row: dict[str, Value] = {"name": choice.id, **choice.columns}
        if expression.holds(walk_.scope(chain, slot.rounds, row=row)):
            kept.append(choice)
    return kept
