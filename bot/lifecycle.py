"""When and why the running bot should stop: a signal, or a problem found anywhere that makes
running on pointless (Telegram rejecting the token). Whoever notices calls `stop`; the runner
waits and shuts down in order. The first reason given wins."""

from __future__ import annotations

import asyncio

EXIT_FAILED = 1
EXIT_CONFIG = 2  # a setting is wrong, or Telegram rejected the token
EXIT_IN_USE = 3  # another process has the database

REJECTED_TOKEN = (
    "Configuration error: TELEGRAM_BOT_TOKEN was rejected by Telegram: "
    "check the token @BotFather gave you (see .env.example)."
)


class Lifecycle:
    def __init__(self) -> None:
        self._stopped = asyncio.Event()
        self.code = 0
        self.reason: str | None = None

    def stop(self, code: int = 0, reason: str | None = None) -> None:
        if self._stopped.is_set():
            return
        self.code, self.reason = code, reason
        self._stopped.set()

    def token_rejected(self) -> None:
        """Telegram answered 401: every later call would fail too, so stop now, in one line."""
        self.stop(EXIT_CONFIG, REJECTED_TOKEN)

    @property
    def token_was_rejected(self) -> bool:
        return self.stopping and self.reason == REJECTED_TOKEN

    @property
    def stopping(self) -> bool:
        return self._stopped.is_set()

    async def wait(self) -> tuple[int, str | None]:
        await self._stopped.wait()
        return self.code, self.reason
