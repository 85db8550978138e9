"""An answer as a person reads it, and the question it answers as they were asked it, for the
review screen and "my data"."""

from __future__ import annotations

from datetime import date

from bot.core import regions
from bot.core.formatting import long_date, number
from bot.core.survey import engine
from bot.core.survey.engine import Answer, Answers
from bot.core.survey.model import (
    AnotherRound,
    ChoiceQuestion,
    DateQuestion,
    DecimalQuestion,
    IntegerQuestion,
    LocationQuestion,
    Question,
    RegionQuestion,
    ScaleQuestion,
    Survey,
    YesNoQuestion,
)
from bot.core.survey.slot import Slot
from bot.core.text import pick
from bot.i18n import Gettext


def region_name(code: str) -> str:
    region = regions.by_code(code)
    if region is None:
        return code
    if "." not in code:
        return region.name
    province = regions.by_code(region.province_code)
    return f"{region.name}, {province.name}" if province else region.name


def describe(question: Question, answer: Answer, locale: str, _: Gettext) -> str:
    value = answer.value
    if value is None:
        return _("(skipped)")
    if isinstance(question, ChoiceQuestion):
        picked = value if isinstance(value, list) else [value]
        labels = []
        for choice_id in picked:
            choice = question.choice(choice_id)
            label = pick(choice.label, locale) if choice else choice_id
            if choice and choice.other and answer.other:
                label = answer.other  # what they wrote says more than "Lainnya, sebutkan"
            labels.append(label)
        return ", ".join(labels)
    if isinstance(question, YesNoQuestion | AnotherRound):
        return _("Yes") if value else _("No")
    if isinstance(question, LocationQuestion):
        return place(str(value))
    if isinstance(question, IntegerQuestion | DecimalQuestion):
        unit = pick(question.unit, locale)
        return f"{number(value, locale)} {unit}".strip()
    if isinstance(question, ScaleQuestion):
        label = pick(question.labels.get(int(value)), locale)
        return f"{value} ({label})" if label else str(value)
    if isinstance(question, DateQuestion):
        return long_date(date.fromisoformat(value), locale)
    if isinstance(question, RegionQuestion):
        return region_name(str(value))
    return str(value)


def place(geopoint: str) -> str:
    """A stored location ("lat lon altitude accuracy", XLSForm's geopoint) as people write a
    point: "-8.65, 115.22". Altitude and accuracy mean nothing to the person who shared it."""
    parts = geopoint.split()
    if len(parts) < 2:
        return geopoint
    return f"{_degrees(parts[0])}, {_degrees(parts[1])}"


def _degrees(text: str) -> str:
    """-8.650000 as -8.65: the zeros a stored point is padded with say nothing."""
    try:
        value = float(text)
    except ValueError:
        return text
    return f"{value:.6f}".rstrip("0").rstrip(".")


def rounds_label(survey: Survey, answers: Answers, key: str, locale: str, _: Gettext) -> str:
    """The rounds of the repeats around an answer, outermost first, as a person counts them:
    "Anggota rumah tangga ke-2 › Pohon ke-1". Empty outside repeats."""
    found = []
    for repeat, number_ in engine.rounds_of(survey, key):
        label = engine.fill(pick(repeat.label, locale), survey, answers, key, locale)
        found.append(_("{label} {n}").format(label=label, n=number_) if label else str(number_))
    return " › ".join(found)


def asked_as(survey: Survey, answers: Answers, slot: Slot, locale: str, _: Gettext) -> str:
    """The question an answer is to, as it was asked: `${name}` filled in, after its rounds."""
    question = slot.question
    text = engine.fill(pick(question.text, locale), survey, answers, slot.key, locale)
    if isinstance(question, AnotherRound):
        text = _("Another {label}?").format(label=lowered(text))
    rounds = rounds_label(survey, answers, slot.key, locale, _) if question.repeat else ""
    return f"{rounds} › {text}" if rounds else text


def lowered(label: str) -> str:
    """A repeat's label inside a sentence ("Tambah anggota rumah tangga"), but an acronym
    ("UMKM") or a name kept as written."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label
