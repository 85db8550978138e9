"""`python -m bot surveys ...`: XLSForm (KoboToolbox / ODK) surveys from the command line.

  check FILE        what of the form could run as a chat survey; stores nothing, needs no
                    settings. Exit 0: all of it; 1: parts cannot (listed); 2: pyxform refuses it.
  import FILE [--publish] [--without-unsupported]
                    the report, then the form stored as a draft (the next version of its survey),
                    or published at once. Exit 0: stored (or these bytes were already);
                    1: parts cannot run and --without-unsupported was not given (nothing stored);
                    2: not an XLSForm pyxform accepts, or its id is taken.
  publish ID        the newest draft of survey ID becomes the version new respondents get.
  list              imported surveys (live, drafts, retired versions with their responses) and
                    the YAML surveys.

import, publish and list need DATABASE_PATH (and SURVEYS_DIR, TIMEZONE if set), not the bot
token. They work while the bot runs: a publish is taken up by the running bot within seconds,
and whoever is half-way through the version it replaces finishes on that version.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

from bot.config import ConfigError, SurveySettings, load_survey_settings
from bot.core.survey.model import Survey
from bot.core.xlsform.reader import FormError, read
from bot.lifecycle import EXIT_CONFIG, EXIT_FAILED
from bot.services.audit import AuditService
from bot.services.clock import Clock
from bot.services.survey_catalog import (
    CatalogError,
    Imported,
    Outcome,
    Published,
    SurveyCatalog,
    describe,
)
from bot.storage.audit import AuditRepository
from bot.storage.beside import Beside
from bot.storage.database import Database, DatabaseInUse, MigrationError
from bot.storage.readonly import DatabaseUnreadable, ReadOnlyDatabase
from bot.storage.survey_forms import StoredForm, SurveyFormRepository

__all__ = ["describe", "main"]

EXIT_UNSUPPORTED = 1
# The migration that made survey_forms: a running bot older than that cannot be written beside.
FORMS_SCHEMA = 15

Out = Callable[[str], None]


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(
        prog="python -m bot surveys",
        description=__doc__.split("\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = found.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser("check", help="what of an XLSForm could run in chat")
    check.add_argument("file", type=Path, metavar="FILE")
    load = commands.add_parser("import", help="store an XLSForm as a draft (or publish it)")
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--publish", action="store_true", help="make it live at once")
    load.add_argument(
        "--without-unsupported",
        action="store_true",
        help="import it without the parts chat cannot run (its report lists them)",
    )
    publish = commands.add_parser("publish", help="publish the newest draft of a survey")
    publish.add_argument("survey", metavar="ID")
    commands.add_parser("list", help="imported surveys and their versions, and the YAML ones")
    return found


def main(argv: list[str], out: Out = print) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # bad usage: argparse said why
        return int(exc.code or 0)
    if args.command == "check":
        return check(args.file, out)
    try:
        settings, files = load_survey_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "list":
        return asyncio.run(list_surveys(settings, files, out))
    if args.command == "import" and not args.file.is_file():
        print(f"There is no file at {args.file}.", file=sys.stderr)
        return EXIT_CONFIG
    return asyncio.run(_write(args, settings.database_path, files, out))


def check(path: Path, out: Out) -> int:
    if not path.is_file():
        print(f"There is no file at {path}.", file=sys.stderr)
        return EXIT_CONFIG
    try:
        form = read(path)
    except FormError as exc:
        print(f"{path.name} cannot be imported: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    for line in describe(form.report):
        out(line)
    return 0 if form.report.runs_whole else EXIT_UNSUPPORTED


async def _write(args: argparse.Namespace, path: Path, files: dict[str, Survey], out: Out) -> int:
    """import or publish, on the database: with its lock when the bot is not running (then
    migrations run too), else beside the running bot (see bot.storage.beside)."""
    db: Database | Beside = Database(path)
    try:
        await db.open()
    except DatabaseInUse:
        db = Beside(path, FORMS_SCHEMA)
        try:
            await db.open()
        except DatabaseUnreadable as exc:
            print(exc, file=sys.stderr)
            return EXIT_CONFIG
    except MigrationError as exc:
        print(f"Cannot update the database: {exc}", file=sys.stderr)
        return EXIT_FAILED
    clock = Clock()
    # Only the audit entries' statements are used, run inside the catalog's own transactions.
    audit = AuditService(AuditRepository(cast(Database, db)), clock)
    catalog = SurveyCatalog(SurveyFormRepository(db), files, audit, clock)
    try:
        if args.command == "import":
            return await import_file(
                catalog, args.file, args.publish, args.without_unsupported, out
            )
        return await publish_newest(catalog, args.survey, out)
    finally:
        await db.close()


async def import_file(
    catalog: SurveyCatalog, path: Path, publish: bool, without: bool, out: Out
) -> int:
    result = await catalog.import_file(path, by=None, without_unsupported=without)
    if result.report is None:
        print(f"{path.name} cannot be imported: {result.reason}", file=sys.stderr)
        return EXIT_CONFIG
    for line in describe(result.report, left_out=without):
        out(line)
    if result.outcome is Outcome.UNSUPPORTED:
        print(
            "Nothing was imported: a form is imported whole, or without the parts listed if "
            "you say so (they are left out, and read as empty where the form uses them): "
            f"python -m bot surveys import {path} --without-unsupported",
            file=sys.stderr,
        )
        return EXIT_UNSUPPORTED
    if result.outcome is not Outcome.DRAFT and result.outcome is not Outcome.SAME_FILE:
        print(_refusal(result), file=sys.stderr)
        return EXIT_CONFIG
    form = result.form
    assert form is not None
    if result.outcome is Outcome.SAME_FILE:
        out(f"This file is already {form.survey_id!r} version {form.version} ({form.status}).")
    else:
        out(f"Imported as draft {form.survey_id!r} version {form.version}.")
    if form.status == "live":
        out(f"Live: t.me/<bot>?start={form.survey_id}")
        return 0
    if not publish:
        out(f"Publish it with: python -m bot surveys publish {form.survey_id}")
        return 0
    return await _publish(catalog, form, out)


def _refusal(result: Imported) -> str:
    if result.outcome is Outcome.TAKEN:
        survey_id = result.survey.id if result.survey else "?"
        return (
            f"Nothing was imported: the survey id {survey_id!r} is already used by "
            f"{result.taken_by!r}. Give the form another form_id in its settings sheet."
        )
    return f"Nothing was imported: the form cannot run as a chat survey ({result.reason})."


async def publish_newest(catalog: SurveyCatalog, survey_id: str, out: Out) -> int:
    draft = await catalog.newest_draft(survey_id)
    if draft is None:
        drafts = sorted({d.survey_id for d in await catalog.drafts()})
        print(
            f"No draft of {survey_id!r} to publish. Drafts: {', '.join(drafts) or 'none'}.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    return await _publish(catalog, draft, out)


async def _publish(catalog: SurveyCatalog, draft: StoredForm, out: Out) -> int:
    try:
        done = await catalog.publish(draft, by=None)
    except CatalogError as exc:
        print(f"Not published: {exc}.", file=sys.stderr)
        return EXIT_FAILED
    out(_published(done))
    out(f"Live: t.me/<bot>?start={done.form.survey_id}")
    return 0


def _published(done: Published) -> str:
    said = f"Published {done.form.survey_id!r} version {done.form.version}"
    if done.retired is None:
        return said + "."
    return (
        f"{said}: it replaces version {done.retired.version} for new respondents; "
        f"{_count(done.half_way, 'person', 'people')} half-way through version "
        f"{done.retired.version} finish on it."
    )


async def list_surveys(settings: SurveySettings, files: dict[str, Survey], out: Out) -> int:
    # Read-only and without the lock, so staff can look while the bot runs.
    db = ReadOnlyDatabase(settings.database_path)
    try:
        await db.open()
    except DatabaseUnreadable as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    try:
        repository = SurveyFormRepository(db)
        forms = await repository.with_status("live", "draft", "retired")
        counts = await repository.responses()
    finally:
        await db.close()
    zone = settings.zone

    def when(form: StoredForm, published: bool) -> str:
        moment = form.published_at if published else form.imported_at
        if moment is None:
            return "-"
        who = form.published_by if published else form.imported_by
        local = moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
        return f"{local} by {who if who is not None else 'the command line'}"

    def answered(survey_id: str, version: int | None) -> str:
        found = [n for (sid, v), n in counts.items() if sid == survey_id and version in (None, v)]
        submitted, open_ = sum(n[0] for n in found), sum(n[1] for n in found)
        return f"{submitted} ({open_} half-way)" if open_ else str(submitted)

    rows = [("survey", "version", "status", "questions", "responses", "imported", "published")]
    rows += [
        (
            f.survey_id,
            str(f.version),
            f.status,
            str(f.questions),
            answered(f.survey_id, f.version),
            when(f, False),
            when(f, True),
        )
        for f in forms
    ]
    out("Imported surveys:" if forms else "No imported surveys.")
    if forms:
        out(_table(rows))
    out(f"YAML surveys ({settings.surveys_dir}):")
    yaml_rows = [("survey", "version", "questions", "responses")]
    yaml_rows += [
        (s.id, str(s.version), str(len(s.questions)), answered(s.id, None)) for s in files.values()
    ]
    out(_table(yaml_rows))
    live = [f.survey_id for f in forms if f.status == "live"]
    if live:
        out("Links: " + ", ".join(f"t.me/<bot>?start={survey_id}" for survey_id in live))
    return 0


def _table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
