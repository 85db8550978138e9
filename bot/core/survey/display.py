"""An answer as a person reads it, for the review screen and "my data"."""

from __future__ import annotations

from datetime import date

from bot.core import regions
from bot.core.formatting import long_date, number
from bot.core.survey.engine import Answer
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
    YesNoQuestion,
)
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
