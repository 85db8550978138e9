"""The pure event rules, without a bot or a database: zones, the model, schedules, registering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.core import regions
from bot.core.events.model import Event
from bot.core.events.rules import (
    Registration,
    ScheduleProblem,
    is_upcoming,
    registration,
    registration_deadline,
    schedule_problems,
)
from bot.core.events.zones import PROVINCE_ZONES, WIB, WIT, WITA, ZONES, zone_of
from bot.core.formatting import date_time

# -- zones -----------------------------------------------------------------------------------


def test_every_province_in_the_region_data_has_a_zone_and_no_other() -> None:
    codes = {p.code for p in regions.provinces()}
    assert len(codes) == 38
    assert set(PROVINCE_ZONES) == codes
    assert set(PROVINCE_ZONES.values()) == set(ZONES)


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("53.71", WITA),  # Kota Kupang
        ("53.02", WITA),  # Timor Tengah Selatan (Soe)
        ("34.71", WIB),  # Kota Yogyakarta
        ("16.71", WIB),  # Kota Palembang
        ("32.73", WIB),  # Kota Bandung
        ("21", WIB),  # Kepulauan Riau
        ("61", WIB),  # Kalimantan Barat (Pontianak: WIB)
        ("62", WIB),  # Kalimantan Tengah
        ("63", WITA),  # Kalimantan Selatan
        ("65", WITA),  # Kalimantan Utara
        ("51", WITA),  # Bali
        ("75", WITA),  # Gorontalo (Sulawesi)
        ("82", WIT),  # Maluku Utara
        ("96", WIT),  # Papua Barat Daya, one of the 2022 splits
    ],
)
def test_zone_follows_the_province(code: str, zone: str) -> None:
    assert zone_of(code) == zone


def test_the_three_zones_are_utc_plus_7_8_9() -> None:
    moment = datetime(2026, 12, 15, tzinfo=UTC)
    offsets = [ZoneInfo(zone).utcoffset(moment) for zone in (WIB, WITA, WIT)]
    assert offsets == [timedelta(hours=7), timedelta(hours=8), timedelta(hours=9)]


# -- region names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "codes"),
    [
        ("Kota Kupang", ["53.71"]),
        ("kota  KUPANG ", ["53.71"]),
        ("Kab. Kupang", ["53.01"]),
        ("Kabupaten Kupang", ["53.01"]),
        ("Kupang", ["53.01", "53.71"]),  # ambiguous: the caller must say so
        ("Gorontalo", ["75", "75.01", "75.71"]),
        ("Provinsi Gorontalo", ["75"]),
        ("Nusa Tenggara Timur", ["53"]),
        ("DI Yogyakarta", ["34"]),
        ("Jakarta Pusat", ["31.71"]),
        ("Soe", []),  # a town, not a kabupaten/kota
    ],
)
def test_a_written_region_name_means_these_regions(written: str, codes: list[str]) -> None:
    assert sorted(r.code for r in regions.named(written)) == codes


# -- the model -------------------------------------------------------------------------------

WITA_ZONE = ZoneInfo(WITA)


def event(**changes: object) -> Event:
    fields: dict[str, object] = {
        "slug": "haki-kupang-2026-12",
        "kind": "workshop",
        "title": {"id": "Lokakarya HAKI", "en": "IP workshop"},
        "description": {"id": "Merek dagang.", "en": "Trademarks."},
        "region": "53.71",
        "venue": "Aula Kantor Wali Kota Kupang",
        "zone": WITA,
        "starts_at": datetime(2026, 12, 15, 9, tzinfo=WITA_ZONE),
        "ends_at": datetime(2026, 12, 15, 12, tzinfo=WITA_ZONE),
        "registration_closes": datetime(2026, 12, 14, 17, tzinfo=WITA_ZONE),
        "capacity": 60,
    }
    fields.update(changes)
    return Event.model_validate(fields)


def test_times_are_kept_in_utc_and_shown_in_the_events_zone() -> None:
    haki = event()
    assert haki.starts_at == datetime(2026, 12, 15, 1, tzinfo=UTC)
    assert haki.starts_at.utcoffset() == timedelta(0)
    assert date_time(haki.starts_at, haki.zoneinfo, "id") == (
        "Selasa, 15 Desember 2026 pukul 09.00 WITA"
    )
    assert haki.region_name == "Kota Kupang"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"starts_at": datetime(2026, 12, 15, 9)}, "timezone"),
        ({"zone": WIB}, "keeps Asia/Makassar"),
        ({"region": "53.99"}, "unknown region"),
        ({"ends_at": datetime(2026, 12, 15, 9, tzinfo=WITA_ZONE)}, "ends_at must be after"),
        ({"capacity": 0}, "greater than 0"),
        ({"kind": "seminar"}, "kind"),
        ({"slug": "Bad Slug"}, "slug"),
        ({"title": {"id": "x" * 151}}, "longer than 150"),
    ],
)
def test_the_model_refuses_an_inconsistent_event(changes: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        event(**changes)


# -- schedule and registration rules -----------------------------------------------------------

START = datetime(2026, 12, 15, 1, tzinfo=UTC)


def test_schedule_problems() -> None:
    hour = timedelta(hours=1)
    assert schedule_problems(START, START + hour, None) == []
    assert schedule_problems(START, START + hour, START) == []  # closing at the start is fine
    assert schedule_problems(START, START, None) == [ScheduleProblem.ENDS_NOT_AFTER_START]
    assert schedule_problems(START, START + hour, START + hour) == [
        ScheduleProblem.CLOSES_AFTER_START
    ]


def test_registration_follows_the_deadline_the_start_and_the_status() -> None:
    haki = event()
    closes = datetime(2026, 12, 14, 9, tzinfo=UTC)  # 17.00 WITA
    assert registration_deadline(haki) == closes
    assert registration(haki, closes - timedelta(seconds=1)) is Registration.OPEN
    assert registration(haki, closes) is Registration.CLOSED
    assert registration(haki, START) is Registration.STARTED
    cancelled = event(status="cancelled")
    assert registration(cancelled, closes - timedelta(days=3)) is Registration.CANCELLED
    open_until_start = event(registration_closes=None)
    assert registration_deadline(open_until_start) == START
    assert registration(open_until_start, START - timedelta(minutes=1)) is Registration.OPEN


def test_upcoming_means_published_and_not_started() -> None:
    assert is_upcoming(event(), START - timedelta(seconds=1))
    assert not is_upcoming(event(), START)
    assert not is_upcoming(event(status="cancelled"), START - timedelta(days=1))
