"""Long polling that confirms an update to Telegram only after it is stored.

Telegram counts an update as received once getUpdates is called with an offset above its id.
python-telegram-bot's own polling does that for a batch as soon as it has fetched it, while the
batch still waits in memory; here the next offset is used only after `Intake.accept` has
committed the batch. A kill between fetching and storing loses nothing: the batch was never
confirmed and Telegram sends it again (the inbox ignores ids it already has).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from telegram import Bot
from telegram.error import (
    EndPointNotFound,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.intake.queue import Intake

log = logging.getLogger(__name__)

# my_chat_member: a person blocking or unblocking the bot (handlers/membership.py).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
BATCH = 100  # Telegram's maximum per getUpdates
MAX_BACKOFF = 30.0


class Poller:
    def __init__(
        self,
        bot: Bot,
        intake: Intake,
        on_rejected_token: Callable[[], None],
        *,
        timeout: int = 10,
    ) -> None:
        self.bot = bot
        self.intake = intake
        self.on_rejected_token = on_rejected_token
        self.timeout = timeout
        # None at start: Telegram then sends everything not yet confirmed, which includes any
        # batch stored but not confirmed before a kill (stored once: the inbox ignores it).
        self.offset: int | None = None

    async def run(self) -> None:
        """Fetch, store, confirm, until cancelled or the token is rejected."""
        backoff, webhook_cleared = 1.0, False
        while True:
            try:
                if not webhook_cleared:  # getUpdates is refused while a webhook is set
                    await self.bot.delete_webhook()
                    webhook_cleared = True
                updates = await self._fetch(self.timeout)
            except (InvalidToken, EndPointNotFound):
                # Once the bot is initialised, PTB's do_api_request reports a 401 (or 404) as
                # EndPointNotFound; getUpdates exists, so it can only mean a rejected token.
                self.on_rejected_token()
                return
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except (NetworkError, TelegramError) as exc:
                # Weak signal, Telegram down, or another process polling with this token (409).
                log.warning("Polling failed (%s); retrying in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 1.0
            if updates:
                await self.intake.accept(updates)
                self.offset = max(int(u["update_id"]) for u in updates) + 1

    async def confirm(self) -> None:
        """Tell Telegram that the last stored batch arrived (at a stop), so it is not resent.
        Bounded: a stop must not hang on an unreachable server."""
        if self.offset is None:
            return
        with contextlib.suppress(TelegramError, TimeoutError):
            await asyncio.wait_for(self._fetch(0, limit=1), timeout=2)

    async def _fetch(self, wait: int, limit: int = BATCH) -> list[dict[str, Any]]:
        params: dict[str, Any] = {
            "timeout": wait,
            "limit": limit,
            "allowed_updates": ALLOWED_UPDATES,
        }
        if self.offset is not None:
            params["offset"] = self.offset
        # Raw JSON, not parsed Updates: it is stored as it came and parsed when handled.
        result = await self.bot.do_api_request(
            "getUpdates", api_kwargs=params, read_timeout=wait + 5
        )
        return list(result or [])


def _seconds(retry_after: object) -> float:
    total = getattr(retry_after, "total_seconds", None)
    return float(total()) if callable(total) else float(retry_after)  # type: ignore[arg-type]
