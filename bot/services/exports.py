"""Exports of a survey's responses: an Excel workbook or a CSV file, streamed, pseudonymous,
and cut to what Telegram accepts.

Writing runs in a worker thread (`asyncio.to_thread`): openpyxl and the csv module block, and a
100,000-response export takes seconds the bot goes on answering through. Both formats take rows
one at a time from the database's cursor (openpyxl's write-only mode puts each row straight into
the file), so memory stays flat however many responses there are.
"""

from __future__ import annotations

import asyncio
import csv
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from pathlib import Path

from openpyxl import Workbook

from bot.core.export import kobo
from bot.core.export.columns import Cell, layout, question_sheet
from bot.core.export.pseudonym import Pseudonyms
from bot.core.export.rows import Record, Rows, safe_row
from bot.core.survey.model import Survey
from bot.storage.exports import ExportReader

# What a bot may upload to Telegram through the Bot API (sendDocument): 50 MB.
MAX_UPLOAD = 50 * 1024 * 1024
RESPONSES_SHEET, QUESTIONS_SHEET = "jawaban", "pertanyaan"
_CHUNK = 1024 * 1024


class Format(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


@dataclass(frozen=True)
class Package:
    """An export as it can be sent: one file, or a zip, or a zip cut into numbered parts."""

    parts: list[Path]
    rows: int
    zipped: bool

    @property
    def split(self) -> bool:
        return len(self.parts) > 1


def write_xlsx(path: Path, header: list[str], rows: Iterable[list[Cell]], survey: Survey) -> int:
    """The responses sheet, then the sheet that explains every column; returns the rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(RESPONSES_SHEET)
    sheet.append(safe_row(header))
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    explained = book.create_sheet(QUESTIONS_SHEET)
    for line in question_sheet(survey):
        explained.append(safe_row(line))
    book.save(path)
    return count


def write_csv(path: Path, header: list[str], rows: Iterable[list[Cell]]) -> int:
    """UTF-8 with a byte-order mark (without it Excel reads the file in the computer's legacy
    code page and garbles every letter outside ASCII), CRLF line ends; returns the rows."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(safe_row(header))
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def write_export(
    database: Path,
    survey: Survey,
    fmt: Format,
    path: Path,
    zone: tzinfo,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """Write `survey`'s submitted responses (from `since` to `until`) to `path`; returns how
    many. Blocking: call it in a worker thread."""
    with ExportReader(database) as reader:
        if kobo.imported(survey):
            older = [
                Survey.model_validate_json(text)
                for text in reader.older_versions(survey.id, survey.version)
            ]
            # Every version's questions: answers to a question a newer version dropped are
            # still held, so they still have a column (KoboToolbox's "all versions").
            survey = kobo.all_versions(survey, older)
            records = reader.records(survey.id, since, until)
            return write_imported(path, fmt, survey, records, Pseudonyms(reader.secret()), zone)
        shape = layout(survey)
        rows = Rows(shape, Pseudonyms(reader.secret()), zone)
        lines: Iterator[list[Cell]] = map(rows.row, reader.records(survey.id, since, until))
        if fmt is Format.XLSX:
            return write_xlsx(path, shape.header, lines, survey)
        return write_csv(path, shape.header, lines)


def write_imported(
    path: Path,
    fmt: Format,
    survey: Survey,
    records: Iterable[Record],
    pseudonyms: Pseudonyms,
    zone: tzinfo,
) -> int:
    """An imported XLSForm's responses with KoboToolbox's columns (`core.export.kobo`): in a
    workbook, a sheet per repeat after the main one; a CSV holds the main table only, as
    KoboToolbox's does. Returns the responses."""
    reserved = (QUESTIONS_SHEET,)
    writer = kobo.Writer(
        survey, pseudonyms, zone, RESPONSES_SHEET, reserved, main_only=fmt is Format.CSV
    )
    if fmt is Format.CSV:
        lines = (row for record in records for _, row in writer(record))
        return write_csv(path, writer.main.header, lines)
    book = Workbook(write_only=True)
    sheets = {}
    for table in writer.tables:  # openpyxl keeps a file per sheet: rows may interleave
        sheets[table.name] = book.create_sheet(table.name)
        sheets[table.name].append(safe_row(table.header))
    count = 0
    for record in records:
        for name, row in writer(record):
            sheets[name].append(row)
        count += 1
    explained = book.create_sheet(QUESTIONS_SHEET)
    for line in kobo.question_sheet(survey, RESPONSES_SHEET, reserved):
        explained.append(safe_row(line))
    book.save(path)
    return count


def package(path: Path, limit: int = MAX_UPLOAD) -> tuple[list[Path], bool]:
    """The file as it fits under `limit`: itself; else zipped; else the zip cut into parts
    `name.zip.001`, `.002`, ... (7-Zip opens them as one; `cat` or `copy /b` joins them).
    Returns the parts and whether they are zipped."""
    if path.stat().st_size <= limit:
        return [path], False
    archive = path.with_name(path.name + ".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zipped:
        zipped.write(path, arcname=path.name)
    if archive.stat().st_size <= limit:
        return [archive], True
    parts: list[Path] = []
    with archive.open("rb") as whole:
        while True:
            part = archive.with_name(f"{archive.name}.{len(parts) + 1:03d}")
            written = 0
            with part.open("wb") as out:
                while written < limit:
                    chunk = whole.read(min(_CHUNK, limit - written))
                    if not chunk:
                        break
                    out.write(chunk)
                    written += len(chunk)
            if written == 0:
                part.unlink()
                break
            parts.append(part)
    archive.unlink()
    return parts, True


class ExportService:
    def __init__(
        self,
        database: Path,
        surveys: Mapping[str, Survey],
        zone: tzinfo,
        upload_limit: int = MAX_UPLOAD,
    ) -> None:
        self.database = database
        self.surveys = surveys
        self.zone = zone
        self.upload_limit = upload_limit

    async def count(
        self, survey_id: str, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        def counted() -> int:
            with ExportReader(self.database) as reader:
                return reader.count(survey_id, since, until)

        return await asyncio.to_thread(counted)

    async def export(
        self,
        survey: Survey,
        fmt: Format,
        folder: Path,
        stamp: str,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Package:
        """Write the export into `folder` as `<survey>_<stamp>.<fmt>` and cut it to size.
        With `until`, two exports read at different moments hold the same responses."""
        path = folder / f"{survey.id}_{stamp}.{fmt.value}"

        def work() -> Package:
            rows = write_export(self.database, survey, fmt, path, self.zone, since, until)
            parts, zipped = package(path, self.upload_limit)
            return Package(parts, rows, zipped)

        return await asyncio.to_thread(work)
