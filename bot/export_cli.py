"""`python -m bot export SURVEY --format xlsx|csv --output FILE [--since DATE]`: a survey's
submitted responses as an Excel workbook (responses, and a sheet explaining every column in
both languages) or a CSV file (UTF-8 with BOM). Respondents appear as pseudonymous codes, never
as Telegram ids. Needs only DATABASE_PATH (and SURVEYS_DIR, TIMEZONE if set), not a bot token,
and reads without a lock, so it runs beside the bot."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import date, datetime, time
from pathlib import Path

from bot.config import ConfigError, load_survey_settings
from bot.core.survey.model import Survey
from bot.lifecycle import EXIT_CONFIG, EXIT_FAILED
from bot.services.exports import Format, write_export
from bot.services.survey_catalog import live_surveys
from bot.storage.exports import ExportUnreadable
from bot.storage.readonly import DatabaseUnreadable, ReadOnlyDatabase


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-01") from None


async def _imported(database: Path) -> dict[str, Survey]:
    db = ReadOnlyDatabase(database)
    try:
        await db.open()
    except DatabaseUnreadable:
        return {}  # reported by write_export, which reads the same file
    try:
        return await live_surveys(db)
    finally:
        await db.close()


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(prog="python -m bot export", description=__doc__)
    found.add_argument("survey", metavar="SURVEY", help="the survey's id, e.g. bpjs")
    found.add_argument(
        "--format",
        choices=[f.value for f in Format],
        help="xlsx or csv (default: from the output file's extension)",
    )
    found.add_argument("--output", type=Path, required=True, metavar="FILE")
    found.add_argument(
        "--since",
        type=_day,
        metavar="DATE",
        help="only responses submitted on or after this day (YYYY-MM-DD, in TIMEZONE)",
    )
    return found


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)  # bad usage: argparse says why and exits with status 2
    fmt = args.format or args.output.suffix.lower().lstrip(".")
    if fmt not in {f.value for f in Format}:
        print(
            "Say --format xlsx or --format csv (or end FILE with .xlsx or .csv).", file=sys.stderr
        )
        return EXIT_CONFIG
    try:
        settings, surveys = load_survey_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    # Surveys imported from XLSForms live in the database: their live version.
    surveys.update(asyncio.run(_imported(settings.database_path)))
    survey = surveys.get(args.survey)
    if survey is None:
        known = ", ".join(sorted(surveys)) or "none"
        print(f"No survey {args.survey!r}. Surveys: {known}.", file=sys.stderr)
        return EXIT_CONFIG
    zone = settings.zone
    since = datetime.combine(args.since, time(), zone) if args.since else None
    output: Path = args.output
    # Written beside the target and renamed: a file someone has open, or a run stopped
    # half-way, never leaves half an export under the name asked for.
    partial = output.with_name(f".{output.name}.partial")
    try:
        count = write_export(settings.database_path, survey, Format(fmt), partial, zone, since)
        os.replace(partial, output)
    except ExportUnreadable as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:
        print(f"{output}: cannot write the file ({exc.strerror or exc})", file=sys.stderr)
        return EXIT_FAILED
    finally:
        partial.unlink(missing_ok=True)
    size = output.stat().st_size / 1_048_576
    period = f" submitted since {args.since.isoformat()}" if args.since else ""
    print(
        f"{survey.id}: {count} responses{period} written to {output} ({fmt}, {size:.1f} MB); "
        "respondents appear as pseudonymous codes."
    )
    return 0
