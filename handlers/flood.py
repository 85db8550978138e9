"""The one notice to someone sending messages too fast (see bot/intake/flood.py): the updates
past the limit were stored as markers without their content; the first marker of a window
runs this job, the others nothing."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, ContextTypes

from bot.intake.flood import JOB
from handlers.common import services
from handlers.jobs import on_job
from handlers.send import send


async def slow_down(context: ContextTypes.DEFAULT_TYPE, person: int, data: dict[str, Any]) -> None:
    if not data.get("notify"):
        return
    svc = services(context)
    # Their chosen language if they have one, else their Telegram app's.
    hint = svc.i18n.resolve(data.get("language_code"))
    _ = svc.i18n.gettext(await svc.people.locale(person, hint))
    await send(
        context,
        person,
        _(
            "You are sending messages very fast, so I skipped some of them. Please wait a "
            "few seconds, then send what you need again."
        ),
    )


def register(app: Application) -> None:
    on_job(app, JOB, slow_down)
