"""The .ics file sent with a registration (bot/core/events/calendar.py), read back with
icalendar as a calendar app would: the event at its own local time in its own zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.core.events import calendar
from bot.core.events.csvfile import parse_events
from bot.core.events.model import Event
from tests.test_events_import import csv_bytes, example_rows

NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)


def example(slug: str) -> Event:
    (event,) = [e for e in parse_events(csv_bytes(example_rows())) if e.slug == slug]
    return event


def read(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def test_the_start_is_in_the_events_own_zone_with_its_vtimezone() -> None:
    haki = example("haki-kupang-2026-12")  # 15 December 09.00-12.00 WITA, Kota Kupang
    parsed = read(calendar.ics(haki, "id", NOW, [timedelta(hours=24), timedelta(hours=1)]))
    assert parsed["METHOD"] == "PUBLISH"
    (entry,) = parsed.events
    start, end = entry.decoded("DTSTART"), entry.decoded("DTEND")
    assert start == datetime(2026, 12, 15, 9, tzinfo=ZoneInfo("Asia/Makassar"))
    assert start.astimezone(UTC) == datetime(2026, 12, 15, 1, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 12, 15, 4, tzinfo=UTC)
    assert entry["DTSTART"].params["TZID"] == "Asia/Makassar"
    # The zone travels with the file, for calendar apps that do not know it by name.
    assert [tz.tz_name for tz in parsed.timezones] == ["Asia/Makassar"]
    assert not parsed.get_missing_tzids()
    assert entry.decoded("DTSTAMP") == NOW
    assert str(entry["UID"]) == "haki-kupang-2026-12@berdaya-bot"
    assert str(entry["SUMMARY"]) == "Lokakarya Pendaftaran Merek dan HAKI untuk UMKM"
    assert str(entry["LOCATION"]) == ("Aula Kantor Wali Kota Kupang, Jl. S. K. Lerik, Kota Kupang")
    assert str(entry["DESCRIPTION"]).startswith("Cara mendaftarkan merek dagang lewat DJKI")
    # One alarm per reminder the bot sends, earliest first.
    triggers = [alarm.decoded("TRIGGER") for alarm in entry.subcomponents]
    assert triggers == [timedelta(hours=-24), timedelta(hours=-1)]
    assert calendar.filename(haki) == "haki-kupang-2026-12.ics"


def test_english_texts_and_another_zone() -> None:
    jogja = example("sertifikasi-jogja-2027-01")
    entry = read(calendar.ics(jogja, "en", NOW)).events[0]
    assert str(entry["SUMMARY"]) == jogja.title["en"]
    assert str(entry["DESCRIPTION"]) == jogja.description["en"]
    assert entry["DTSTART"].params["TZID"] == "Asia/Jakarta"
    start = entry.decoded("DTSTART")
    assert start == jogja.starts_at
    assert start.utcoffset() == timedelta(hours=7)  # WIB
    assert not entry.subcomponents  # no reminders configured: no alarms


@pytest.mark.parametrize("slug", [e["slug"] for e in example_rows()])
def test_every_example_event_makes_a_file_that_reads_back_the_same(slug: str) -> None:
    event = example(slug)
    entry = read(calendar.ics(event, "id", NOW, [timedelta(minutes=30)])).events[0]
    assert entry.decoded("DTSTART") == event.starts_at
    assert entry.decoded("DTEND") == event.ends_at
    assert str(entry["UID"]) == f"{slug}@berdaya-bot"
