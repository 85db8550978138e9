"""Check-in at the door: staff scan a registrant's QR code, which opens the bot with
`/start ci-<code>`, and the attendance is recorded.

Only staff check people in. For anyone else this handler does not match, and the update goes
on to the ordinary /start (conversations/survey/entry.py): someone who scans another person's
ticket learns nothing, not even that it is a ticket.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from html import escape
from typing import Any

from babel.dates import format_datetime
from telegram import Update
from telegram.ext import Application, ContextTypes, filters

from bot.core.events import ticket
from bot.core.formatting import date_time, long_date
from bot.i18n import Gettext
from bot.services.events import CHECKED_IN_JOB, Admission, CheckIn
from conversations.events.render import title_of
from handlers.common import KEY, Who, language_of, personal, services
from handlers.jobs import on_job
from handlers.send import send
from handlers.staff import StaffCommandHandler

# Only /start whose payload is a ticket's; other deep links are the survey entry's.
_TICKET_LINK = filters.Regex(rf"^/start(@\w+)?\s+{ticket.PREFIX}")


def clock_time(moment: datetime, zone: tzinfo, locale: str) -> str:
    """09.12 WITA (09:12 WITA in English): the time of day in the event's zone."""
    pattern = "HH.mm" if locale == "id" else "HH:mm"
    local = format_datetime(moment, pattern, tzinfo=zone, locale=locale)
    return f"{local} {format_datetime(moment, 'zzz', tzinfo=zone, locale='id')}"


def admission_text(result: CheckIn, _: Gettext, locale: str) -> str:
    """What staff see after a scan: the verdict first, then whose ticket it is."""
    event, seat = result.event, result.ticket
    if event is None or seat is None:
        return "⛔ " + escape(_("No registration has this code. Nothing was recorded."))
    zone = event.zoneinfo
    match result.admission:
        case Admission.CHECKED_IN:
            assert seat.attended_at is not None
            verdict = "✅ " + _("Checked in at {time}.").format(
                time=clock_time(seat.attended_at, zone, locale)
            )
        case Admission.ALREADY:
            assert seat.attended_at is not None
            verdict = "⚠️ " + _("Already checked in at {time}. Nothing new was recorded.").format(
                time=clock_time(seat.attended_at, zone, locale)
            )
        case Admission.WAITING:
            verdict = "⛔ " + _("Not admitted: this person is on the waiting list and has no seat.")
        case Admission.CANCELLED:
            verdict = "⛔ " + _("Not admitted: this registration was cancelled.")
        case Admission.EVENT_CANCELLED:
            verdict = "⛔ " + _("This event has been cancelled. Nothing was recorded.")
        case _:  # Admission.NOT_TODAY
            day = long_date(event.starts_at.astimezone(zone).date(), locale)
            verdict = "⚠️ " + _(
                "This ticket is for another day ({day}). Nothing was recorded."
            ).format(day=day)
    return "\n".join(
        [
            escape(verdict),
            "",
            "<b>" + escape(title_of(event, locale)) + "</b>",
            "🗓 " + escape(date_time(event.starts_at, zone, locale)),
            escape(_("Registration no. {number}").format(number=seat.id)),
        ]
    )


@personal
async def on_ticket(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    svc = services(context)
    code = ticket.code_of(context.args[0]) if context.args else None
    result = (
        CheckIn(Admission.UNKNOWN) if code is None else await svc.events.check_in(code, w.user_id)
    )
    await send(context, w.chat_id, admission_text(result, w._, w.locale))


async def tell_checked_in(
    context: ContextTypes.DEFAULT_TYPE, person: int, data: dict[str, Any]
) -> None:
    """The registrant hears that the door has them, in their language (checked first: a
    notice run again after a kill, or after the data was erased, says nothing new)."""
    svc = services(context)
    event_id = data.get("event_id")
    place = next((p for p in await svc.events.all_mine(person) if p.event.id == event_id), None)
    if place is None or place.attended_at is None:
        return
    locale, _ = await language_of(context, person)
    text = _("✅ Your attendance at “{title}” has been recorded. Welcome!").format(
        title=title_of(place.event, locale)
    )
    await send(context, person, escape(text))


def register(app: Application) -> None:
    staff = app.bot_data[KEY].staff
    app.add_handler(StaffCommandHandler(staff, "start", on_ticket, filters=_TICKET_LINK))
    on_job(app, CHECKED_IN_JOB, tell_checked_in)
