"""`python -m bot` runs the bot; `python -m bot simulate [SURVEY]` tries a survey in the terminal;
`python -m bot events import FILE` loads events from a CSV file, `python -m bot events list`
prints them."""

from __future__ import annotations

import sys

from bot.config import ConfigError, load_settings
from bot.core.survey.loader import SurveyFileError
from bot.logging_setup import redact, setup_logging

EXIT_CONFIG = 2


def run() -> int:
    try:
        settings = load_settings()
        setup_logging(settings.log_level)
        from bot.runner import run as serve

        return serve(settings)
    except (ConfigError, SurveyFileError) as exc:
        print(redact(str(exc)), file=sys.stderr)
        return EXIT_CONFIG


def main(argv: list[str]) -> int:
    if argv[:1] == ["simulate"]:
        from bot.testing.simulator import main as simulate

        return simulate(argv[1:])
    if argv[:1] == ["events"]:
        from bot.events_cli import main as events

        return events(argv[1:])
    if argv and argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0
    if argv:
        print(
            f"Unknown command {argv[0]!r}. Use: python -m bot "
            "[simulate [SURVEY] | events import FILE | events list]",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    return run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
