"""`python -m bot events import FILE` loads events from a CSV file; `python -m bot events list`
prints what is stored. Both need only DATABASE_PATH, not a bot token."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import ConfigError, load_storage_settings
from bot.core.events.csvfile import EventFileError, parse_events
from bot.core.events.model import Event
from bot.core.formatting import date_time
from bot.lifecycle import EXIT_CONFIG, EXIT_FAILED, EXIT_IN_USE
from bot.services.clock import Clock
from bot.storage.database import Database, DatabaseInUse, MigrationError
from bot.storage.events import EventCatalog, EventRepository
from bot.storage.readonly import DatabaseUnreadable, ReadOnlyDatabase


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot events", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    load = commands.add_parser(
        "import", help="add or update the events of a CSV file (all rows, or none)"
    )
    load.add_argument("file", type=Path, metavar="FILE")
    commands.add_parser("list", help="print every stored event")
    args = parser.parse_args(argv)  # bad usage: argparse says why and exits with status 2
    try:
        database = load_storage_settings().database_path
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "import":
        return import_file(args.file, database)
    return asyncio.run(list_events(database))


def import_file(path: Path, database: Path) -> int:
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"{path}: cannot read the file ({exc.strerror or exc})", file=sys.stderr)
        return EXIT_CONFIG
    # The file is checked before the database is opened: a bad file is reported in full even
    # while the bot runs (and holds the database).
    try:
        events = parse_events(data)
    except EventFileError as exc:
        for problem in exc.problems:
            print(f"{path}:{problem.line}: {problem.reason}", file=sys.stderr)
        rows = len({problem.line for problem in exc.problems})
        print(f"{path}: nothing imported ({_count(rows, 'line')} to fix)", file=sys.stderr)
        return EXIT_CONFIG
    return asyncio.run(_store(path, events, database))


async def _store(path: Path, events: list[Event], database: Path) -> int:
    db = Database(database)
    try:
        await db.open()
    except DatabaseInUse as exc:
        # The running bot holds the database; one writer per file is what keeps its caches
        # true. Stopping it loses nothing (updates wait at Telegram and in the inbox).
        print(exc, file=sys.stderr)
        return EXIT_IN_USE
    except MigrationError as exc:
        print(f"Cannot update the database: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        summary = await EventRepository(db).import_events(events, Clock().now())
    finally:
        await db.close()
    print(
        f"{path}: {_count(len(events), 'event')} imported: {summary.added} added, "
        f"{summary.updated} updated, {summary.unchanged} unchanged"
    )
    return 0


async def list_events(database: Path) -> int:
    # Read-only and without the lock, so staff can look while the bot runs.
    db = ReadOnlyDatabase(database)
    try:
        await db.open()
    except DatabaseUnreadable as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    try:
        events = await EventCatalog(db).all()
    finally:
        await db.close()
    if not events:
        print("No events stored.")
        return 0
    print(table(events))
    print(_count(len(events), "event"))
    return 0


def table(events: list[Event]) -> str:
    """One line per event, in columns; the start as people there say it, in their zone."""
    rows = [("slug", "kind", "region", "starts", "capacity", "status")]
    rows.extend(
        (
            event.slug,
            event.kind,
            event.region_name,
            date_time(event.starts_at, event.zoneinfo, "id"),
            "unlimited" if event.capacity is None else str(event.capacity),
            event.status,
        )
        for event in events
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
