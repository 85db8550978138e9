"""Reading one cell of an events file: what it must hold, and in plain words what is wrong.

Each reader returns the value, or None and appends the reason to `problems`, so one row can
report every one of its mistakes at once.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import cast

from bot.core import regions
from bot.core.events.model import (
    KINDS,
    MAX_CAPACITY,
    MAX_SLUG,
    MAX_TOPIC,
    MAX_TOPICS,
    SLUG,
    Kind,
)

Problems = list[str]

# Local time as people type it into a spreadsheet. Day-first dates (15/12/2026) are refused:
# whether 03/04 is March or April depends on the computer's settings.
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
TIME_EXAMPLE = "2026-12-15 09:00"

_CODE = re.compile(r"[0-9]{2}(\.[0-9]{2})?")
# A spreadsheet that took 53.10 for a number writes it back as 53.1.
_SHORTENED_CODE = re.compile(r"[0-9]{2}\.[0-9]")
_SEATS = re.compile(r"[0-9]{1,7}")


def text(raw: str, column: str, limit: int, problems: Problems, *, lines: bool = False) -> str:
    """Required text, trimmed. One-line columns (titles, venue) have runs of spaces and line
    breaks folded into one space; descriptions keep their line breaks."""
    value = raw.strip() if lines else " ".join(raw.split())
    if not value:
        problems.append(f"{column} is empty")
    elif len(value) > limit:
        problems.append(f"{column} is {len(value)} characters long; at most {limit}")
    return value


def slug(raw: str, problems: Problems) -> str | None:
    value = raw.strip()
    if not value:
        problems.append("slug is empty")
    elif len(value) > MAX_SLUG:
        problems.append(f"slug is {len(value)} characters long; at most {MAX_SLUG}")
    elif not re.fullmatch(SLUG, value):
        problems.append(
            f"slug {value!r} may hold only lowercase letters, digits, '-' and '_' "
            "(like haki-kupang-2026-12)"
        )
    else:
        return value
    return None


def kind(raw: str, problems: Problems) -> Kind | None:
    value = raw.strip().casefold()
    if value in KINDS:
        return cast(Kind, value)
    problems.append(f"kind {raw.strip()!r} is not one of {', '.join(KINDS)}")
    return None


def region(raw: str, problems: Problems) -> regions.Region | None:
    value = " ".join(raw.split())
    if not value:
        problems.append("region is empty")
        return None
    if _SHORTENED_CODE.fullmatch(value):
        problems.append(
            f"region {value!r} looks like a code a spreadsheet shortened ({value}0?): "
            "format the region column as text"
        )
        return None
    if _CODE.fullmatch(value):
        found = regions.by_code(value)
        if found is None:
            problems.append(
                f"region {value!r} is not a Kemendagri code of a province or kabupaten/kota"
            )
        return found
    matches = regions.named(value)
    if len(matches) == 1:
        return matches[0]
    if matches:
        options = _either([f"{_label(r)} ({r.code})" for r in matches])
        problems.append(f"region {value!r} could be {options}: write the code or the full name")
        return None
    guesses = regions.search(value, limit=3)
    labels = [_label(r) for r in guesses]
    hint = f" (did you mean {_either(labels)}?)" if labels else ""
    problems.append(
        f"unknown region {value!r}{hint}: write a Kemendagri code such as 53.71 "
        "or a name such as Kota Kupang"
    )
    return None


def _either(options: list[str]) -> str:
    return options[0] if len(options) == 1 else f"{', '.join(options[:-1])} or {options[-1]}"


def _label(region: regions.Region) -> str:
    # Province names carry no level word; "Gorontalo" alone would not say which one is meant.
    return region.name if "." in region.code else f"Provinsi {region.name}"


def local_time(raw: str, column: str, problems: Problems, *, required: bool) -> datetime | None:
    """A naive local time: the zone is the region's, applied once the region is known."""
    value = " ".join(raw.split())
    if not value:
        if required:
            problems.append(f"{column} is empty")
        return None
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    problems.append(f"{column} {value!r} is not a local date and time written like {TIME_EXAMPLE}")
    return None


def capacity(raw: str, problems: Problems) -> int | None:
    value = raw.strip()
    if not value:
        return None  # no limit
    # ASCII digits, and few of them before int(): thousands of digits make int() raise.
    if _SEATS.fullmatch(value) and 0 < int(value) <= MAX_CAPACITY:
        return int(value)
    problems.append(
        f"capacity {value!r} must be a whole number of seats from 1 to {MAX_CAPACITY} "
        "(like 60), or empty for no limit"
    )
    return None


def topics(raw: str, problems: Problems) -> tuple[str, ...]:
    found: dict[str, str] = {}  # by casefolded topic: "UMKM;umkm" is one topic
    for part in raw.split(";"):
        topic = " ".join(part.split())
        if not topic:
            continue
        if len(topic) > MAX_TOPIC:
            problems.append(f"topic {topic[:20]!r}... is longer than {MAX_TOPIC} characters")
        found.setdefault(topic.casefold(), topic)
    if len(found) > MAX_TOPICS:
        problems.append(f"{len(found)} topics; at most {MAX_TOPICS}")
    return tuple(found.values())
