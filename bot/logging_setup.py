"""Logging that never leaks the bot token.

httpx logs every request URL at INFO, and Bot API URLs embed the token (`/bot<id>:<secret>/`).
We silence httpx below WARNING *and* redact the pattern in every record, including exception
text, because a single forgotten logger would otherwise publish the token.
"""

from __future__ import annotations

import logging
import re

_TOKEN_PATTERN = re.compile(r"(bot)?\d{3,}:[A-Za-z0-9_-]{20,}")


def redact(text: str) -> str:
    return _TOKEN_PATTERN.sub(lambda m: ("bot" if m.group(1) else "") + "<token>", text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
