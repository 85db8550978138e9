"""Sending an event reminder: the job queued by ReminderService when one falls due."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.core.formatting import date_time
from bot.services.reminders import REMINDER_JOB
from conversations.events.render import title_of
from handlers.buttons import ShowTicket
from handlers.common import language_of, services
from handlers.jobs import on_job
from handlers.send import button, keyboard, send


async def remind(context: ContextTypes.DEFAULT_TYPE, person: int, data: dict[str, Any]) -> None:
    """Checked again first (the seat or the event may have gone since it was queued), then
    sent in the person's language, with the time in the event's zone."""
    svc = services(context)
    reminder = await svc.reminders.due(person, data)
    if reminder is None:
        return
    event = reminder.event
    locale, _ = await language_of(context, person)
    lines = [
        "⏰ "
        + escape(
            _("Reminder: “{title}” starts {time}.").format(
                title=title_of(event, locale),
                time=date_time(event.starts_at, event.zoneinfo, locale),
            )
        ),
        "📍 " + escape(f"{event.venue}, {event.region_name}"),
        "",
        escape(
            _(
                "At the entrance, show your QR code (🎫 below). Cannot come? Cancel with /acarasaya so someone waiting gets your seat."
            )
        ),
    ]
    markup = keyboard([[button(_("🎫 QR code for entry"), ShowTicket(event.id or 0).pack())]])
    await send(context, person, "\n".join(lines), markup)


def register(app: Application) -> None:
    on_job(app, REMINDER_JOB, remind)
