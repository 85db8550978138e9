"""Turn what a respondent typed or tapped into a stored value, or say why it cannot be.

Errors carry a code and parameters; the Telegram layer turns them into a polite message in
the respondent's language.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.core.survey.model import (
    ChoiceQuestion,
    DateBound,
    DateQuestion,
    DecimalQuestion,
    IntegerQuestion,
    LocationQuestion,
    MultiChoice,
    NumberQuestion,
    Question,
    ScaleQuestion,
    SingleChoice,
    TextQuestion,
    YesNoQuestion,
)
from bot.core.text import pick

# Telegram allows 4096 characters; anything near that is pasted by mistake.
MAX_TYPED = 3000


@dataclass
class Invalid(Exception):
    code: str
    params: dict[str, Any] = field(default_factory=dict)


_YES = {"ya", "y", "yes", "iya", "yaa", "ok", "benar", "betul"}
_NO = {"tidak", "tdk", "t", "no", "n", "nggak", "gak", "enggak", "bukan"}
# Every pattern below spells digits [0-9]: `\d` and str.isdigit() also take superscripts (²),
# circled digits (①) and the like, which int() and float() then refuse with an exception.
_DATE = re.compile(r"^\s*([0-9]{1,2})\s*[/.\-]\s*([0-9]{1,2})\s*[/.\-]\s*([0-9]{4})\s*$")
# A choice or a point of a scale typed as its number: 40 choices at most, 10 points.
_SMALL = re.compile(r"[0-9]{1,3}")

# Beyond this, a typed number is a slip of the finger, whatever the survey allows: floats stop
# holding whole numbers exactly (2**53 is about 9e15), and Babel still shows it readably.
MAX_NUMBER = 10**15


def clean(text: str) -> str:
    return " ".join(text.split())


def ascii_digits(text: str) -> str:
    """Decimal digits of any script as ASCII: ٣ (Arabic-Indic, from an Arabic keyboard) and ３
    (full-width, from some Asian keyboards) mean 3 to the person who typed them. Superscripts
    and circled digits are not decimal digits and stay as they are, to be refused politely."""
    if text.isascii():  # nearly always: nothing to do
        return text
    return "".join(
        str(digit) if (digit := unicodedata.decimal(ch, None)) is not None else ch for ch in text
    )


_RUPIAH = re.compile(r"^rp\.?", re.IGNORECASE)
# The lookahead wants a digit somewhere; written this way the match stays linear in the length
# of what was pasted (the obvious `[0-9.,]*[0-9][0-9.,]*` backtracks quadratically).
_NUMERIC = re.compile(r"[-+]?(?=[.,]*[0-9])[0-9.,]+")
_GROUPED = {sep: re.compile(r"[-+]?[0-9]{1,3}(" + re.escape(sep) + r"[0-9]{3})+") for sep in ".,"}


def parse_number(text: str, locale: str) -> float:
    """Accept 1.500.000 / 1,5 (Indonesian) and 1,500,000 / 1.5 (English) and plain digits.

    Only digits, separators, a sign and "Rp": float() alone would also take "1e999", "inf",
    "nan" and "1_000". A number too long for a float comes back as infinity, which the range
    checks refuse."""
    raw = _RUPIAH.sub("", ascii_digits(text).strip().replace(" ", "").replace("\u00a0", ""))
    if not _NUMERIC.fullmatch(raw):
        raise Invalid("number.nan")
    thousands, decimal = (".", ",") if locale == "id" else (",", ".")
    if "." in raw and "," in raw:
        decimal = "." if raw.rfind(".") > raw.rfind(",") else ","
        thousands = "," if decimal == "." else "."
    elif _GROUPED[thousands].fullmatch(raw):
        pass  # grouped thousands in the respondent's own convention
    elif thousands in raw and decimal not in raw:
        # "2.5" from an Indonesian phone, or "2,5" from an English one: a decimal separator.
        decimal, thousands = thousands, decimal
    normalised = raw.replace(thousands, "").replace(decimal, ".")
    try:
        return float(normalised)
    except ValueError:
        raise Invalid("number.nan") from None


def _check_range(q: NumberQuestion, value: float) -> None:
    if (q.min is not None and value < q.min) or (q.max is not None and value > q.max):
        if q.min is not None and q.max is not None:
            raise Invalid("number.range", {"min": q.min, "max": q.max})
        if q.min is not None:
            raise Invalid("number.min", {"min": q.min})
        raise Invalid("number.max", {"max": q.max})
    # Also when the survey sets no bounds: nothing larger is stored, and never infinity.
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise Invalid("number.too_large")


def resolve_bound(bound: DateBound | None, today: date) -> date | None:
    return today if bound == "today" else bound


def parse_date(q: DateQuestion, text: str, today: date) -> str:
    match = _DATE.match(ascii_digits(text))
    if not match:
        raise Invalid("date.format")
    day, month, year = (int(g) for g in match.groups())
    try:
        value = date(year, month, day)
    except ValueError:
        raise Invalid("date.invalid") from None
    low, high = resolve_bound(q.min_date, today), resolve_bound(q.max_date, today)
    if low and value < low:
        raise Invalid("date.too_early", {"min": low})
    if high and value > high:
        raise Invalid("date.too_late", {"max": high})
    return value.isoformat()


def _match_choice(q: ChoiceQuestion, text: str, locale: str) -> str | None:
    """A typed choice: its number on the keyboard or its label, ignoring case."""
    wanted = clean(text).casefold()
    number = ascii_digits(wanted)
    if _SMALL.fullmatch(number) and 1 <= int(number) <= len(q.choices):
        return q.choices[int(number) - 1].id
    for c in q.choices:
        if wanted in {pick(c.label, locale).casefold(), pick(c.label, "id").casefold()}:
            return c.id
    return None


def parse_typed(q: Question, text: str, locale: str, today: date) -> Any:
    """The value of a typed answer to `q`, or Invalid."""
    if len(text) > MAX_TYPED:
        raise Invalid(
            "text.too_long", {"length": len(text), "max": getattr(q, "max_length", MAX_TYPED)}
        )
    if isinstance(q, TextQuestion):
        value = text.strip()
        if len(value) < q.min_length:
            raise Invalid("text.too_short", {"min": q.min_length})
        if len(value) > q.max_length:
            raise Invalid("text.too_long", {"length": len(value), "max": q.max_length})
        return value
    if isinstance(q, IntegerQuestion):
        number = parse_number(text, locale)
        _check_range(q, number)  # first: int() of infinity raises
        if not number.is_integer():
            raise Invalid("number.whole")
        return int(number)
    if isinstance(q, DecimalQuestion):
        number = round(parse_number(text, locale), q.decimals)
        _check_range(q, number)
        return number
    if isinstance(q, ScaleQuestion):
        word = ascii_digits(clean(text))
        if not _SMALL.fullmatch(word) or not q.min <= int(word) <= q.max:
            raise Invalid("scale.range", {"min": q.min, "max": q.max})
        return int(word)
    if isinstance(q, YesNoQuestion):
        return yes_or_no(text)
    if isinstance(q, LocationQuestion):
        return parse_location(text)
    if isinstance(q, DateQuestion):
        return parse_date(q, text, today)
    if isinstance(q, SingleChoice):
        choice = _match_choice(q, text, locale)
        if choice is None:
            raise Invalid("choice.buttons")
        return choice
    # Multiple choice and regions are answered with buttons (regions also by search).
    raise Invalid("choice.buttons")


def yes_or_no(text: str) -> bool:
    word = clean(text).casefold().rstrip(".!")
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise Invalid("choice.buttons")


# "-8.65, 115.21" or "-8,65 115,21" (Indonesian decimal commas need the space): a place typed
# by someone on Telegram Desktop, which cannot share a location.
_LATLON = re.compile(
    r"^\s*([-+]?[0-9]{1,3}(?:[.,][0-9]+)?)\s*[,;\s]\s*([-+]?[0-9]{1,3}(?:[.,][0-9]+)?)\s*$"
)


def parse_location(text: str) -> str:
    """A typed "latitude, longitude" as XLSForm's geopoint text."""
    raw = ascii_digits(text)
    match = _LATLON.match(raw) if raw.count(",") != 1 or " " in raw.strip() else None
    if match is None:
        match = _LATLON.match(raw.replace(" ", ""))
    if match is None:
        raise Invalid("location.format")
    latitude, longitude = (float(g.replace(",", ".")) for g in match.groups())
    return geopoint(latitude, longitude)


def geopoint(latitude: float, longitude: float, accuracy: float = 0.0) -> str:
    """XLSForm's geopoint answer: "lat lon altitude accuracy" (Telegram gives no altitude)."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise Invalid("location.range")
    return f"{latitude:.6f} {longitude:.6f} 0 {max(0.0, accuracy):g}"


def check_other(text: str) -> str:
    value = text.strip()
    if not value:
        raise Invalid("text.too_short", {"min": 1})
    if len(value) > 200:
        raise Invalid("text.too_long", {"length": len(value), "max": 200})
    return value


def toggle(q: MultiChoice, picked: list[str], choice_id: str) -> list[str]:
    """Picked choices after tapping one: exclusive choices ("Tidak ada") clear the rest."""
    choice = q.choice(choice_id)
    if choice is None:
        return picked
    if choice_id in picked:
        return [c for c in picked if c != choice_id]
    if choice.exclusive:
        return [choice_id]
    kept = [c for c in picked if not (q.choice(c) and q.choice(c).exclusive)]  # type: ignore[union-attr]
    top = q.max_choices or len(q.choices)
    if len(kept) >= top:
        raise Invalid("multi.too_many", {"max": top})
    return [c.id for c in q.choices if c.id in {*kept, choice_id}]


def check_picked(q: MultiChoice, picked: list[str], required: bool) -> None:
    low = q.min_choices if required else 0
    if len(picked) < max(low, 1 if required else 0):
        raise Invalid("multi.too_few", {"min": max(low, 1)})
