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
from bot.core.regions import Region
from bot.i18n import N_, Gettext
from bot.services.events import Area, EventPage, MyPlace
from handlers.buttons import ChooseRegion, EventList, EventsIn, OpenEvent, OpenEventIn, Register
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
        return _("✅ Registered, attended") if place.attended_at else _("✅ Registered")
    return _("⏳ Waiting list, number {place}").format(place=place.place)


def label(event: Event, locale: str) -> str:
    """ "15 Des · Lokakarya Pendaftaran Merek…": the date first, so a column of them reads as
    a calendar."""
    day = format_date(event.starts_at.astimezone(event.zoneinfo).date(), "d MMM", locale=locale)
    title = title_of(event, locale)
    if len(title) > LABEL_TITLE:
        title = title[: LABEL_TITLE - 1].rstrip() + "…"
    return f"{day} · {title}"


def _open(event: Event, page: EventPage) -> str:
    """An event's button: in a picked region, its "back" must return to that region's list."""
    if page.picked and page.region is not None:
        return OpenEventIn(event.id or 0, page.number, page.region.code).pack()
    return OpenEvent(event.id or 0, page.number).pack()


def _turn(page: EventPage, number: int) -> str:
    if page.picked and page.region is not None:
        return EventsIn(number, page.region.code).pack()
    return EventList(number).pack()


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
        lines.append(escape(_("Page {n} of {total}").format(n=page.number + 1, total=page.pages)))
    rows: list[list[Button]] = [
        [button(label(event, locale), _open(event, page))] for event in page.events
    ]
    paging: list[Button] = []
    if page.number > 0:
        paging.append(button(_("◀️ Previous"), _turn(page, page.number - 1)))
    if page.number + 1 < page.pages:
        paging.append(button(_("More ▶️"), _turn(page, page.number + 1)))
    rows.append(paging)
    rows.append([button(_("📍 Choose a region"), ChooseRegion().pack())])
    return "\n".join(lines), keyboard(rows)


def region_picker(places: list[Area], province: Region | None, _: Gettext) -> tuple[str, Keyboard]:
    """The provinces that have upcoming events, or one province's kabupaten/kota that do,
    two to a row (names are short), each with how many events it has."""
    if province is None:
        text = _("Where would you like to look? Provinces with upcoming events:")
        back = button(_("◀️ Back"), EventList(0).pack())
        choices = [
            button(f"{p.region.name} ({p.events})", ChooseRegion(p.region.code).pack())
            for p in places
        ]
        top: list[Button] = []
    else:
        text = _("Choose a kabupaten/kota in {province}:").format(province=province.name)
        back = button(_("◀️ Back"), ChooseRegion().pack())
        choices = [
            button(f"{p.region.name} ({p.events})", EventsIn(0, p.region.code).pack())
            for p in places
        ]
        top = [
            button(
                _("All of {province}").format(province=province.name),
                EventsIn(0, province.code).pack(),
            )
        ]
    rows = [top, *(choices[i : i + 2] for i in range(0, len(choices), 2)), [back]]
    return escape(text), keyboard(rows)


def details(
    event: Event,
    page: int,
    _: Gettext,
    locale: str,
    can_register: bool = False,
    region: str | None = None,
) -> tuple[str, Keyboard]:
    """One event in full. "Back" returns to the list page it was opened from: the list of a
    picked `region` if it came from one."""
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
    back = EventsIn(page, region).pack() if region else EventList(page).pack()
    rows = [[button(_("◀️ Back"), back)]]
    if can_register:  # only while registration is open: a closed one gets no button to tap
        rows.insert(0, [button(_("📝 Register"), Register(event.id or 0).pack())])
    return "\n".join(lines), keyboard(rows)
