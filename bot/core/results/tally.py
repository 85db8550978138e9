"""From counts read out of the database to what /hasil and respondents are shown.

Suppression is decided here, once, for staff and public results alike: a selection (a survey
narrowed by place and period) of fewer than `min_group` responses is never broken down, and
neither is a question fewer than `min_group` people answered. A filter down to one village
must not show how its two respondents answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import median

from bot.core.survey.model import (
    MultiChoice,
    Question,
    ScaleQuestion,
    SingleChoice,
    Survey,
    TextQuestion,
    YesNoQuestion,
)
from bot.core.text import pick

# The kinds of question a bar chart shows: each answer is one of a few known values.
Charted = SingleChoice | MultiChoice | YesNoQuestion | ScaleQuestion
CHARTED = (SingleChoice, MultiChoice, YesNoQuestion, ScaleQuestion)


def charted(survey: Survey) -> list[Charted]:
    return [q for q in survey.questions if isinstance(q, CHARTED)]


def texts(survey: Survey) -> list[TextQuestion]:
    return [q for q in survey.questions if isinstance(q, TextQuestion)]


def public(survey: Survey) -> list[Charted]:
    """The questions the survey file marks `public: true`: shown to respondents."""
    return [q for q in charted(survey) if q.public]


def title_of(question: Question, locale: str) -> str:
    """The question's short title where it has one (it fits a chart's title), else its text."""
    return pick(question.short, locale) if question.short else pick(question.text, locale)


@dataclass(frozen=True)
class Bar:
    key: str  # the stored answer: a choice id, "true"/"false", or a scale point
    label: str
    count: int
    share: float  # of the people who answered the question, 0..1


@dataclass(frozen=True)
class ChoiceResult:
    question: Charted
    answered: int  # people who answered it (a skipped optional question is not counted)
    bars: tuple[Bar, ...]  # empty when suppressed
    suppressed: bool

    @property
    def multiple(self) -> bool:
        """Several answers each: the shares add up to more than 100%."""
        return isinstance(self.question, MultiChoice)


@dataclass(frozen=True)
class Word:
    word: str
    people: int  # how many answers use it (each answer counts once)


@dataclass(frozen=True)
class TextResult:
    question: TextQuestion
    answered: int
    words: tuple[Word, ...]
    examples: tuple[str, ...]  # the most recent answers, shortened
    suppressed: bool


@dataclass(frozen=True)
class Overview:
    """One line of /hasil: how far people get with a survey."""

    survey: Survey
    started: int
    completed: int
    median_seconds: float | None  # from the first answer to submitting; None: nobody finished

    @property
    def completion(self) -> float | None:
        return self.completed / self.started if self.started else None


@dataclass(frozen=True)
class Summary:
    survey: Survey
    responses: int  # submitted responses in the selection
    suppressed: bool  # fewer than min_group: nothing below is broken down
    choices: tuple[ChoiceResult, ...] = ()
    texts: tuple[TextResult, ...] = field(default=())


def keys_and_labels(question: Charted, locale: str, yes: str, no: str) -> list[tuple[str, str]]:
    """Every answer the question allows, in the survey's order, with its label in `locale`.
    `yes` and `no` are the words for a yes/no question's answers in that language."""
    if isinstance(question, SingleChoice | MultiChoice):
        return [(c.id, pick(c.label, locale)) for c in question.choices]
    if isinstance(question, YesNoQuestion):
        return [("true", yes), ("false", no)]
    points = range(question.min, question.max + 1)
    labelled = {k: pick(v, locale) for k, v in question.labels.items()}
    return [(str(p), f"{p} ({labelled[p]})" if p in labelled else str(p)) for p in points]


def choice_result(
    question: Charted,
    counts: Mapping[str, int],
    answered: int,
    min_group: int,
    locale: str,
    yes: str,
    no: str,
) -> ChoiceResult:
    """Bars for every allowed answer (zero counts too: "nobody chose it" is a result), plus any
    answer the survey file no longer lists (an older version's), so the counts add up."""
    if answered < min_group:
        return ChoiceResult(question, answered, (), True)
    known = keys_and_labels(question, locale, yes, no)
    listed = {key for key, _ in known}
    known += [(key, key) for key in sorted(counts) if key not in listed]
    bars = tuple(
        Bar(key, label, counts.get(key, 0), counts.get(key, 0) / answered) for key, label in known
    )
    return ChoiceResult(question, answered, bars, False)


def middle(durations: Iterable[float]) -> float | None:
    values = list(durations)
    return median(values) if values else None


def percent(share: float) -> int:
    """A share as a whole percentage, as people read them on a phone."""
    return round(share * 100)
