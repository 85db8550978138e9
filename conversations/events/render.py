"""What /acara shows: the list of upcoming events and one event's details, as HTML and buttons.

Pure functions of an event page or an event and the person's language, so the texts can be
checked without a bot.
"""

from __future__ import annotations

from html import escape
from typing import Final

from babel.dates import format_date

from bot.core.events.model import Event
from bot.core.formatting import date_time, number
from bot.i18n import N_, Gettext
from bot.services.events import EventPage, MyPlace
from handlers.buttons import EventList, OpenEvent, Register
from handlers.send import Button, Keyboard, button, keyboard

KIND_NAMES: Final = {
    "dialog": N_("Dialogue"),
    "workshop": N_("Workshop"),
    "pelatihan": N_("Training"),
}
# A button shows about 30-40 characters on a phone before Telegram cuts it off with "...":
# cut the title ourselves so the date stays in view.
LABEL_TITLE: Final = 36


def title_of(event: Event, locale: str) -> str:
    return event.title.get(locale) or event.title["id"]


def place_status(place: MyPlace, _: Gettext) -> str:
    """A seat, or a place on the waiting list with its number."""
    if place.status == "confirmed":
        return _("✅ Registered")
    return _("⏳ Waiting list, number {place}").format(place=place.place)


def label(event: Event, locale: str) -> str:
    """ "15 Des · Lokakarya Pendaftaran Merek…": the date first, so a column of them reads as
    a calendar."""
    day = format_date(event.starts_at.astimezone(event.zoneinfo).date(), "d MMM", locale=locale)
    title = title_of(event, locale)
    if len(title) > LABEL_TITLE:
        title = title[: LABEL_TITLE - 1].rstrip() + "…"
    return f"{day} · {title}"


def event_list(page: EventPage, _: Gettext, locale: str) -> tuple[str, Keyboard | None]:
    if not page.events:
        return escape(
            _("There are no upcoming events at the moment. Please look again later.")
        ), None
    if page.region is not None:
        intro = _("Upcoming events, those in {region} first.").format(region=page.region.name)
    else:
        intro = _("Upcoming events, soonest first.")
    lines = [escape(intro), escape(_("Tap an event to see the details."))]
    if page.pages > 1:
        lines.append(escape(_("Page {n}/{total}").format(n=page.number + 1, total=page.pages)))
    rows: list[list[Button]] = [
        [button(label(event, locale), OpenEvent(event.id or 0, page.number).pack())]
        for event in page.events
    ]
    paging: list[Button] = []
    if page.number > 0:
        paging.append(button(_("◀️ Previous"), EventList(page.number - 1).pack()))
    if page.number + 1 < page.pages:
        paging.append(button(_("More ▶️"), EventList(page.number + 1).pack()))
    rows.append(paging)
    return "\n".join(lines), keyboard(rows)


def details(
    event: Event, page: int, _: Gettext, locale: str, can_register: bool = False
) -> tuple[str, Keyboard]:
    zone = event.zoneinfo
    if event.capacity is None:
        seats = _("Seats: no limit")
    else:
        seats = _("Seats: {count}").format(count=number(event.capacity, locale))
    lines = [
        f"<b>{escape(title_of(event, locale))}</b>",
        "",
        "🏷 " + escape(_(KIND_NAMES[event.kind])),
        "📍 " + escape(f"{event.region_name}, {event.venue}"),
        "🗓 " + escape(date_time(event.starts_at, zone, locale)),
    ]
    if event.registration_closes is not None:
        closes = date_time(event.registration_closes, zone, locale)
        lines.append("⏳ " + escape(_("Registration closes {time}").format(time=closes)))
    lines.append("👥 " + escape(seats))
    description = event.description.get(locale) or event.description["id"]
    lines += ["", escape(description)]
    rows = [[button(_("◀️ Back"), EventList(page).pack())]]
    if can_register:  # only while registration is open: a closed one gets no button to tap
        rows.insert(0, [button(_("📝 Register"), Register(event.id or 0).pack())])
    return "\n".join(lines), keyboard(rows)
