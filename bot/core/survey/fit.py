"""Whether a stored answer still fits its question, after the survey file changed under it.

A survey file is replaced while people are half-way through it (version 2 of the shipped
surveys turned "days worked" from a number into buttons, and dropped questions). An open
response then holds answers the new file would never have taken, and a position on a question
that may be gone. Loaded again, such answers are set aside, so they are asked again (the new
answer overwrites the old one) or dropped at submit, and nothing downstream (the review, the
skip logic, /dataku) meets a value it cannot show.
"""

from __future__ import annotations

import math
from datetime import date

from bot.core import regions
from bot.core.survey.engine import Answer
from bot.core.survey.model import (
    AcknowledgeQuestion,
    AnotherRound,
    CalculateQuestion,
    ChoiceQuestion,
    DateQuestion,
    DecimalQuestion,
    IntegerQuestion,
    LocationQuestion,
    MultiChoice,
    Question,
    RegionQuestion,
    ScaleQuestion,
    TextQuestion,
    YesNoQuestion,
)


def fits(question: Question, answer: Answer) -> bool:
    """Whether `answer` is a value `question`, as the file says now, could have stored. A
    skipped answer (None) fits an optional question only."""
    value = answer.value
    if value is None:
        return not question.required
    if isinstance(question, ChoiceQuestion):
        if isinstance(question, MultiChoice):
            picked = value if isinstance(value, list) else []
            if len(picked) > (question.max_choices or len(question.choices)):
                return False
        else:
            picked = [value]
        if not picked or len(set(map(str, picked))) != len(picked):
            return False
        choices = [question.choice(c) if isinstance(c, str) else None for c in picked]
        if any(c is None for c in choices):
            return False
        others = [c for c in choices if c is not None and c.other]
        return answer.other is None or bool(others)
    if answer.other is not None:
        return False
    if isinstance(question, AnotherRound):
        return isinstance(value, bool)
    if isinstance(question, AcknowledgeQuestion):
        return value == "OK"
    if isinstance(question, LocationQuestion):
        parts = value.split() if isinstance(value, str) else []
        try:
            return (
                len(parts) == 4 and -90 <= float(parts[0]) <= 90 and -180 <= float(parts[1]) <= 180
            )
        except ValueError:
            return False
    if isinstance(question, CalculateQuestion):
        return True
    if isinstance(question, TextQuestion):
        return isinstance(value, str) and question.min_length <= len(value) <= question.max_length
    if isinstance(question, IntegerQuestion | DecimalQuestion):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if isinstance(question, IntegerQuestion) and not isinstance(value, int):
            return False
        low = -math.inf if question.min is None else question.min
        high = math.inf if question.max is None else question.max
        return math.isfinite(value) and low <= value <= high
    if isinstance(question, YesNoQuestion):
        return isinstance(value, bool)
    if isinstance(question, ScaleQuestion):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return ok and question.min <= value <= question.max
    if isinstance(question, DateQuestion):
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            return False
        return True
    if isinstance(question, RegionQuestion):
        region = regions.by_code(value) if isinstance(value, str) else None
        return region is not None and ("." in region.code) == (question.level == "regency")
    return False
