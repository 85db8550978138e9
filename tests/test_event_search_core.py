"""Questions in people's own words, read by the pure core (bot/core/events/search/) and matched
against tests/events/search.csv: a table of realistic questions and the events they must find,
in order, and questions that must find nothing or are not about events at all."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.events.csvfile import parse_events
from bot.core.events.model import Event
from bot.core.events.search import (
    Matcher,
    Window,
    admits,
    clip_words,
    is_event_question,
    parse,
)

SEARCH_CSV = Path(__file__).parent / "events" / "search.csv"
# Tuesday 1 December 2026, 15:00 in Jakarta: "bulan depan" is January 2027, "minggu depan"
# is 7-13 December, "akhir pekan" 5-6 December.
NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)
WIB = ZoneInfo("Asia/Jakarta")
# In time order, as the catalog gives them.
EVENTS = sorted(parse_events(SEARCH_CSV.read_bytes()), key=lambda e: (e.starts_at, e.slug))
MATCHER = Matcher()


def found(text: str, events: list[Event] = EVENTS) -> list[str]:
    criteria = parse(text, NOW, WIB)
    return [hit.event.slug for hit in MATCHER.search(criteria, events)]


# Question -> the events it finds, best first (equal matches in time order).
QUESTIONS: list[tuple[str, list[str]]] = [
    ("kapan workshop HAKI di Kupang?", ["haki-kupang-2026-12"]),
    ("ada pelatihan pemasaran digital bulan ini?", ["pemasaran-digital-kupang-2026-12"]),
    ("info acara di soe", ["keuangan-soe-2027-01"]),
    (
        "jadwal dialog bpjs",
        ["bpjs-daring-2026-12", "dialog-bpjs-kupang-2026-12", "dialog-bpjs-makassar-2027-01"],
    ),
    ("worksop haki", ["haki-kupang-2026-12", "haki-surabaya-2027-01"]),
    (
        "pelatiahn pemasaran digital",
        [
            "pemasaran-digital-kupang-2026-12",
            "pemasaran-digital-jogja-2027-01",
            "pemasaran-daring-2027-02",
        ],
    ),
    ("acara di jogja", ["foto-produk-jogja-2026-12", "pemasaran-digital-jogja-2027-01"]),
    ("pelatihan di Yogyakarta", ["foto-produk-jogja-2026-12", "pemasaran-digital-jogja-2027-01"]),
    ("kegiatan di NTT bulan depan", ["keuangan-soe-2027-01", "pangan-kupang-2027-01"]),
    ("digital marketing training in Kupang", ["pemasaran-digital-kupang-2026-12"]),
    ("workshop sertifikasi halal", ["halal-jayapura-2027-01"]),
    ("sertifikasi halal", ["halal-jayapura-2027-01", "halal-makassar-2027-02"]),
    ("sertifkasi halal makassar", ["halal-makassar-2027-02"]),
    ("kelas foto produk", ["foto-produk-jogja-2026-12", "pemasaran-digital-kupang-2026-12"]),
    (
        "acara daring",
        ["bpjs-daring-2026-12", "keuangan-daring-2027-01", "pemasaran-daring-2027-02"],
    ),
    ("pelatihan online bulan januari", ["keuangan-daring-2027-01"]),
    ("ada acara apa minggu depan?", ["pembukuan-surabaya-2026-12", "bpjs-daring-2026-12"]),
    ("acara akhir pekan ini", ["foto-produk-jogja-2026-12"]),
    ("pembukuan umkm surabaya", ["pembukuan-surabaya-2026-12"]),
    (
        "keuangan",
        ["pembukuan-surabaya-2026-12", "keuangan-daring-2027-01", "keuangan-soe-2027-01"],
    ),
    ("pelatihan keuangan di Surabaya", ["pembukuan-surabaya-2026-12"]),
    ("Workshop HAKI Desember", ["haki-kupang-2026-12"]),
    ("haki januari 2027", ["haki-surabaya-2027-01"]),
    ("jadwal acara di Jayapura", ["halal-jayapura-2027-01"]),
    ("event in Makassar", ["dialog-bpjs-makassar-2027-01", "halal-makassar-2027-02"]),
    ("ada lokakarya merek di surabaya?", ["haki-surabaya-2027-01"]),
    ("dialog ojol", ["dialog-bpjs-kupang-2026-12", "dialog-bpjs-makassar-2027-01"]),
    ("pelatihan di kabupaten kupang", ["pangan-kupang-2027-01"]),
    (
        "acara di kota kupang",
        ["haki-kupang-2026-12", "pemasaran-digital-kupang-2026-12", "dialog-bpjs-kupang-2026-12"],
    ),
    (
        "acara di kupang",
        [
            "haki-kupang-2026-12",
            "pemasaran-digital-kupang-2026-12",
            "dialog-bpjs-kupang-2026-12",
            "pangan-kupang-2027-01",
        ],
    ),
    ("ekspor", ["ekspor-jakarta-2027-02"]),
    ("workshop di Jakarta", ["ekspor-jakarta-2027-02"]),
    (
        "Desmber ada pelatihan apa?",
        [
            "foto-produk-jogja-2026-12",
            "pembukuan-surabaya-2026-12",
            "pemasaran-digital-kupang-2026-12",
        ],
    ),
    ("trademark workshop", ["haki-kupang-2026-12", "haki-surabaya-2027-01"]),
    ("kursus foto", ["foto-produk-jogja-2026-12", "pemasaran-digital-kupang-2026-12"]),
    (
        "jaminan sosial pekerja",  # Makassar's has two of the three words (jaminan, kerja)
        ["bpjs-daring-2026-12", "dialog-bpjs-kupang-2026-12", "dialog-bpjs-makassar-2027-01"],
    ),
    ("any workshop about trademarks next month?", ["haki-surabaya-2027-01"]),
    ("kemasan produk pangan", ["pangan-kupang-2027-01", "halal-jayapura-2027-01"]),
    ("Pelatihannya di Surbaya kapan ya kak?", ["pembukuan-surabaya-2026-12"]),
    ("ada webinar bpjs?", ["bpjs-daring-2026-12"]),
]

# Questions about events that no event answers: the person hears so, and what is coming.
NOTHING: list[str] = [
    "pelatihan menjahit",
    "workshop HAKI di Jakarta",
    "acara di Medan",
    "dialog bpjs bulan depan di jogja",
    "pelatihan memasak di surabaya",
    "ada acara hari ini?",
    "pelatihan bulan maret",
]

# Messages that are not about events at all: they keep the usual reply.
NOT_QUESTIONS: list[str] = [
    "halo",
    "terima kasih",
    "ok",
    "25",
    "sore",
    "saya sudah isi survei",
    "market",
    "Selamat pagi kak",
    "",
    "🙏",
]


@pytest.mark.parametrize(("text", "expected"), QUESTIONS, ids=[q for q, _ in QUESTIONS])
def test_a_question_finds_its_events(text: str, expected: list[str]) -> None:
    assert found(text) == expected
    criteria = parse(text, NOW, WIB)
    assert is_event_question(criteria, MATCHER.search(criteria, EVENTS))


@pytest.mark.parametrize("text", NOTHING)
def test_a_question_no_event_answers(text: str) -> None:
    criteria = parse(text, NOW, WIB)
    hits = MATCHER.search(criteria, EVENTS)
    assert hits == []
    assert is_event_question(criteria, hits)


@pytest.mark.parametrize("text", NOT_QUESTIONS)
def test_not_a_question_about_events(text: str) -> None:
    criteria = parse(text, NOW, WIB)
    assert not is_event_question(criteria, MATCHER.search(criteria, EVENTS))


def test_the_table_is_large_enough() -> None:
    assert len(QUESTIONS) + len(NOTHING) + len(NOT_QUESTIONS) >= 36
    # Every test event is found by at least one question: none is there for nothing.
    assert {e.slug for e in EVENTS} == {slug for _, slugs in QUESTIONS for slug in slugs}


def test_time_words_are_read_in_the_persons_zone() -> None:
    def window(text: str, now: datetime = NOW) -> Window | None:
        return parse(text, now, WIB).window

    def at(y: int, m: int, d: int) -> datetime:
        return datetime(y, m, d, tzinfo=WIB)

    assert window("hari ini") == Window(at(2026, 12, 1), at(2026, 12, 2))
    assert window("besok") == Window(at(2026, 12, 2), at(2026, 12, 3))
    assert window("minggu ini") == Window(at(2026, 12, 1), at(2026, 12, 7))
    assert window("pekan depan") == Window(at(2026, 12, 7), at(2026, 12, 14))
    assert window("bulan ini") == Window(at(2026, 12, 1), at(2027, 1, 1))
    assert window("bulan depan") == Window(at(2027, 1, 1), at(2027, 2, 1))
    assert window("next month") == Window(at(2027, 1, 1), at(2027, 2, 1))
    # A month by name is the coming one; a year written after it is taken as written.
    assert window("Desember") == Window(at(2026, 12, 1), at(2027, 1, 1))
    assert window("jan") == Window(at(2027, 1, 1), at(2027, 2, 1))
    assert window("februari 2028") == Window(at(2028, 2, 1), at(2028, 3, 1))
    assert window("desember atau januari") == Window(at(2026, 12, 1), at(2027, 2, 1))
    # 23:30 UTC on 31 December is already 1 January in Jakarta.
    assert window("bulan depan", datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == Window(
        at(2027, 2, 1), at(2027, 3, 1)
    )
    assert window("pelatihan haki") is None


def test_places_by_official_name_and_by_the_names_people_use() -> None:
    def places(text: str) -> set[str]:
        return set(parse(text, NOW, WIB).places)

    assert places("kupang") == {"53.01", "53.71"}
    assert places("Kota Kupang") == {"53.71"}
    assert places("kab. kupang") == {"53.01"}
    assert places("Soe") == places("Timor Tengah Selatan") == {"53.02"}
    assert places("NTT") == places("Nusa Tenggara Timur") == {"53"}
    assert places("jogja") == places("DIY") == {"34", "34.71"}
    assert places("surbaya") == {"35.78"}  # a typo in a long name
    # Everyday words that are also names are places only where a place is expected.
    assert places("batu akik") == set()
    assert places("pelatihan di Malang") == {"35.07", "35.73"}


def test_a_wish_keeps_the_words_that_carry_criteria_and_reads_them_back_the_same() -> None:
    criteria = parse("Kapan ada worksop HAKI di kota Kupang bulan depan ya kak?", NOW, WIB)
    assert criteria.words == ("workshop", "haki", "kota", "kupang")  # the typo mended
    assert parse("pelatiahn di surbaya", NOW, WIB).words == ("pelatihan", "surabaya")
    again = parse(" ".join(criteria.words), NOW, WIB)
    assert (
        again.lasting()
        == criteria.lasting()
        == {
            "kinds": ["workshop"],
            "places": ["53.71"],
            "online": False,
            "topics": ["haki"],
        }
    )
    assert clip_words(["pelatihan", "pemasaran", "digital"], 20) == "pelatihan pemasaran"
    assert clip_words(["pelatihan"], 3) == ""


def test_one_event_is_admitted_by_a_wish_with_every_word_counted() -> None:
    kupang = next(e for e in EVENTS if e.slug == "haki-kupang-2026-12")
    assert admits(parse("workshop haki kupang", NOW, WIB), kupang)
    assert not admits(parse("workshop haki surabaya", NOW, WIB), kupang)
    assert not admits(parse("workshop menjahit", NOW, WIB), kupang)
    assert not admits(parse("halo", NOW, WIB), kupang)


def test_an_edited_event_is_read_again() -> None:
    matcher = Matcher()
    event = next(e for e in EVENTS if e.slug == "ekspor-jakarta-2027-02").model_copy(
        update={"id": 7}
    )
    assert [h.event.id for h in matcher.search(parse("ekspor", NOW, WIB), [event])] == [7]
    edited = event.model_copy(update={"topics": ("kemasan",), "title": {"id": "Workshop Kemasan"}})
    assert matcher.search(parse("ekspor", NOW, WIB), [edited]) == []


def test_accents_long_words_and_long_messages() -> None:
    assert parse("Soé?", NOW, WIB).places == {"53.02"}
    assert parse("x" * 41 + " haki", NOW, WIB).words == ("haki",)  # a mash is no word
    # Only the start of a long message is read: a question is a line or two.
    pasted = parse("lorem " * 40 + "workshop haki", NOW, WIB)
    assert not pasted.asks_for_events and "haki" not in pasted.topics
