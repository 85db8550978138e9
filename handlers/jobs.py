"""Scheduled work for a person (a reminder), run by the intake in that person's order when it
falls due (see bot/intake/scheduler.py). A feature names its jobs with `on_job(app, name,
handler)` in its own `register(app)` and schedules them with `services(context).scheduler`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes

log = logging.getLogger(__name__)

JobHandler = Callable[[ContextTypes.DEFAULT_TYPE, int, dict[str, Any]], Awaitable[None]]
_KEY = "job_handlers"


def on_job(app: Application, name: str, handler: JobHandler) -> None:
    """`handler(context, person, data)` runs job `name`. Like an update's handler it may run
    again after a kill, so it must be safe to repeat (check, then act)."""
    handlers: dict[str, JobHandler] = app.bot_data.setdefault(_KEY, {})
    if name in handlers:
        raise ValueError(f"job {name!r} has two handlers")
    handlers[name] = handler


async def run_job(app: Application, job: dict[str, Any]) -> None:
    handler = app.bot_data.get(_KEY, {}).get(job.get("job"))
    if handler is None:
        # Scheduled by a feature this version no longer has: nothing can run it, ever.
        log.warning("No handler for job %r (id %s); dropped", job.get("job"), job.get("job_id"))
        return
    context: ContextTypes.DEFAULT_TYPE = CallbackContext(app)
    try:
        await handler(context, int(job["person"]), dict(job.get("data") or {}))
    except Exception as exc:  # reported like a handler's error: logged, never the token
        await app.process_error(update=None, error=exc)
