"""/kelolaacara (/manageevents): the staff's list of events, each event's admin screen with its
counts, its registrants (in the chat and as a CSV file), changing it and cancelling it.

Every screen is drawn afresh from the database at each tap: other staff, and registrations,
change things between two taps.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.core.events.draft import Part
from bot.core.events.model import Event
from bot.core.formatting import date_time
from bot.core.sheet import csv_bytes
from bot.i18n import Gettext
from bot.services.event_admin import EventAdmin
from bot.storage.registrants import Registrant
from conversations.events.render import label, title_of
from conversations.staff import steps, wizard
from handlers.buttons import AdminAction, AdminTap
from handlers.common import Who, no_longer_active, personal, services
from handlers.send import Button, Keyboard, button, edit_or_send, keyboard, send, send_file, toast
from handlers.staff import StaffButtonHandler, StaffCommandHandler

PAGE_SIZE = 10
# Registrants listed in the chat; the CSV file has them all.
SHOWN = 50


def _tap(action: AdminAction, event_id: int, arg: str = "") -> str:
    return AdminTap(action, event_id, arg).pack()


async def event_list(
    admin: EventAdmin, page: int, _: Gettext, locale: str
) -> tuple[str, Keyboard | None]:
    events = await admin.listed()
    if not events:
        return escape(_("There are no events yet. Create one with /buatacara.")), None
    pages = max(1, -(-len(events) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows: list[list[Button]] = []
    for event in events[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        mark = "❌ " if event.status == "cancelled" else "" if admin.is_upcoming(event) else "🕘 "
        rows.append([button(mark + label(event, locale), _tap(AdminAction.OPEN, event.id or 0))])
    paging: list[Button] = []
    if page > 0:
        paging.append(button(_("◀️ Previous"), _tap(AdminAction.LIST, page - 1)))
    if page + 1 < pages:
        paging.append(button(_("More ▶️"), _tap(AdminAction.LIST, page + 1)))
    rows.append(paging)
    lines = [
        "<b>" + escape(_("Manage events")) + "</b>",
        escape(
            _("Upcoming events first, then the last ones held. ❌ cancelled, 🕘 begun or held.")
        ),
    ]
    return "\n".join(lines), keyboard(rows)


async def admin_screen(
    admin: EventAdmin, event: Event, _: Gettext, locale: str
) -> tuple[str, Keyboard]:
    event_id = event.id or 0
    counts = await admin.counts(event_id)
    if event.capacity is None:
        seats = _("Registered: {confirmed} (no seat limit)").format(confirmed=counts.confirmed)
    else:
        seats = _("Registered: {confirmed} of {capacity} seats").format(
            confirmed=counts.confirmed, capacity=event.capacity
        )
    lines = [
        f"<b>{escape(title_of(event, locale))}</b>",
        "🗓 " + escape(date_time(event.starts_at, event.zoneinfo, locale)),
        "📍 " + escape(f"{event.region_name}, {event.venue}"),
    ]
    if event.status == "cancelled":
        lines.append("❌ " + escape(_("Cancelled")))
    lines += [
        "",
        "👥 " + escape(seats),
        "⏳ " + escape(_("Waiting: {count}").format(count=counts.waiting)),
    ]
    if counts.attended or not admin.is_upcoming(event):
        lines.append("✅ " + escape(_("Attended: {count}").format(count=counts.attended)))
    rows = [[button(_("👥 Registrants"), _tap(AdminAction.PEOPLE, event_id))]]
    if admin.is_upcoming(event):
        rows.append([button(_("✏️ Change"), _tap(AdminAction.CHANGE, event_id))])
    if admin.can_cancel(event):
        rows.append([button(_("❌ Cancel the event"), _tap(AdminAction.CANCEL, event_id))])
    rows.append([button(_("◀️ Back"), _tap(AdminAction.LIST, 0))])
    return "\n".join(lines), keyboard(rows)


def _status(person: Registrant, _: Gettext) -> str:
    if person.status == "confirmed":
        return _("registered")
    return _("waiting, number {place}").format(place=person.place)


def registrants_text(event: Event, people: list[Registrant], _: Gettext, locale: str) -> str:
    title = _("Registrants of “{title}”").format(title=title_of(event, locale))
    if not people:
        return f"<b>{escape(title)}</b>\n\n" + escape(_("Nobody has registered yet."))
    lines = [f"<b>{escape(title)}</b>", ""]
    for person in people[:SHOWN]:
        when = date_time(person.registered_at, event.zoneinfo, locale)
        line = f"#{person.number} · {_status(person, _)} · {when}"
        if person.attended_at is not None:
            line += " · " + _("attended")
        lines.append(escape(line))
    if len(people) > SHOWN:
        lines.append(
            escape(_("… and {count} more: see the file.").format(count=len(people) - SHOWN))
        )
    return "\n".join(lines)


def registrants_csv(event: Event, people: list[Registrant], _: Gettext) -> bytes:
    """One row per registration. No names (the bot never asks for them) and no Telegram ids:
    at the door the check-in QR code identifies a person, and an id in a spreadsheet that is
    mailed around would be a lasting identifier for no purpose (UU PDP, data minimisation)."""
    zone = event.zoneinfo

    def local(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    header = [_("number"), _("status"), _("waiting place"), _("registered at"), _("attended at")]
    rows = [
        [
            person.number,
            _("registered") if person.status == "confirmed" else _("waiting"),
            person.place or "",
            local(person.registered_at),
            local(person.attended_at),
        ]
        for person in people
    ]
    return csv_bytes(header, rows)


@personal
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    text, markup = await event_list(services(context).event_admin, 0, w._, w.locale)
    await send(context, w.chat_id, text, markup)


@personal
async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = AdminTap.tapped(update)
    admin = services(context).event_admin
    if tap is not None and tap.action is AdminAction.LIST:
        await toast(update)
        text, list_markup = await event_list(admin, tap.event_id, w._, w.locale)
        await edit_or_send(update, context, w.chat_id, text, list_markup)
        return
    event = None if tap is None else await admin.event(tap.event_id)
    if tap is None or event is None:
        await no_longer_active(update, w)
        return
    action = tap.action
    if action is AdminAction.PART and tap.arg in set(Part):
        await wizard.change(update, context, w, tap.event_id, Part(tap.arg))
        return
    markup: Keyboard | None = None
    if action is AdminAction.OPEN:
        text, markup = await admin_screen(admin, event, w._, w.locale)
    elif action is AdminAction.PEOPLE:
        await toast(update)
        await _send_registrants(context, w, admin, event)
        return
    elif action is AdminAction.CHANGE and admin.is_upcoming(event):
        text = escape(w._("What do you want to change?"))
        names = list(steps.PART_NAMES.items())
        rows = [
            [button(w._(n), _tap(AdminAction.PART, tap.event_id, p)) for p, n in names[i : i + 2]]
            for i in range(0, len(names), 2)
        ]
        rows.append([button(w._("◀️ Back"), _tap(AdminAction.OPEN, tap.event_id))])
        markup = keyboard(rows)
    elif action is AdminAction.CANCEL and admin.can_cancel(event):
        counts = await admin.counts(tap.event_id)
        text = escape(
            w._(
                "Cancel “{title}”? {confirmed} registered and {waiting} waiting people will be "
                "told. This cannot be undone."
            ).format(
                title=title_of(event, w.locale), confirmed=counts.confirmed, waiting=counts.waiting
            )
        )
        markup = keyboard(
            [
                [button(w._("Yes, cancel the event"), _tap(AdminAction.CONFIRM, tap.event_id))],
                [button(w._("No, keep it"), _tap(AdminAction.OPEN, tap.event_id))],
            ]
        )
    elif action is AdminAction.CONFIRM and (admin.can_cancel(event) or event.status != "published"):
        # An event over by the time "yes" is tapped is not called off after the fact.
        told = await admin.cancel(tap.event_id, actor=w.user_id)
        if told is None:
            text = w._("“{title}” was cancelled already.")
        else:
            text = w._("“{title}” is cancelled. {count} people will be told.")
        text = escape(text.format(title=title_of(event, w.locale), count=told or 0))
    else:
        await no_longer_active(update, w)
        return
    await toast(update)
    await edit_or_send(update, context, w.chat_id, text, markup)


async def _send_registrants(
    context: ContextTypes.DEFAULT_TYPE, w: Who, admin: EventAdmin, event: Event
) -> None:
    people = await admin.registrants_of(event.id or 0)
    await send(context, w.chat_id, registrants_text(event, people, w._, w.locale))
    if people:
        caption = w._("“{title}”: {count} registrants").format(
            title=title_of(event, w.locale), count=len(people)
        )
        data = registrants_csv(event, people, w._)
        await send_file(context, w.chat_id, f"{event.slug}-peserta.csv", data, escape(caption))


def register(app: Application) -> None:
    staff = app.bot_data["services"].staff
    app.add_handler(StaffCommandHandler(staff, ["kelolaacara", "manageevents"], start))
    app.add_handler(StaffButtonHandler(staff, on_tap, pattern=AdminTap.pattern))
