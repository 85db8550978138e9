"""Registering for an event (Daftar), the waiting list, and /acarasaya (/myevents).

Registering stores personal data for a purpose apart from surveys, so the first Daftar asks
for its own consent (the events notice); nothing is stored before the person agrees. Whether a
seat is left is decided on the database's writer (EventService.register), never here.
"""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.core.events.model import Event
from bot.core.formatting import date_time, period
from bot.i18n import Gettext
from bot.services.events import PROMOTED_JOB, MyPlace, Outcome, Signup
from bot.services.people import EVENTS_PURPOSE
from conversations.events.render import label, place_status, title_of
from conversations.events.tickets import send_ticket
from handlers.buttons import CancelPlace, ConfirmCancel, EventConsent, Register, ShowTicket
from handlers.common import Who, language_of, no_longer_active, personal, services
from handlers.consent import age_keyboard, agreed_to_current
from handlers.jobs import on_job
from handlers.send import Button, button, edit_or_send, keyboard, send, toast


def _quoted(event: Event, locale: str) -> dict[str, str]:
    return {"title": title_of(event, locale)}


def signup_text(signup: Signup, _: Gettext, locale: str) -> str:
    """What a tap on Daftar came to, in a sentence or two."""
    event = signup.event
    assert event is not None
    names = _quoted(event, locale)
    match signup.outcome:
        case Outcome.CONFIRMED:
            text = _("✅ You are registered for “{title}”. See your events with /acarasaya.")
        case Outcome.WAITING:
            text = _(
                "This event is full. You are number {place} on the waiting list for "
                "“{title}”. We will tell you if a seat frees up."
            )
            return escape(text.format(place=signup.place, **names))
        case Outcome.ALREADY_CONFIRMED:
            text = _("You are already registered for “{title}”.")
        case Outcome.ALREADY_WAITING:
            text = _(
                "You are already on the waiting list for “{title}”. See your place with /acarasaya."
            )
        case Outcome.CANCELLED:
            text = _("This event has been cancelled, so registration is closed.")
        case Outcome.STARTED:
            text = _("This event has already begun, so registration is closed.")
        case _:  # Outcome.CLOSED
            closes = event.registration_closes or event.starts_at
            text = _("Registration for this event closed on {time}.")
            return escape(text.format(time=date_time(closes, event.zoneinfo, locale)))
    return escape(text.format(**names))


def notice(_: Gettext, locale: str, retention_days: int) -> str:
    body = _(
        "To register you, we keep your Telegram ID, the events you register for and your place "
        "on the waiting list, only to hold your seat and to tell you about it. They are deleted "
        "{kept} after the event ends, or whenever you type /hapusdata. Do you agree?"
    )
    return (
        "<b>"
        + escape(_("Registering for events: about your data"))
        + "</b>\n\n"
        + escape(body.format(kept=period(retention_days, locale)))
        + "\n"
        + escape(_("Only for people aged 18 or over."))
    )


async def _register(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, event_id: int, edit: bool
) -> None:
    signup = await services(context).events.register(w.user_id, event_id)
    if signup.outcome is Outcome.GONE:
        await no_longer_active(update, w)
        return
    await toast(update)
    text = signup_text(signup, w._, w.locale)
    if edit:
        await edit_or_send(update, context, w.chat_id, text)
    else:
        await send(context, w.chat_id, text)
    if signup.outcome is Outcome.CONFIRMED:
        await _send_ticket(context, w.user_id, signup.event, w._, w.locale)


async def _send_ticket(
    context: ContextTypes.DEFAULT_TYPE, person: int, event: Event | None, _: Gettext, locale: str
) -> None:
    """The calendar file and the check-in QR code of a seat just confirmed."""
    if event is None or event.id is None:
        return
    found = await services(context).events.ticket_code(person, event.id)
    if found is not None:
        await send_ticket(context, person, found[0], found[1], _, locale)


@personal
async def on_register(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = Register.tapped(update)
    if tap is None:
        await no_longer_active(update, w)
        return
    svc = services(context)
    if not await svc.people.has_consented(w.user_id, EVENTS_PURPOSE):
        # Asked once, before the first registration; the details message stays as it is.
        await toast(update)
        await _ask_consent(context, w, tap.event_id)
        return
    await _register(update, context, w, tap.event_id, edit=False)


async def _ask_consent(context: ContextTypes.DEFAULT_TYPE, w: Who, event_id: int) -> None:
    # Registering a minor for a workshop is processing a child's data too (UU PDP Pasal 25):
    # the same "18 or over" check as the survey notice (handlers/consent.py).
    agree, disagree = EventConsent(True, event_id), EventConsent(False, event_id)
    markup = age_keyboard(w, EVENTS_PURPOSE, agree.pack(), disagree.pack())
    text = notice(w._, w.locale, services(context).settings.retention_days)
    await send(context, w.chat_id, text, markup)


@personal
async def on_consent(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = EventConsent.tapped(update)
    if tap is None:
        await no_longer_active(update, w)
        return
    declined = w._("Nothing was stored. You can still look at events with /acara.")
    if not await agreed_to_current(
        update, context, w, tap.agree, declined, lambda: _ask_consent(context, w, tap.event_id)
    ):
        return
    await services(context).people.consent(w.user_id, w.locale, EVENTS_PURPOSE)
    await _register(update, context, w, tap.event_id, edit=True)


def my_events_screen(places: list[MyPlace], _: Gettext, locale: str) -> tuple[str, Any]:
    if not places:
        return escape(_("You have no upcoming events. Find one with /acara.")), None
    lines = ["<b>" + escape(_("Your events")) + "</b>"]
    rows: list[list[Button]] = []
    for place in places:
        event = place.event
        lines += [
            "",
            "<b>" + escape(title_of(event, locale)) + "</b>",
            "🗓 " + escape(date_time(event.starts_at, event.zoneinfo, locale)),
            escape(place_status(place, _)),
        ]
        if place.status == "confirmed":
            ticket = ShowTicket(event.id or 0).pack()
            rows.append([button("🎫 " + label(event, locale), ticket)])
        rows.append([button("❌ " + label(event, locale), CancelPlace(event.id or 0).pack())])
    if any(place.status == "confirmed" for place in places):
        lines += ["", escape(_("🎫 sends your QR code for entry and the calendar file again."))]
    lines += ["", escape(_("To cancel a place, tap its event below."))]
    return "\n".join(lines), keyboard(rows)


@personal
async def my_events(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    places = await services(context).events.mine(w.user_id)
    text, markup = my_events_screen(places, w._, w.locale)
    await send(context, w.chat_id, text, markup)


@personal
async def ask_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = CancelPlace.tapped(update)
    event = None if tap is None else await services(context).events.event(tap.event_id)
    if tap is None or event is None:
        await no_longer_active(update, w)
        return
    await toast(update)
    markup = keyboard(
        [
            [
                button(w._("Yes, cancel it"), ConfirmCancel(tap.event_id, True).pack()),
                button(w._("No, keep it"), ConfirmCancel(tap.event_id, False).pack()),
            ]
        ]
    )
    text = w._("Cancel your place at “{title}”?").format(**_quoted(event, w.locale))
    await edit_or_send(update, context, w.chat_id, escape(text), markup)


@personal
async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = ConfirmCancel.tapped(update)
    svc = services(context)
    event = None if tap is None else await svc.events.event(tap.event_id)
    if tap is None or event is None:
        await no_longer_active(update, w)
        return
    await toast(update)
    names = _quoted(event, w.locale)
    if not tap.confirm:
        text = w._("Your place at “{title}” is kept.").format(**names)
        await edit_or_send(update, context, w.chat_id, escape(text))
        return
    if await svc.events.cancel(w.user_id, tap.event_id):
        text = w._("Your place at “{title}” has been cancelled.").format(**names)
    else:
        text = w._("You have no place at “{title}” to cancel.").format(**names)
    await edit_or_send(update, context, w.chat_id, escape(text))


async def tell_promoted(
    context: ContextTypes.DEFAULT_TYPE, person: int, data: dict[str, Any]
) -> None:
    """A seat freed up and the person was moved in: tell them, in their language. Checked
    first, so a notice run again after a kill, or for a place since given up, says nothing."""
    svc = services(context)
    event_id = data.get("event_id")
    if not isinstance(event_id, int):
        return
    event = await svc.events.event(event_id)
    if event is None or event.status != "published":
        return
    if await svc.events.registrations_status(person, event_id) != "confirmed":
        return
    locale, _ = await language_of(context, person)
    text = _(
        "Good news: a seat has freed up, and you are now registered for “{title}” ({time}). "
        "See your events with /acarasaya."
    ).format(time=date_time(event.starts_at, event.zoneinfo, locale), **_quoted(event, locale))
    await send(context, person, escape(text))
    await _send_ticket(context, person, event, _, locale)


def register(app: Application) -> None:
    app.add_handler(CommandHandler(["acarasaya", "myevents"], my_events))
    app.add_handler(CallbackQueryHandler(on_register, pattern=Register.pattern))
    app.add_handler(CallbackQueryHandler(on_consent, pattern=EventConsent.pattern))
    app.add_handler(CallbackQueryHandler(ask_cancel, pattern=CancelPlace.pattern))
    app.add_handler(CallbackQueryHandler(on_cancel, pattern=ConfirmCancel.pattern))
    on_job(app, PROMOTED_JOB, tell_promoted)
