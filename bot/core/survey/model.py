"""What a survey is: questions, choices and skip logic, validated with pydantic.

Survey files (YAML) are parsed into these models at start-up; an invalid file stops the bot.
Imported XLSForms (`bot.core.xlsform.convert`) become the same model, with what those forms
add: XLSForm expressions (`relevant`, `constraint`, `required_if`, `calculation`,
`choice_filter`, `${name}` in texts), group titles, notes, acknowledgements, locations and
repeats. A survey that uses none of them behaves exactly as before.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from bot.core.text import LocalText

_ID = r"^[a-z][a-z0-9_]{0,31}$"
# XLSForm names (what `${name}` refers to): letters, digits, _ . - and a first letter or _.
_NAME = r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$"
# A survey's id and deep-link payload: an imported form's form_id, lowercased.
_SURVEY_ID = r"^[a-z0-9][a-z0-9_-]{0,47}$"
# Choice names of imported forms are free text (Kobo stores them as given): kept, bounded.
_CHOICE_ID = r"^\S(.{0,126}\S)?$"
# Rounds of one repeat at most, whatever its count says: a chat is not a census.
MAX_ROUNDS = 50


def _expression(source: str) -> str:
    """An XLSForm expression: refused here, at load or import, if it cannot be read."""
    from bot.core.xlsform.expression import ExpressionError, parse

    try:
        parse(source)
    except ExpressionError as exc:
        raise ValueError(f"expression {source!r}: {exc}") from None
    return source


def _filter_expression(source: str) -> str:
    from bot.core.xlsform.expression import ExpressionError, parse

    try:
        parse(source, choice_filter=True)
    except ExpressionError as exc:
        raise ValueError(f"choice_filter {source!r}: {exc}") from None
    return source


# The text of an XLSForm expression, checked when the survey is read; parsed once, on use
# (`bot.core.survey.expressions.compiled`).
Expr = Annotated[str, AfterValidator(_expression)]
FilterExpr = Annotated[str, AfterValidator(_filter_expression)]

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
    id: Annotated[str, Field(pattern=_CHOICE_ID)]
    label: LocalText
    # Other columns of an XLSForm's choices sheet, read by a question's choice_filter.
    columns: dict[str, str] = Field(default_factory=dict)
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
    id: Annotated[str, Field(pattern=_NAME)]
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

    # -- what imported XLSForms add (all optional; `${name}` in texts is filled in) --------
    # The name `${name}` uses, when it differs from the id (a name used twice in one form).
    name: Annotated[str, Field(pattern=_NAME)] | None = None
    # The column of an export, as KoboToolbox names it: the groups and the name ("grp/q").
    path: str | None = None
    # The titles of the groups the question is in ("Rumah tangga › Anggota"), shown above it
    # when they change.
    section: LocalText | None = None
    # The innermost repeat the question is in (a `Repeat.id`): asked once per round.
    repeat: str | None = None
    # Shown only when this holds (as `show_if`; a question may have both).
    relevant: Expr | None = None
    # The answer must make this hold (`.` is the answer); else `constraint_message`.
    constraint: Expr | None = None
    constraint_message: LocalText | None = None
    # Required only when this holds (instead of `required`), with its own message.
    required_if: Expr | None = None
    required_message: LocalText | None = None
    # Offered as a one-tap answer ("✓ 3") until the question is answered.
    default: str | None = None

    @property
    def ref(self) -> str:
        """What `${...}` calls this question."""
        return self.name or self.id

    @model_validator(mode="after")
    def _public_charted(self) -> BaseQuestion:
        if self.public and getattr(self, "type", None) not in _CHARTED:
            raise ValueError("public: true is for choice, yes/no and scale questions (a chart)")
        return self


class ChoiceQuestion(BaseQuestion):
    # Lists of imported forms can be long (countries, districts): shown a page at a time.
    choices: Annotated[list[Choice], Field(min_length=1, max_length=400)]
    # Which choices to offer, by their columns and earlier answers (cascading lists).
    choice_filter: FilterExpr | None = None

    @model_validator(mode="after")
    def _unique(self) -> ChoiceQuestion:
        # A cascading list of an XLSForm (allow_choice_duplicates) may name a choice twice,
        # told apart by its columns ("king" of Texas and "king" of Washington): the filter
        # leaves one of them. The same choice twice is a mistake.
        counted = Counter((c.id, tuple(sorted(c.columns.items()))) for c in self.choices)
        dupes = sorted({key[0] for key, times in counted.items() if times > 1})
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


class NoteQuestion(BaseQuestion):
    """A text shown with the next question (or the review): nothing to answer."""

    type: Literal["note"]
    required: bool = False


class AcknowledgeQuestion(BaseQuestion):
    """One button to confirm having read something ("OK"): stored as "OK"."""

    type: Literal["acknowledge"]


class LocationQuestion(BaseQuestion):
    """A place, shared with Telegram's location button (or typed as "lat, lon"): stored as
    XLSForm's geopoint text, "lat lon altitude accuracy"."""

    type: Literal["location"]


class CalculateQuestion(BaseQuestion):
    """Not asked: its value is `calculation`, worked out from earlier answers, usable in
    texts and conditions, and kept with the response."""

    type: Literal["calculate"]
    calculation: Expr
    required: bool = False


class AnotherRound(BaseQuestion):
    """Asked after each round of a repeat without a count: another round, or done? Made by
    the survey itself (`Survey.another`), never written in a file."""

    type: Literal["another"]


# Question types that ask nothing of the respondent.
UNASKED = ("note", "calculate")


class Repeat(Strict):
    """Questions asked once per round: `count` rounds (an expression), or, without a count,
    as many as the respondent wants (asked after each). Rounds are numbered from 1."""

    id: Annotated[str, Field(pattern=_NAME)]
    label: LocalText
    path: str | None = None
    parent: str | None = None  # the repeat this one is inside
    count: Expr | None = None
    relevant: Expr | None = None


class Meta(Strict):
    """An imported form's start / end / today field: nothing to ask; an export fills it in
    from the response's own times, as a phone would, where the form has it."""

    path: str  # its export column, as KoboToolbox names it ("start", "grp/end")
    kind: Literal["start", "end", "today"]
    at: int = Field(default=0, ge=0)  # how many of the survey's questions come before it


Question = Annotated[
    SingleChoice
    | MultiChoice
    | TextQuestion
    | IntegerQuestion
    | DecimalQuestion
    | YesNoQuestion
    | ScaleQuestion
    | DateQuestion
    | RegionQuestion
    | NoteQuestion
    | AcknowledgeQuestion
    | LocationQuestion
    | CalculateQuestion
    | AnotherRound,
    Field(discriminator="type"),
]


class Survey(Strict):
    id: Annotated[str, Field(pattern=_SURVEY_ID)]
    version: int = Field(default=1, ge=1)
    title: LocalText
    description: LocalText | None = None
    # Deep-link payloads (t.me/<bot>?start=<payload>) that open this survey; the id always does.
    start_payloads: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,48}$")]] = []
    allow_multiple: bool = False
    # Shown after submitting.
    thanks: LocalText | None = None
    questions: Annotated[list[Question], Field(min_length=1, max_length=1000)]
    repeats: list[Repeat] = Field(default_factory=list)
    # Imported from an XLSForm: its form_id and version, as the settings sheet gives them.
    form_id: str | None = None
    form_version: str | None = None
    # Names of the form's parts left out at import (a photo question, a phone's device id):
    # `${name}` of one of them reads as empty, as an unanswered question does.
    absent: list[str] = Field(default_factory=list)
    # Personal data an imported form asks for beyond what the bot's data notice names (found
    # by the import report): respondents are told before its first question.
    collects: list[Literal["location", "name", "phone", "id_number", "email", "address"]] = Field(
        default_factory=list
    )
    # The form's start / end / today fields: not asked, filled in by an export.
    meta: list[Meta] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Survey:
        seen: dict[str, BaseQuestion] = {}
        for q in self.questions:
            if q.id in seen:
                raise ValueError(f"question {q.id!r}: the id is used twice")
            if isinstance(q, AnotherRound):
                raise ValueError(f"question {q.id!r}: 'another' is made by the survey itself")
            for leaf in q.show_if.referenced() if q.show_if else []:
                _check_reference(q.id, leaf, seen)
            seen[q.id] = q
        _check_repeats(self)
        _check_expressions(self)
        return self

    @cached_property
    def by_ref(self) -> dict[str, list[Question]]:
        """Questions by the name `${name}` uses (a name two groups both use has two)."""
        found: dict[str, list[Question]] = {}
        for q in self.questions:
            found.setdefault(q.ref, []).append(q)
        return found

    @cached_property
    def repeat_by_id(self) -> dict[str, Repeat]:
        return {r.id: r for r in self.repeats}

    def chain(self, repeat_id: str | None) -> tuple[Repeat, ...]:
        """The repeats around a question, outermost first."""
        found: list[Repeat] = []
        while repeat_id is not None:
            repeat = self.repeat_by_id[repeat_id]
            found.insert(0, repeat)
            repeat_id = repeat.parent
        return tuple(found)

    @cached_property
    def another(self) -> dict[str, AnotherRound]:
        """The "another round?" question of each repeat without a count."""
        return {
            r.id: AnotherRound(id=r.id, text=r.label, type="another", repeat=r.id)
            for r in self.repeats
            if r.count is None
        }

    @cached_property
    def plain(self) -> bool:
        """Uses none of the XLSForm additions: the engine's original, faster path serves it."""
        return not self.repeats and not any(
            q.relevant
            or q.constraint
            or q.required_if
            or q.default is not None
            or isinstance(q, NoteQuestion | CalculateQuestion)
            or (isinstance(q, ChoiceQuestion) and q.choice_filter)
            for q in self.questions
        )

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

    @cached_property
    def memo(self) -> dict[tuple[object, ...], Any]:
        """What the engine works out once per survey and looks up on every answer: the form's
        layout, its slots, which question a ${name} means from where, conditions' parts."""
        return {}

    def question(self, key: str) -> Question | None:
        """The question of an answer's key: its id, or inside a repeat "rep[2]/id" (and
        "rep[2]/+" for a repeat's "another round?")."""
        found = self.by_id.get(key)
        if found is not None or "/" not in key:
            return found
        head, last = key.rsplit("/", 1)
        if last == "+":
            return self.another.get(head.rsplit("/", 1)[-1].split("[", 1)[0])
        return self.by_id.get(last)

    def index(self, question_id: str) -> int:
        return self.positions[question_id]

    def payloads(self) -> set[str]:
        return {self.id, *self.start_payloads}


def _check_repeats(survey: Survey) -> None:
    """Repeats name real parents, and each one's questions sit together (a block of rows)."""
    ids = {r.id for r in survey.repeats}
    if len(ids) != len(survey.repeats):
        raise ValueError("a repeat id is used twice")
    for repeat in survey.repeats:
        if repeat.parent is not None and repeat.parent not in ids:
            raise ValueError(f"repeat {repeat.id!r}: its parent {repeat.parent!r} is no repeat")
    closed: set[str] = set()
    open_: tuple[str, ...] = ()
    for q in survey.questions:
        if q.repeat is not None and q.repeat not in ids:
            raise ValueError(f"question {q.id!r}: repeat {q.repeat!r} is not defined")
        chain = tuple(r.id for r in survey.chain(q.repeat))
        common = 0
        while common < min(len(chain), len(open_)) and chain[common] == open_[common]:
            common += 1
        closed.update(open_[common:])
        reopened = [r for r in chain[common:] if r in closed]
        if reopened:
            raise ValueError(
                f"question {q.id!r}: the questions of repeat {reopened[0]!r} "
                "must follow one another"
            )
        open_ = chain


def _check_expressions(survey: Survey) -> None:
    """Every `${name}` an expression or a text reads is a question of the survey."""
    from bot.core.survey.expressions import references

    known = set(survey.by_ref) | {r.id for r in survey.repeats} | set(survey.absent)
    known |= {m.path.rsplit("/", 1)[-1] for m in survey.meta}
    for q in survey.questions:
        for name in references(q):
            if name not in known:
                raise ValueError(f"question {q.id!r}: ${{{name}}} is no question of this survey")
    for repeat in survey.repeats:
        for source in (repeat.count, repeat.relevant):
            if source:
                from bot.core.survey.expressions import compiled

                unknown = compiled(source).references - known
                if unknown:
                    raise ValueError(
                        f"repeat {repeat.id!r}: ${{{sorted(unknown)[0]}}} is no question"
                    )


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
