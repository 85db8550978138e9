"""Logging that never leaks the bot token.

httpx logs every request URL at INFO, and Bot API URLs embed the token (`/bot<id>:<secret>/`).
We silence httpx below WARNING *and* redact the pattern in every record, including exception
text, because a single forgotten logger would otherwise publish the token.
"""

from __future__ import annotations

import logging
import re
import sys
from types import TracebackType

from telegram.error import InvalidToken

_TOKEN_PATTERN = re.compile(r"(bot)?\d{3,}:[A-Za-z0-9_-]{20,}")


def redact(text: str) -> str:
    return _TOKEN_PATTERN.sub(lambda m: ("bot" if m.group(1) else "") + "<token>", text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _not_a_rejected_token(record: logging.LogRecord) -> bool:
    """PTB logs a rejected token with a full traceback; `bot.__main__` reports it in one line."""
    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, InvalidToken)


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_not_a_rejected_token)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiosqlite logs every statement with its parameters (answers, user ids) at DEBUG: personal
    # data has no place in logs, whatever the level.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # An exception nobody caught is printed by Python itself, bypassing the formatter above.
    sys.excepthook = _log_uncaught


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    logging.getLogger("bot").critical("Crashed", exc_info=(kind, value, tb))
