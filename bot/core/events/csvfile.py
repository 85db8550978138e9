"""The CSV file staff use to load many events at once (format: README, "Events").

A file is all or nothing: `parse_events` returns the events only when every row is good, and
otherwise raises `EventFileError` with every problem found, each with its line as a spreadsheet
numbers rows (the header is line 1). Half a programme imported is worse than none: people would
see some workshops of a city and not others.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.core.events import cells
from bot.core.events.model import MAX_DESCRIPTION, MAX_TITLE, MAX_VENUE, Event
from bot.core.events.rules import schedule_problems
from bot.core.events.zones import zone_of

COLUMNS: Final = (
    "slug",
    "title_id",
    "title_en",
    "kind",
    "region",
    "venue",
    "starts_at",
    "ends_at",
    "capacity",
    "registration_closes",
    "topics",
    "description_id",
    "description_en",
)


@dataclass(frozen=True)
class Problem:
    line: int  # as a spreadsheet numbers rows: the header is 1, the first event 2
    reason: str


class EventFileError(Exception):
    """The file cannot be imported; `problems` says every reason, in the order of the file."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the events file")
        self.problems = list(problems)


def parse_events(data: bytes) -> list[Event]:
    text = _decode(data)
    if not text.strip():
        raise EventFileError(
            [Problem(1, f"the file is empty; line 1 must name the columns: {','.join(COLUMNS)}")]
        )
    rows, broken = _records(text)
    header = [name.strip().casefold() for name in rows[0]]
    problems = _header_problems(header)
    if problems:
        # Without the columns no row can be read; a break in the header line itself is the
        # one thing worth saying besides.
        raise EventFileError(problems + ([broken] if broken and broken.line == 1 else []))
    events: list[Event] = []
    first_line: dict[str, int] = {}
    for line, record in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # a blank row (spreadsheets leave some at the end)
        if len(record) != len(header):
            problems.append(
                Problem(
                    line,
                    f"{len(record)} cells where the header has {len(header)}: "
                    "put text that holds a comma in double quotes",
                )
            )
            continue
        row = dict(zip(header, record, strict=True))
        reasons: list[str] = []
        slug = row["slug"].strip()
        if slug and slug in first_line:
            reasons.append(f"slug {slug!r} is already used on line {first_line[slug]}")
        first_line.setdefault(slug, line)
        event = _event(row, reasons)
        problems.extend(Problem(line, reason) for reason in reasons)
        if event is not None and not reasons:
            events.append(event)
    if broken is not None:
        problems.append(broken)
    elif not events and not problems:
        problems.append(Problem(1, "the file has the header but no events"))
    if problems:
        raise EventFileError(problems)
    return events


def _decode(data: bytes) -> str:
    # utf-8-sig reads UTF-8 with or without the byte-order mark Excel puts at the start.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise EventFileError(
            [
                Problem(
                    line,
                    f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}): "
                    'save it as "CSV UTF-8" in Excel or LibreOffice',
                )
            ]
        ) from None


def _records(text: str) -> tuple[list[list[str]], Problem | None]:
    """The rows up to the end, or up to where the CSV breaks (and that break as a problem)."""
    first = text.split("\n", 1)[0]
    # Excel set to Indonesian separates columns with ';' (the comma is the decimal mark).
    delimiter = ";" if ";" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    try:
        for record in reader:
            rows.append(record)
    except csv.Error as exc:
        # Past a broken quote the rows can no longer be told apart: stop reading there.
        return rows or [[]], Problem(
            len(rows) + 1, f'not valid CSV ({exc}): check the double quotes (") on this line'
        )
    return rows, None


def _header_problems(header: list[str]) -> list[Problem]:
    if not any(header):
        return [Problem(1, f"line 1 is empty; it must name the columns: {','.join(COLUMNS)}")]
    problems: list[str] = []
    missing = [c for c in COLUMNS if c not in header]
    suggested: set[str] = set()
    for number, name in enumerate(header, start=1):
        if not name:
            problems.append(f"column {number} has no name: delete it or name it")
        elif header.index(name) != number - 1:
            problems.append(f"column {name!r} appears twice")
        elif name not in COLUMNS:
            close = difflib.get_close_matches(name, missing, n=1)
            suggested.update(close)
            hint = (
                f"did you mean {close[0]!r}?" if close else f"the columns are {','.join(COLUMNS)}"
            )
            problems.append(f"unknown column {name!r}: {hint}")
    unexplained = [repr(name) for name in missing if name not in suggested]
    if unexplained:
        problems.append(
            f"missing column{'s' if len(unexplained) > 1 else ''} {', '.join(unexplained)}"
        )
    return [Problem(1, reason) for reason in problems]


def _event(row: dict[str, str], reasons: list[str]) -> Event | None:
    slug = cells.slug(row["slug"], reasons)
    kind = cells.kind(row["kind"], reasons)
    title_id = cells.text(row["title_id"], "title_id", MAX_TITLE, reasons)
    title_en = cells.text(row["title_en"], "title_en", MAX_TITLE, reasons)
    region = cells.region(row["region"], reasons)
    venue = cells.text(row["venue"], "venue", MAX_VENUE, reasons)
    starts = cells.local_time(row["starts_at"], "starts_at", reasons, required=True)
    ends = cells.local_time(row["ends_at"], "ends_at", reasons, required=True)
    closes = cells.local_time(
        row["registration_closes"], "registration_closes", reasons, required=False
    )
    capacity = cells.capacity(row["capacity"], reasons)
    topics = cells.topics(row["topics"], reasons)
    description_id = cells.text(
        row["description_id"], "description_id", MAX_DESCRIPTION, reasons, lines=True
    )
    description_en = cells.text(
        row["description_en"], "description_en", MAX_DESCRIPTION, reasons, lines=True
    )
    if starts is not None and ends is not None:
        # All three are local times of one place, so they compare before the zone is known:
        # a row with a bad region still hears about its times.
        reasons.extend(schedule_problems(starts, ends, closes))
    if reasons or slug is None or kind is None or region is None:
        return None
    assert starts is not None and ends is not None  # else a reason was given
    zone = zone_of(region.code)
    try:
        return Event(
            slug=slug,
            kind=kind,
            title={"id": title_id, "en": title_en},
            description={"id": description_id, "en": description_en},
            region=region.code,
            venue=venue,
            zone=zone,
            starts_at=_in(starts, zone),
            ends_at=_in(ends, zone),
            registration_closes=None if closes is None else _in(closes, zone),
            capacity=capacity,
            topics=topics,
        )
    except ValidationError as exc:
        # The cell readers check everything the model does; this is the net under them.
        reasons.extend(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors())
        return None


def _in(local: datetime, zone: str) -> datetime:
    # Indonesia keeps no daylight saving time, so every local time exists exactly once.
    return local.replace(tzinfo=ZoneInfo(zone))
