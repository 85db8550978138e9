"""Where a respondent is in a survey: skip logic, next and previous question, progress.

Pure functions over a `Survey` and the answers given so far. The order of questions in the
file is the order they are asked; skip logic only looks back, so a question's visibility is
decided once every earlier question is answered or hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.survey.model import Condition, Question, Survey

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
    """(position, total) for "Pertanyaan 3 dari 14", counting only questions that show."""
    shown = visible(survey, answers, optimistic=True)
    position, positions = survey.index(current), survey.positions
    before = sum(1 for q in shown if positions[q.id] < position)
    return before + 1, len(shown)


def relevant_answers(survey: Survey, answers: Answers) -> dict[str, Answer]:
    """Answers to questions that still show: what a submitted response keeps (UU PDP)."""
    return {q.id: answers[q.id] for q in visible(survey, answers) if q.id in answers}


def missing_required(survey: Survey, answers: Answers) -> list[str]:
    return [q.id for q in visible(survey, answers) if q.id not in answers]
