"""One stored response as one row of an export, every cell safe to open in a spreadsheet."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.core.export.columns import Answers, Cell, Layout
from bot.core.export.pseudonym import Pseudonyms

_FORMULA_START = frozenset("=+-@\t\r")
# XML 1.0 (inside every .xlsx) cannot hold these control characters: openpyxl refuses the
# whole file for one of them, and someone can type them into Telegram.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Either of the two, found in one pass: most cells have neither and are left as they are.
_RISKY = re.compile(r"^[=+\-@\t\r]|[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe(value: Cell) -> Cell:
    """A text a spreadsheet cannot take for a formula (CSV injection, OWASP): one starting with
    =, +, -, @, a tab or a carriage return gets a leading single quote. Numbers stay numbers: a
    negative number is a number, not a formula, in Excel, LibreOffice and openpyxl alike."""
    if type(value) is not str or not _RISKY.search(value):
        return value
    value = _NOT_IN_XML.sub("", value)
    return "'" + value if value[:1] in _FORMULA_START else value


def safe_row(cells: Iterable[Cell]) -> list[Cell]:
    risky = _RISKY.search
    return [safe(c) if type(c) is str and risky(c) else c for c in cells]


@dataclass(frozen=True, slots=True)
class Record:
    """A submitted response as storage reads it: times as stored (ISO 8601 UTC text), answers
    by question id as [decoded JSON value, "Lainnya" text]."""

    user_id: int
    started_at: str
    submitted_at: str
    locale: str | None
    source: str | None
    version: int
    answers: Answers
    id: int = 0  # the response's number (an imported form's export shows it, as Kobo's _id)


class Rows:
    """Turns records into rows of `layout`: times in `zone`, the respondent as a pseudonym."""

    def __init__(self, layout: Layout, pseudonyms: Pseudonyms, zone: tzinfo) -> None:
        self.layout = layout
        self.pseudonyms = pseudonyms
        self.zone = zone

    def row(self, record: Record) -> list[Cell]:
        cells = self.meta(record)
        cells.extend(self.layout.answer_cells(record.answers))
        return safe_row(cells)

    def meta(self, record: Record) -> list[Cell]:
        """The metadata columns (`columns.META`) of one response."""
        started = datetime.fromisoformat(record.started_at)
        submitted = datetime.fromisoformat(record.submitted_at)
        return [
            self.pseudonyms.code(record.user_id),
            self._local(started),
            self._local(submitted),
            max(0, round((submitted - started).total_seconds())),
            record.locale,
            record.source,
            record.version,
        ]

    def _local(self, moment: datetime) -> str:
        # ISO 8601 with the offset: unambiguous wherever the file is opened.
        return moment.astimezone(self.zone).isoformat(sep=" ", timespec="seconds")
