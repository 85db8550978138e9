"""Running the bot as a process: start in order, poll, and stop promptly and without loss.

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

from telegram.error import InvalidToken, NetworkError

from bot.app import Runtime, build
from bot.config import Settings
from bot.intake.polling import Poller
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
    poller = Poller(runtime.app.bot, runtime.services.intake, life.token_rejected)
    polling = asyncio.create_task(poller.run(), name="polling")
    polling.add_done_callback(lambda task: _polling_ended(task, runtime))
    log.info("Bot started; polling for updates")
    code, reason = await life.wait()
    try:
        await asyncio.wait_for(_stop(runtime, poller, polling), STOP_DEADLINE)
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


async def _stop(runtime: Runtime, poller: Poller, polling: asyncio.Task[None]) -> None:
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
