"""Running the bot as a process: start in order, receive updates (long polling, or a webhook
when WEBHOOK_URL is set), and stop promptly and without loss.

A stop (SIGTERM, SIGINT, or Telegram rejecting the token at any time) stops fetching, gives the
updates being handled a few seconds, leaves everything else stored for the next start, closes
the database and exits, within `STOP_DEADLINE` seconds whatever the backlog (systemd waits 90 s
and docker 10 s before killing). A kill instead of a stop loses nothing either: see
`bot.intake.queue`.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.app import Runtime, build
from bot.config import Settings
from bot.intake.polling import ALLOWED_UPDATES, Poller
from bot.intake.webhook import WebhookServer
from bot.lifecycle import EXIT_CONFIG, EXIT_FAILED, EXIT_IN_USE, REJECTED_TOKEN
from bot.logging_setup import redact
from bot.storage.database import DatabaseInUse, MigrationError

log = logging.getLogger(__name__)

GRACE = 4.0  # seconds for the updates in hand to finish at a stop
STOP_DEADLINE = 8.0  # seconds from a stop to the exit, at most


def run(settings: Settings) -> int:
    return asyncio.run(serve(settings))


async def serve(settings: Settings) -> int:
    runtime = build(settings)
    life = runtime.services.lifecycle
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, life.stop)
    code = await _start(runtime, settings)
    if code is not None:
        return code
    receive = _by_webhook if settings.webhook_url else _by_polling
    try:
        stop = await receive(runtime, settings)
    except _CannotReceive as exc:
        await _quietly(runtime.stop(grace=0))
        print(redact(str(exc)), file=sys.stderr)
        return exc.code
    code, reason = await life.wait()
    try:
        await asyncio.wait_for(stop(), STOP_DEADLINE)
    except TimeoutError:
        log.error("Stopping took longer than %.0f s; exiting anyway", STOP_DEADLINE)
    if reason:
        print(reason, file=sys.stderr)
    return code


async def _start(runtime: Runtime, settings: Settings) -> int | None:
    """Start the bot; on failure, undo the start and return the exit status."""
    try:
        await runtime.start()
        return None
    except DatabaseInUse as exc:
        message, code = str(exc), EXIT_IN_USE
    except MigrationError as exc:
        message, code = f"Cannot update the database: {exc}", EXIT_FAILED
    except InvalidToken:
        # PTB's own message quotes the whole token; ours must not.
        message, code = REJECTED_TOKEN, EXIT_CONFIG
    except NetworkError as exc:
        message = redact(
            f"Cannot reach the Bot API at {settings.telegram_api_url} ({exc}): "
            "check TELEGRAM_API_URL and the network."
        )
        code = EXIT_FAILED
    await _quietly(runtime.stop(grace=0))
    print(message, file=sys.stderr)
    return code


class _CannotReceive(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


Stop = Callable[[], Awaitable[None]]


async def _by_polling(runtime: Runtime, settings: Settings) -> Stop:
    poller = Poller(
        runtime.app.bot, runtime.services.intake, runtime.services.lifecycle.token_rejected
    )
    polling = asyncio.create_task(poller.run(), name="polling")
    polling.add_done_callback(lambda task: _polling_ended(task, runtime))
    log.info("Bot started; polling for updates")
    return lambda: _stop_polling(runtime, poller, polling)


async def _by_webhook(runtime: Runtime, settings: Settings) -> Stop:
    """Listen first, then tell Telegram where: its first POST must find us. The webhook stays
    set at a stop, so Telegram keeps the updates that arrive while we are down and delivers
    them when we are back (polling mode removes it again)."""
    svc = runtime.services
    assert settings.webhook_url and settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    server = WebhookServer(
        svc.intake,
        path=urlsplit(settings.webhook_url).path,
        secret=secret,
        host=settings.webhook_listen,
        port=settings.webhook_port,
        health=lambda: _health(runtime),
        stopping=lambda: svc.lifecycle.stopping,
    )
    try:
        await server.start()
    except OSError as exc:
        raise _CannotReceive(
            f"Cannot listen for the webhook on {settings.webhook_listen}:"
            f"{settings.webhook_port} ({exc.strerror}): check WEBHOOK_LISTEN and WEBHOOK_PORT.",
            EXIT_FAILED,
        ) from None
    try:
        await runtime.app.bot.set_webhook(
            settings.webhook_url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
    except InvalidToken:
        await server.stop()
        raise _CannotReceive(REJECTED_TOKEN, EXIT_CONFIG) from None
    except TelegramError as exc:
        await server.stop()
        raise _CannotReceive(
            f"Telegram refused the webhook {settings.webhook_url} ({exc}): check WEBHOOK_URL "
            "(https, on port 443, 80, 88 or 8443, reachable from the internet).",
            EXIT_FAILED,
        ) from None
    log.info("Bot started; Telegram sends updates to the webhook")

    async def stop() -> None:
        await server.stop()  # take no more; Telegram resends whatever got no answer
        rejected = svc.lifecycle.token_was_rejected
        await runtime.stop(0 if rejected else GRACE)
        log.info("Bot stopped")

    return stop


async def _health(runtime: Runtime) -> dict[str, Any]:
    """What /healthz reports: the database answers, and how much work waits."""
    svc = runtime.services
    return {
        "updates_waiting": await svc.intake.inbox.waiting(),
        "broadcasts_running": await svc.outbox.running(),
    }


async def _stop_polling(runtime: Runtime, poller: Poller, polling: asyncio.Task[None]) -> None:
    polling.cancel()
    await asyncio.gather(polling, return_exceptions=True)
    rejected = runtime.services.lifecycle.token_was_rejected
    if not rejected:  # with a rejected token there is nobody to confirm anything to, and
        await poller.confirm()  # no handler in hand can send its reply: stop them at once
    await runtime.stop(0 if rejected else GRACE)
    log.info("Bot stopped")


def _polling_ended(task: asyncio.Task[None], runtime: Runtime) -> None:
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:  # a bug: without polling the bot would sit there doing nothing
        log.critical("Polling stopped", exc_info=error)
        runtime.services.lifecycle.stop(EXIT_FAILED)


async def _quietly(step: object) -> None:
    try:
        await step  # type: ignore[misc]
    except Exception:
        log.debug("Ignored while undoing a failed start", exc_info=True)
