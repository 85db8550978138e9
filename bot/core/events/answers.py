"""What a typed answer to the event wizard means: a date and time as people write them, an
end time, a number of seats, topics, a line of text; and, when it means nothing usable, why
(`Refused`, which the chat turns into a short sentence). Pure.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.events.model import MAX_CAPACITY, MAX_SLUG, MAX_TOPIC, MAX_TOPICS


class Problem(StrEnum):
    """Why an answer was refused; the chat says each in a short sentence and asks again."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_TEXT = "not_text"
    USE_BUTTONS = "use_buttons"
    REGION_NOT_FOUND = "region_not_found"
    TIME_FORMAT = "time_format"
    NO_SUCH_DATE = "no_such_date"
    IN_PAST = "in_past"
    ENDS_NOT_AFTER_START = "ends_not_after_start"
    CLOSES_AFTER_START = "closes_after_start"
    CLOSES_IN_PAST = "closes_in_past"
    CAPACITY = "capacity"
    TOPIC_TOO_LONG = "topic_too_long"
    TOO_MANY_TOPICS = "too_many_topics"


@dataclass(frozen=True)
class Refused:
    problem: Problem
    limit: int = 0
    length: int = 0


# "15/12/2026 09.00", "15-12-2026 09:00", "2026-12-15 09:00". In the chat, unlike a spreadsheet,
# a day-first date is what Indonesians write; the year-first form is there for the CSV habit.
_DAY_FIRST = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*(?:,|pukul|jam)?\s*(\d{1,2})[.:](\d{2})"
)
_YEAR_FIRST = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})\s*(?:T|,|pukul|jam)?\s*(\d{1,2})[.:](\d{2})")
_TIME_ONLY = re.compile(r"(?:pukul|jam)?\s*(\d{1,2})[.:](\d{2})")
_SEATS = re.compile(r"[0-9]{1,7}")


def text(raw: str, limit: int, lines: bool) -> str | Refused:
    """Titles and the venue are one line (runs of spaces folded); descriptions keep theirs."""
    value = raw.strip() if lines else " ".join(raw.split())
    if not value:
        return Refused(Problem.EMPTY)
    if len(value) > limit:
        return Refused(Problem.TOO_LONG, limit=limit, length=len(value))
    return value


def parse_local(raw: str) -> datetime | Refused:
    """A local date and time as people type it; a well-formed date that does not exist
    (31/02/2027) is told apart from text that is no date at all."""
    text = " ".join(raw.split()).casefold()
    day_first = _DAY_FIRST.fullmatch(text)
    year_first = _YEAR_FIRST.fullmatch(text)
    if day_first:
        day, month, year, hour, minute = (int(g) for g in day_first.groups())
    elif year_first:
        year, month, day, hour, minute = (int(g) for g in year_first.groups())
    else:
        return Refused(Problem.TIME_FORMAT)
    try:
        return datetime(year, month, day, hour, minute)
    except ValueError:
        return Refused(Problem.NO_SUCH_DATE)


def parse_end(raw: str, start: datetime) -> datetime | Refused:
    """A time alone ("12.00") is on the start's day; otherwise a full date and time."""
    alone = _TIME_ONLY.fullmatch(" ".join(raw.split()).casefold())
    if alone:
        hour, minute = int(alone.group(1)), int(alone.group(2))
        if hour > 23 or minute > 59:
            return Refused(Problem.NO_SUCH_DATE)
        return start.replace(hour=hour, minute=minute)
    return parse_local(raw)


def parse_capacity(raw: str) -> int | Refused:
    # ASCII digits, and few of them, before int(): "banyak", "-5" and "0" are all refused.
    value = raw.strip().replace(".", "") if re.fullmatch(r"\d{1,3}(\.\d{3})+", raw.strip()) else raw
    value = value.strip()
    if _SEATS.fullmatch(value) and 0 < int(value) <= MAX_CAPACITY:
        return int(value)
    return Refused(Problem.CAPACITY, limit=MAX_CAPACITY)


def parse_topics(raw: str) -> tuple[str, ...] | Refused:
    found: dict[str, str] = {}  # by casefolded topic: "UMKM, umkm" is one topic
    for part in re.split(r"[,;\n]", raw):
        topic = " ".join(part.split())
        if not topic:
            continue
        if len(topic) > MAX_TOPIC:
            return Refused(Problem.TOPIC_TOO_LONG, limit=MAX_TOPIC, length=len(topic))
        found.setdefault(topic.casefold(), topic)
    if not found:
        return Refused(Problem.EMPTY)
    if len(found) > MAX_TOPICS:
        return Refused(Problem.TOO_MANY_TOPICS, limit=MAX_TOPICS, length=len(found))
    return tuple(found.values())


def slug_for(title: str, starts: datetime) -> str:
    """A slug from the title and the day ("dialog-umkm-kupang-2026-12-15"); storage adds a
    suffix when another event has it already."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.casefold()).strip("-")
    room = MAX_SLUG - len("-2026-12-15") - len("-99")  # the date, and a suffix if taken
    words = words[:room].rstrip("-") or "acara"
    return f"{words}-{starts:%Y-%m-%d}"
