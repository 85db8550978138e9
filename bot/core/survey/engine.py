"""Where a respondent is in a survey: skip logic, next and previous question, progress.

Pure functions over a `Survey` and the answers given so far. The order of questions in the
file is the order they are asked; skip logic only looks back, so a question's visibility is
decided once every earlier question is answered or hidden.
"""

from __future__ import annotations

import math
from collections.abc import Container, Mapping
from datetime import date
from itertools import combinations
from typing import Any

from bot.core.survey import walk as walker
from bot.core.survey.expressions import PIPED, compiled
from bot.core.survey.model import (
    Choice,
    ChoiceQuestion,
    Condition,
    DecimalQuestion,
    IntegerQuestion,
    MultiChoice,
    Question,
    Repeat,
    ScaleQuestion,
    SingleChoice,
    Survey,
    YesNoQuestion,
)
from bot.core.survey.slot import Answer, Slot
from bot.core.text import pick
from bot.core.xlsform.expression import Scope, Value, text

REVIEW = "__review__"
__all__ = ["REVIEW", "Answer", "Answers", "Slot"]


Answers = Mapping[str, Answer]


def _leaf(cond: Condition, answers: Answers, hidden: Container[str], optimistic: bool) -> bool:
    qid = cond.question or ""
    if qid in hidden:
        return False
    answer = answers.get(qid)
    if answer is None:
        # Not answered yet: for counting ("3 of 14") assume it may still show; for choosing the
        # next question it cannot show before its trigger is answered.
        return optimistic
    value = answer.value
    if value is None:
        return False
    picked = set(value) if isinstance(value, list) else {value}
    if cond.any_of is not None and not picked & set(cond.any_of):
        return False
    if cond.none_of is not None and picked & set(cond.none_of):
        return False
    if cond.equals is not None and value is not cond.equals:
        return False
    if cond.min is not None and not (isinstance(value, int | float) and value >= cond.min):
        return False
    return not (cond.max is not None and not (isinstance(value, int | float) and value <= cond.max))


def holds(cond: Condition, answers: Answers, hidden: Container[str], optimistic: bool) -> bool:
    if cond.all is not None:
        return all(holds(c, answers, hidden, optimistic) for c in cond.all)
    if cond.any is not None:
        return any(holds(c, answers, hidden, optimistic) for c in cond.any)
    return _leaf(cond, answers, hidden, optimistic)


def today() -> date:
    """The day `today()` in an expression reads. Expressions decide what shows; a form whose
    skip logic turns on the date is rare, and the server's day is the respondent's within
    hours. (Dates typed by respondents are checked against their own day, in `steps`.)"""
    return date.today()


def visible(survey: Survey, answers: Answers, *, optimistic: bool = False) -> list[Slot]:
    """What the skip logic shows, in order: every question of a YAML survey, and for an
    imported form also its notes and calculations (`asked` leaves those out) and each
    round of its repeats."""
    if not survey.plain:
        return walker.walk(survey, answers, today(), optimistic).shown
    shown: list[Slot] = []
    hidden: set[str] = set()
    slots = _plain_slots(survey)
    for q in survey.questions:
        if q.show_if is None or holds(q.show_if, answers, hidden, optimistic):
            shown.append(slots[q.id])
        else:
            hidden.add(q.id)
    return shown


def _plain_slots(survey: Survey) -> dict[str, Slot]:
    memo = survey.memo
    found = memo.get(("slots",))
    if found is None:
        found = memo[("slots",)] = {q.id: Slot(q.id, q) for q in survey.questions}
    return found


def asked(survey: Survey, answers: Answers, *, optimistic: bool = False) -> list[Slot]:
    """The slots shown that the respondent answers (not notes, not calculations)."""
    shown = visible(survey, answers, optimistic=optimistic)
    return shown if survey.plain else walker.asked(shown)


def first_question(survey: Survey) -> str:
    return next_question(survey, {}, None)


def next_question(
    survey: Survey, answers: Answers, current: str | None, before: Answers | None = None
) -> str:
    """The first shown, unanswered question after `current`; else any left; else the review.

    Going back and changing an answer therefore jumps straight to where the respondent was
    (answered questions are on the review screen), and a change that reveals a new question
    asks it before the review.
    """
    if not survey.plain:
        # `before`: the answers this change was made to, whose walk is taken up where the
        # change touches the form (an imported form's walk is most of an answer's work).
        slots = walker.asked(walker.walk(survey, answers, today(), False, before).shown)
        keys = [s.key for s in slots]
        after = keys.index(current) if current in keys else -1
        for slot in slots[after + 1 :] + slots[: after + 1]:
            if slot.key not in answers:
                return slot.key
        return REVIEW
    shown = visible(survey, answers)
    after = -1 if current is None or current == REVIEW else survey.index(current)
    positions = survey.positions
    later = [q for q in shown if positions[q.id] > after]
    for q in later + [q for q in shown if positions[q.id] <= after]:
        if q.id not in answers:
            return q.id
    return REVIEW


def previous_question(survey: Survey, answers: Answers, current: str) -> str | None:
    """The shown question before `current` (the last one when on the review), or None."""
    if not survey.plain:
        keys = [s.key for s in asked(survey, answers)]
        if current == REVIEW or current not in keys:
            earlier = keys if current == REVIEW else [k for k in keys if k in answers]
        else:
            earlier = keys[: keys.index(current)]
        return earlier[-1] if earlier else None
    shown = visible(survey, answers)
    if current == REVIEW:
        return shown[-1].id if shown else None
    position, positions = survey.index(current), survey.positions
    before = [q for q in shown if positions[q.id] < position]
    return before[-1].id if before else None


def progress(survey: Survey, answers: Answers, current: str) -> tuple[int, int]:
    """(position, total) for "Pertanyaan 3 dari 14", counting only questions that show.

    The total is the most that can still show (`most_shown`): counting every question whose
    trigger is unanswered said "dari 23" at the start of a survey in which no one is shown more
    than 20 (its follow-ups for members and for non-members never show together).

    An imported form's total counts what shows when every condition on a question not yet
    answered is taken to hold (so it can shrink, and grows with each round of a repeat)."""
    if not survey.plain:
        found = walker.walk(survey, answers, today(), False)
        keys = [s.key for s in walker.asked(found.shown)]
        position = keys.index(current) + 1 if current in keys else len(keys)
        return position, max(position, len(keys) + found.may_show)
    shown = visible(survey, answers, optimistic=True)
    position, positions = survey.index(current), survey.positions
    before = sum(1 for q in shown if positions[q.id] < position)
    return before + 1, max(before + 1, most_shown(survey, answers))


def most_shown(survey: Survey, answers: Answers) -> int:
    """The most questions any way of finishing the survey from `answers` shows.

    Tries, at each unanswered question some show_if looks at, every answer that can change
    what shows (`_trials`); other questions are left unanswered, their answers change nothing.
    Remembered on the survey by what the answers so far decide, so a screen costs a look-up.
    """
    triggers = survey.triggers
    key = tuple(
        None if qid not in answers else tuple(_leaf(leaf, answers, set(), False) for leaf in leaves)
        for qid, leaves in triggers.items()
    )
    memo = survey.most_shown_memo
    if key not in memo:
        shown = visible(survey, answers)
        branch = next((q for q in shown if q.id in triggers and q.id not in answers), None)
        if branch is None:
            memo[key] = len(shown)
        else:
            memo[key] = max(
                most_shown(survey, {**answers, branch.id: Answer(value)})
                for value in _trials(branch.question, triggers[branch.id])
            )
    return memo[key]


def _trials(q: Question, leaves: list[Condition]) -> list[Any]:
    """Answers to `q` between them making each of `leaves` true and false where it can be."""
    values: list[Any] = [] if q.required else [None]
    if isinstance(q, SingleChoice):
        return values + [c.id for c in q.choices]
    if isinstance(q, MultiChoice):
        named = sorted({c for leaf in leaves for c in (leaf.any_of or []) + (leaf.none_of or [])})
        top = q.max_choices or len(q.choices)
        plain = [c.id for c in q.choices if c.id not in named and not c.exclusive]
        values += [plain[:1]] if plain else []
        # Show-if lists name a few choices: their combinations stay few.
        for size in range(1, min(len(named), top) + 1):
            for combo in combinations(named, size):
                if size == 1 or not any(q.choice(c).exclusive for c in combo):  # type: ignore[union-attr]
                    values.append(list(combo))
        return values
    if isinstance(q, YesNoQuestion):
        return [*values, True, False]
    if isinstance(q, IntegerQuestion | DecimalQuestion | ScaleQuestion):
        step = 10.0**-q.decimals if isinstance(q, DecimalQuestion) else 1.0
        low = q.min if q.min is not None else -math.inf
        high = q.max if q.max is not None else math.inf
        bounds = {b for leaf in leaves for b in (leaf.min, leaf.max) if b is not None}
        near = {v for b in bounds for v in (b - step, b, b + step) if low <= v <= high}
        return values + sorted(near)
    return values  # no other type can be looked at (the model refuses such a show_if)


def relevant_answers(survey: Survey, answers: Answers) -> dict[str, Answer]:
    """Answers to questions that still show: what a submitted response keeps (UU PDP)."""
    return {s.key: answers[s.key] for s in visible(survey, answers) if s.key in answers}


def missing_required(survey: Survey, answers: Answers) -> list[str]:
    return [s.key for s in asked(survey, answers) if s.key not in answers]


def computed(survey: Survey, answers: Answers) -> dict[str, Answer]:
    """The calculations of an imported form, worked out from the answers: kept with them at
    submit (as KoboToolbox keeps them), so exports and results read them as answers."""
    if survey.plain:
        return {}
    found = walker.walk(survey, answers, today(), False)
    return {key: Answer(_stored(value)) for key, value in found.calculated.items()}


def _stored(value: Value) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else (int(value) if value.is_integer() else value)
    if isinstance(value, tuple):
        return " ".join(value)
    return value


# -- what the chat needs of an imported form -----------------------------------------------


def slot_of(survey: Survey, answers: Answers, key: str) -> Slot | None:
    """The slot an answer key names, shown or not (None for a key of no question)."""
    for slot in visible(survey, answers):
        if slot.key == key:
            return slot
    question = survey.question(key)
    if question is None:
        return None
    return Slot(key, question, tuple(n for _, n in walker.rounds_in(key)))


def rounds_of(survey: Survey, key: str) -> list[tuple[Repeat, int]]:
    """The repeats around a slot, outermost first, with its round in each."""
    return [
        (survey.repeat_by_id[rid], n)
        for rid, n in walker.rounds_in(key)
        if rid in survey.repeat_by_id
    ]


def is_required(survey: Survey, answers: Answers, key: str) -> bool:
    """Whether the slot must be answered: `required`, or its `required_if` holding now."""
    question = survey.question(key)
    if question is None:
        return False
    if question.required_if is None:
        return question.required
    return compiled(question.required_if).holds(_scope(survey, answers, key))


def constraint_holds(survey: Survey, answers: Answers, key: str, value: Any) -> bool:
    """Whether an answer meets its question's constraint (`.` is the answer). A skipped
    answer is not checked, as in XForms."""
    question = survey.question(key)
    if question is None or question.constraint is None or value is None:
        return True
    current = walker._as_value(value)
    return compiled(question.constraint).holds(_scope(survey, answers, key, current=current))


def choices_for(survey: Survey, answers: Answers, key: str) -> list[Choice]:
    """The choices a question offers now: its choice_filter applied to the answers so far."""
    question = survey.question(key)
    if not isinstance(question, ChoiceQuestion):
        return []
    if not question.choice_filter or survey.plain:
        return list(question.choices)
    found = walker.walk(survey, answers, today(), False)
    slot = slot_of(survey, answers, key) or Slot(key, question)
    return walker.choices_left(found, slot)


def notes_before(survey: Survey, answers: Answers, key: str) -> list[Slot]:
    """The notes shown with a question: those since the question asked before it (with
    REVIEW, the notes after the last question)."""
    if survey.plain:
        return []
    notes: list[Slot] = []
    for slot in visible(survey, answers):
        if slot.key == key:
            return notes
        if slot.question.type == "note":
            notes.append(slot)
        elif slot.question.type != "calculate":
            notes = []
    return notes if key == REVIEW else []


def fill(text_: str, survey: Survey, answers: Answers, key: str, locale: str) -> str:
    """`${name}` in a text, filled in with that answer as the slot `key` sees it: a choice by
    its label in `locale`, a number without a needless ".0", several rounds joined."""
    if "${" not in text_ or survey.plain:
        return text_
    found = walker.walk(survey, answers, today(), False)
    question = survey.question(key)
    chain = tuple(r.id for r in survey.chain(question.repeat if question else None))
    rounds = tuple(n for _, n in walker.rounds_in(key))

    def shown(match: Any) -> str:
        name = match.group(1)
        value = found.read(name, chain, rounds)
        targets = survey.by_ref.get(name) or []
        target = targets[0] if targets else None
        values = value if isinstance(value, tuple) else (value,)
        return ", ".join(_readable(target, v, locale) for v in values)

    return PIPED.sub(shown, text_)


def _readable(question: Question | None, value: Value, locale: str) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else f"{value:g}"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(question, ChoiceQuestion) and value:
        labels = []
        for name in str(value).split() if question.type == "multi" else [str(value)]:
            choice = question.choice(name)
            labels.append(pick(choice.label, locale) if choice else name)
        return ", ".join(labels)
    return text(value)


def _scope(survey: Survey, answers: Answers, key: str, **extra: Any) -> Scope:
    found = walker.walk(survey, answers, today(), False)
    question = survey.question(key)
    chain = tuple(r.id for r in survey.chain(question.repeat if question else None))
    rounds = tuple(n for _, n in walker.rounds_in(key))
    return found.scope(chain, rounds, **extra)
