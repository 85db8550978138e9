"""`python -m bot` runs the bot; `python -m bot simulate [SURVEY]` tries a survey in the terminal;
`python -m bot events import FILE` loads events from a CSV file, `python -m bot events list`
prints them; `python -m bot check` says whether settings, database and Telegram are all right;
`python -m bot backup FILE` copies the database while the bot runs, `python -m bot restore FILE`
puts a copy back (with the bot stopped); `python -m bot export SURVEY --format xlsx|csv --output
FILE [--since DATE]` writes a survey's responses for a spreadsheet; `python -m bot surveys check
FILE` says what of an XLSForm could run as a chat survey, `python -m bot surveys import FILE
[--publish] [--without-unsupported]` imports it (a draft, or live at once), `python -m bot surveys
publish ID` publishes a draft and `python -m bot surveys list` shows imported surveys."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.config import ConfigError, load_settings
from bot.core.survey.loader import SurveyFileError
from bot.logging_setup import redact, setup_logging

EXIT_CONFIG = 2
USAGE = (
    "python -m bot [simulate [SURVEY] | events import FILE | events list | check | "
    "backup FILE | restore FILE | export SURVEY --output FILE | surveys check FILE | "
    "surveys import FILE [--publish] | surveys publish ID | surveys list]"
)


def run() -> int:
    try:
        settings = load_settings()
        setup_logging(settings.log_level)
        from bot.runner import run as serve

        return serve(settings)
    except (ConfigError, SurveyFileError) as exc:
        print(redact(str(exc)), file=sys.stderr)
        return EXIT_CONFIG


def maintain(command: str, args: list[str]) -> int:
    """check, backup FILE, restore FILE: each prints one line per finding or one line of
    error, never a traceback."""
    from bot.backup import BackupError, backup, restore
    from bot.health import check, report

    if len(args) != (0 if command == "check" else 1):
        print(f"Usage: {USAGE}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(redact(str(exc)), file=sys.stderr)
        return EXIT_CONFIG
    if command == "check":
        return report(check(settings))
    try:
        if command == "backup":
            size = backup(settings.database_path, Path(args[0]))
            print(f"Backup written to {args[0]} ({size / 1_048_576:.1f} MB).")
        else:
            version = restore(Path(args[0]), settings.database_path)
            print(
                f"Restored {args[0]} (schema {version}) to {settings.database_path}. "
                "Start the bot to go on."
            )
    except BackupError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["simulate"]:
        from bot.testing.simulator import main as simulate

        return simulate(argv[1:])
    if argv[:1] == ["events"]:
        from bot.events_cli import main as events

        return events(argv[1:])
    if argv[:1] == ["export"]:
        from bot.export_cli import main as export

        return export(argv[1:])
    if argv[:1] == ["surveys"]:
        from bot.surveys_cli import main as surveys

        return surveys(argv[1:])
    if argv[:1] and argv[0] in {"check", "backup", "restore"}:
        return maintain(argv[0], argv[1:])
    if argv and argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0
    if argv:
        print(f"Unknown command {argv[0]!r}. Use: {USAGE}", file=sys.stderr)
        return EXIT_CONFIG
    return run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
