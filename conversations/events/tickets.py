"""A registrant's ticket: the event's .ics calendar file and the check-in QR code.

Sent after a confirmed Daftar and after a promotion from the waiting list, and again on
request (🎫 on /acarasaya and on a reminder). The QR code holds the deep link
t.me/<bot>?start=ci-<code>; staff at the door scan it (conversations/events/checkin.py).
"""

from __future__ import annotations

import asyncio
from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.core.events import calendar, ticket
from bot.core.events.model import Event
from bot.core.formatting import date_time
from bot.i18n import Gettext
from conversations.events.render import title_of
from handlers.buttons import ShowTicket
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import send_file, toast


async def send_ticket(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    event: Event,
    code: str,
    _: Gettext,
    locale: str,
) -> None:
    """Two messages: the calendar file, then the QR code to show at the door (last, so it is
    what the chat opens on when the person looks for it at the entrance)."""
    svc = services(context)
    title = title_of(event, locale)
    content = calendar.ics(event, locale, svc.clock.now(), svc.settings.reminder_offsets)
    caption = _("📅 Add “{title}” to your calendar: open this file.").format(title=title)
    await send_file(context, chat_id, calendar.filename(event), content, escape(caption))
    link = ticket.link(context.bot.username, code)
    lines = [
        "<b>" + escape(_("🎫 Entry ticket: “{title}”").format(title=title)) + "</b>",
        "🗓 " + escape(date_time(event.starts_at, event.zoneinfo, locale)),
        "",
        escape(_("Show this QR code to the staff at the entrance.")),
    ]
    # Drawing the code is pure-Python work of several milliseconds: on a thread, so the event
    # loop goes on answering others meanwhile.
    image = await asyncio.to_thread(ticket.qr_png, link)
    await send_file(context, chat_id, f"{event.slug}-qr.png", image, "\n".join(lines), photo=True)


@personal
async def on_show_ticket(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = ShowTicket.tapped(update)
    found = (
        None if tap is None else await services(context).events.ticket_code(w.user_id, tap.event_id)
    )
    if found is None:  # no seat (any longer), a cancelled or past event, forged data
        await no_longer_active(update, w)
        return
    await toast(update)
    event, code = found
    await send_ticket(context, w.chat_id, event, code, w._, w.locale)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_show_ticket, pattern=ShowTicket.pattern))
