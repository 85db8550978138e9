"""What a survey is: questions, choices and skip logic, validated with pydantic.

Survey files (YAML) are parsed into these models at start-up; an invalid file stops the bot.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from bot.core.text import LocalText

_ID = r"^[a-z][a-z0-9_]{0,31}$"

# A review title must fit one line of a phone's review screen (and an export's column header).
SHORT_MAX = 40


def _short_enough(value: dict[str, str]) -> dict[str, str]:
    long = {k: v for k, v in value.items() if len(v) > SHORT_MAX}
    if long:
        lang, text = next(iter(long.items()))
        raise ValueError(
            f"short title ({lang}) is {len(text)} characters, at most {SHORT_MAX}: {text!r}"
        )
    return value


# A question's title for the review screen and exports: LocalText, each language at most SHORT_MAX.
ShortText = Annotated[LocalText, AfterValidator(_short_enough)]


# The question types whose results are a bar chart: the only ones `public: true` may mark.
_CHARTED = ("single", "multi", "yes_no", "scale")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(Strict):
    id: Annotated[str, Field(pattern=_ID)]
    label: LocalText
    # "Lainnya, sebutkan": picking it asks a short follow-up text.
    other: bool = False
    # Picking it clears every other choice of a multiple-choice question ("Tidak ada").
    exclusive: bool = False


class Condition(Strict):
    """Show a question only when an earlier answer matches.

    `any_of`: the answer (or, for multiple choice, one of the picked choices) is listed.
    `none_of`: the answer is not listed (a skipped answer matches neither).
    `equals`: for yes/no (true/false).  `min`/`max`: numeric answers, inclusive.
    `all`/`any`: combine conditions.
    """

    question: str | None = None
    any_of: list[str] | None = None
    none_of: list[str] | None = None
    equals: bool | None = None
    min: float | None = None
    max: float | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None

    @model_validator(mode="after")
    def _shape(self) -> Condition:
        combined = self.all is not None or self.any is not None
        tests = [self.any_of, self.none_of, self.equals, self.min, self.max]
        if combined and (self.question or any(t is not None for t in tests)):
            raise ValueError("use either all/any or question with a test, not both")
        if not combined and not self.question:
            raise ValueError("a condition needs 'question' (or 'all' / 'any')")
        if not combined and all(t is None for t in tests):
            raise ValueError("a condition needs a test: any_of, none_of, equals, min or max")
        return self

    def referenced(self) -> list[Condition]:
        """Every leaf condition (one that names a question)."""
        if self.question:
            return [self]
        return [leaf for c in (self.all or []) + (self.any or []) for leaf in c.referenced()]


class BaseQuestion(Strict):
    id: Annotated[str, Field(pattern=_ID)]
    text: LocalText
    # A few words naming the question on the review screen ("Status BPJS"), instead of the
    # question cut to fit; optional, the question text is used without it.
    short: ShortText | None = None
    hint: LocalText | None = None
    required: bool = True
    show_if: Condition | None = None
    # Shown instead of the built-in validation message, e.g. to explain a range.
    error: LocalText | None = None
    # Respondents see this question's interim results after submitting (/hasil's chart, the
    # same small-group threshold). Only questions with a chart: choice, yes/no and scale.
    public: bool = False

    @model_validator(mode="after")
    def _public_charted(self) -> BaseQuestion:
        if self.public and getattr(self, "type", None) not in _CHARTED:
            raise ValueError("public: true is for choice, yes/no and scale questions (a chart)")
        return self


class ChoiceQuestion(BaseQuestion):
    choices: Annotated[list[Choice], Field(min_length=2, max_length=40)]

    @model_validator(mode="after")
    def _unique(self) -> ChoiceQuestion:
        ids = [c.id for c in self.choices]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate choice id(s): {', '.join(dupes)}")
        return self

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


class SingleChoice(ChoiceQuestion):
    type: Literal["single"]


class MultiChoice(ChoiceQuestion):
    type: Literal["multi"]
    min_choices: int = Field(default=1, ge=0)
    max_choices: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _limits(self) -> MultiChoice:
        top = self.max_choices or len(self.choices)
        if top > len(self.choices):
            raise ValueError("max_choices is larger than the number of choices")
        if self.min_choices > top:
            raise ValueError("min_choices is larger than max_choices")
        return self


class TextQuestion(BaseQuestion):
    type: Literal["text"]
    min_length: int = Field(default=1, ge=1)
    max_length: int = Field(default=500, ge=1, le=3000)

    @model_validator(mode="after")
    def _limits(self) -> TextQuestion:
        if self.min_length > self.max_length:
            raise ValueError("min_length is larger than max_length")
        return self


class NumberQuestion(BaseQuestion):
    min: float | None = None
    max: float | None = None
    unit: LocalText | None = None

    @model_validator(mode="after")
    def _range(self) -> NumberQuestion:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is larger than max")
        return self


class IntegerQuestion(NumberQuestion):
    type: Literal["integer"]


class DecimalQuestion(NumberQuestion):
    type: Literal["decimal"]
    decimals: int = Field(default=2, ge=0, le=6)


class YesNoQuestion(BaseQuestion):
    type: Literal["yes_no"]


class ScaleQuestion(BaseQuestion):
    type: Literal["scale"]
    min: int = Field(default=1, ge=0, le=10)
    max: int = Field(default=5, ge=1, le=10)
    # Words for the ends of the scale, e.g. {1: {id: Sangat tidak setuju}, 5: {...}}.
    labels: dict[int, LocalText] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _range(self) -> ScaleQuestion:
        if self.min >= self.max:
            raise ValueError("min must be smaller than max")
        if any(k < self.min or k > self.max for k in self.labels):
            raise ValueError("a scale label is outside min..max")
        return self


DateBound = date | Literal["today"]


class DateQuestion(BaseQuestion):
    type: Literal["date"]
    min_date: DateBound | None = None
    max_date: DateBound | None = None


class RegionQuestion(BaseQuestion):
    type: Literal["region"]
    # "regency": province then kabupaten/kota; "province": province only.
    level: Literal["province", "regency"] = "regency"


Question = Annotated[
    SingleChoice
    | MultiChoice
    | TextQuestion
    | IntegerQuestion
    | DecimalQuestion
    | YesNoQuestion
    | ScaleQuestion
    | DateQuestion
    | RegionQuestion,
    Field(discriminator="type"),
]


class Survey(Strict):
    id: Annotated[str, Field(pattern=_ID)]
    version: int = Field(default=1, ge=1)
    title: LocalText
    description: LocalText | None = None
    # Deep-link payloads (t.me/<bot>?start=<payload>) that open this survey; the id always does.
    start_payloads: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,48}$")]] = []
    allow_multiple: bool = False
    # Shown after submitting.
    thanks: LocalText | None = None
    questions: Annotated[list[Question], Field(min_length=1, max_length=100)]

    @model_validator(mode="after")
    def _references(self) -> Survey:
        seen: dict[str, BaseQuestion] = {}
        for q in self.questions:
            if q.id in seen:
                raise ValueError(f"question {q.id!r}: the id is used twice")
            for leaf in q.show_if.referenced() if q.show_if else []:
                _check_reference(q.id, leaf, seen)
            seen[q.id] = q
        return self

    # Looked up on every answer: built once, not scanned each time. (A cached_property lives
    # in the instance __dict__, which is much faster to reach than pydantic private attributes.)
    @cached_property
    def positions(self) -> dict[str, int]:
        return {q.id: i for i, q in enumerate(self.questions)}

    @cached_property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def triggers(self) -> dict[str, list[Condition]]:
        """The leaf conditions of every show_if, by the earlier question they look at."""
        found: dict[str, list[Condition]] = {}
        for q in self.questions:
            for leaf in q.show_if.referenced() if q.show_if else []:
                found.setdefault(leaf.question or "", []).append(leaf)
        return found

    @cached_property
    def most_shown_memo(self) -> dict[tuple[object, ...], int]:
        """engine.most_shown's answers, by what the answers so far decide (a handful per survey)."""
        return {}

    def question(self, question_id: str) -> Question | None:
        return self.by_id.get(question_id)

    def index(self, question_id: str) -> int:
        return self.positions[question_id]

    def payloads(self) -> set[str]:
        return {self.id, *self.start_payloads}


def _check_reference(owner: str, leaf: Condition, earlier: dict[str, BaseQuestion]) -> None:
    target = earlier.get(leaf.question or "")
    if target is None:
        raise ValueError(
            f"question {owner!r}: show_if refers to {leaf.question!r}, "
            "which is not an earlier question"
        )
    listed = (leaf.any_of or []) + (leaf.none_of or [])
    if listed:
        if not isinstance(target, ChoiceQuestion):
            raise ValueError(
                f"question {owner!r}: any_of/none_of need a choice question, "
                f"{leaf.question!r} is not one"
            )
        unknown = [c for c in listed if target.choice(c) is None]
        if unknown:
            raise ValueError(
                f"question {owner!r}: show_if names unknown choice(s) "
                f"{', '.join(unknown)} of {leaf.question!r}"
            )
    if leaf.equals is not None and not isinstance(target, YesNoQuestion):
        raise ValueError(f"question {owner!r}: 'equals' needs a yes_no question")
    if (leaf.min is not None or leaf.max is not None) and not isinstance(
        target, IntegerQuestion | DecimalQuestion | ScaleQuestion
    ):
        raise ValueError(f"question {owner!r}: min/max need a numeric question")
