"""Where a respondent is in a survey: skip logic, next and previous question, progress.

Pure functions over a `Survey` and the answers given so far. The order of questions in the
file is the order they are asked; skip logic only looks back, so a question's visibility is
decided once every earlier question is answered or hidden.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from bot.core.survey.model import (
    Condition,
    DecimalQuestion,
    IntegerQuestion,
    MultiChoice,
    Question,
    ScaleQuestion,
    SingleChoice,
    Survey,
    YesNoQuestion,
)

REVIEW = "__review__"


@dataclass(frozen=True, slots=True)
class Answer:
    """One stored answer. `value` None means the respondent skipped an optional question."""

    value: Any
    other: str | None = None


Answers = Mapping[str, Answer]


def _leaf(cond: Condition, answers: Answers, hidden: set[str], optimistic: bool) -> bool:
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


def _holds(cond: Condition, answers: Answers, hidden: set[str], optimistic: bool) -> bool:
    if cond.all is not None:
        return all(_holds(c, answers, hidden, optimistic) for c in cond.all)
    if cond.any is not None:
        return any(_holds(c, answers, hidden, optimistic) for c in cond.any)
    return _leaf(cond, answers, hidden, optimistic)


def visible(survey: Survey, answers: Answers, *, optimistic: bool = False) -> list[Question]:
    """Questions the skip logic shows, in order."""
    shown: list[Question] = []
    hidden: set[str] = set()
    for q in survey.questions:
        if q.show_if is None or _holds(q.show_if, answers, hidden, optimistic):
            shown.append(q)
        else:
            hidden.add(q.id)
    return shown


def first_question(survey: Survey) -> str:
    return next_question(survey, {}, None)


def next_question(survey: Survey, answers: Answers, current: str | None) -> str:
    """The first shown, unanswered question after `current`; else any left; else the review.

    Going back and changing an answer therefore jumps straight to where the respondent was
    (answered questions are on the review screen), and a change that reveals a new question
    asks it before the review.
    """
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
    shown = visible(survey, answers)
    if current == REVIEW:
        return shown[-1].id if shown else None
    position, positions = survey.index(current), survey.positions
    earlier = [q for q in shown if positions[q.id] < position]
    return earlier[-1].id if earlier else None


def progress(survey: Survey, answers: Answers, current: str) -> tuple[int, int]:
    """(position, total) for "Pertanyaan 3 dari 14", counting only questions that show.

    The total is the most that can still show (`most_shown`): counting every question whose
    trigger is unanswered said "dari 23" at the start of a survey in which no one is shown more
    than 20 (its follow-ups for members and for non-members never show together)."""
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
                for value in _trials(branch, triggers[branch.id])
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
    return {q.id: answers[q.id] for q in visible(survey, answers) if q.id in answers}


def missing_required(survey: Survey, answers: Answers) -> list[str]:
    return [q.id for q in visible(survey, answers) if q.id not in answers]
