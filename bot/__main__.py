"""`python -m bot` runs the bot; `python -m bot simulate [SURVEY]` tries a survey in the terminal."""

from __future__ import annotations

import sys

from telegram.error import InvalidToken, NetworkError

from bot.config import ConfigError, load_settings
from bot.core.survey.loader import SurveyFileError
from bot.logging_setup import redact, setup_logging

EXIT_CONFIG = 2


def run() -> int:
    try:
        settings = load_settings()
        from bot.app import build_application

        setup_logging(settings.log_level)
        app = build_application(settings)
    except (ConfigError, SurveyFileError) as exc:
        print(redact(str(exc)), file=sys.stderr)
        return EXIT_CONFIG
    # run_polling handles SIGINT/SIGTERM: it stops fetching, finishes the updates in hand,
    # closes the database (post_shutdown) and returns.
    try:
        app.run_polling(allowed_updates=["message", "edited_message", "callback_query"])
    except InvalidToken:
        # PTB's own message quotes the whole token; ours must not.
        print(
            "Configuration error: TELEGRAM_BOT_TOKEN was rejected by Telegram: "
            "check the token @BotFather gave you (see .env.example).",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except NetworkError as exc:
        print(
            redact(
                f"Cannot reach the Bot API at {settings.telegram_api_url} ({exc}): "
                "check TELEGRAM_API_URL and the network."
            ),
            file=sys.stderr,
        )
        return 1
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["simulate"]:
        from bot.testing.simulator import main as simulate

        return simulate(argv[1:])
    if argv and argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0
    if argv:
        print(
            f"Unknown command {argv[0]!r}. Use: python -m bot [simulate [SURVEY]]", file=sys.stderr
        )
        return EXIT_CONFIG
    return run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
