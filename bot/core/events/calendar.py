"""The .ics file sent with a registration: the event in the person's own calendar app.

RFC 5545 with the event's own zone: DTSTART and DTEND name the IANA zone (TZID=Asia/Makassar)
and the file carries that zone's VTIMEZONE, so a phone set to Jakarta time still shows a
Kupang workshop at 09.00 WITA (08.00 in its own zone), and a calendar app that does not know
the zone by name can still place it. One alarm per reminder the bot sends, so those who rely
on their calendar hear it at the same moments.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import cache

from icalendar import Alarm, Calendar, Timezone
from icalendar import Event as CalendarEvent

from bot.core.events.model import Event

PRODUCT = "-//Berdaya Bersama//berdaya-bot//ID"


def uid(event: Event) -> str:
    """The same for every file of one event, so a second file (re-sent from /acarasaya, or
    after staff moved the event) updates the calendar entry instead of adding another."""
    return f"{event.slug}@berdaya-bot"


def filename(event: Event) -> str:
    return f"{event.slug}.ics"


def ics(
    event: Event,
    locale: str,
    now: datetime,
    reminders: Sequence[timedelta] = (),
) -> bytes:
    """The calendar file for `event` in `locale` (title, description and place), stamped
    `now`; `reminders` are how long before the start to alert. Only for a published event:
    a cancelled one is not sent."""
    zone = event.zoneinfo
    title = event.title.get(locale) or event.title["id"]
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("calscale", "GREGORIAN")
    entry = CalendarEvent()
    entry.add("uid", uid(event))
    entry.add("dtstamp", now)
    # In the event's zone, as staff entered them and as the bot shows them.
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("summary", title)
    entry.add("description", event.description.get(locale) or event.description["id"])
    entry.add("location", f"{event.venue}, {event.region_name}")
    entry.add("status", "CONFIRMED")
    for before in sorted(set(reminders), reverse=True):
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", title)
        alarm.add("trigger", -before)
        entry.add_component(alarm)
    # The zone's definition comes before the event that names it.
    calendar.add_component(_zone(event.zone, event.starts_at.year, event.ends_at.year))
    calendar.add_component(entry)
    return calendar.to_ical()


@cache
def _zone(name: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE for the years around an event: the zone's whole history since 1970 is
    noise. Working it out walks the zone hour by hour (34 ms, on the event loop, for every seat
    given: it cut registrations per second by half in bench/events.py), so it is done once per
    zone and years; the component is only read after that."""
    return Timezone.from_tzid(
        name, first_date=date(first_year - 1, 1, 1), last_date=date(last_year + 2, 1, 1)
    )
