"""/acara: upcoming events nearest to the person first, their details, paging, and old buttons,
through the real Application on a fake Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.core.events.csvfile import parse_events
from bot.services.events import nearest_first
from bot.storage.events import EventRepository
from bot.testing.harness import Bot, FakeUser, running_bot
from handlers.buttons import ChooseRegion, EventsIn, OpenEvent, OpenEventIn
from tests.helpers import clock_at, consent, no_refusals, rows
from tests.test_events_import import EXAMPLE, csv_bytes, example_rows

# 1 December 2026, before every example event: the tests never depend on today's date.
NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)
# An event in Jakarta before all of Kupang's: it comes first in time order, after Kupang's
# events for someone in Kupang.
JAKARTA = {
    **example_rows()[4],
    "slug": "dialog-jakarta-2026-12",
    "title_id": "Dialog Ekonomi Kreatif Jakarta",
    "title_en": "Jakarta creative economy dialogue",
    "region": "31.71",
    "venue": "Balai Kota Jakarta",
    "starts_at": "2026-12-10 09:00",
    "ends_at": "2026-12-10 12:00",
}
TIME_ORDER = [
    "10 Des · Dialog Ekonomi Kreatif Jakarta",
    "15 Des · Lokakarya Pendaftaran Merek dan HAK…",  # titles cut to fit a phone's button
    "17 Des · Pelatihan Pemasaran Digital: Jualan…",
    "20 Des · Dialog Perlindungan Sosial Pekerja…",
    "9 Jan · Kelas Kewirausahaan: Mengelola Keua…",
    "16 Jan · Sosialisasi Sertifikasi Kompetensi…",
]
# Under every list: where else to look.
REGION = "📍 Pilih wilayah"


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(settings, clock=clock_at(NOW)) as running:
        yield running
        no_refusals(running)


async def store(bot: Bot, data: bytes | None = None) -> EventRepository:
    """Import events through the running bot's own Database (it holds the file's lock)."""
    repo = EventRepository(bot.services.db)
    rows = csv_bytes([*example_rows(), JAKARTA]) if data is None else data
    await repo.import_events(parse_events(rows), bot.clock.now())
    return repo


async def in_kupang(user: FakeUser) -> None:
    """Start the BPJS survey and give Kota Kupang as where one works (it stays in progress)."""
    await consent(user, "bpjs")
    await user.tap("25–34 tahun")
    await user.send("Kota Kupang")
    await user.tap("Kota Kupang")


async def test_someone_in_kupang_sees_kupang_first_then_ntt_then_by_time(bot: Bot) -> None:
    await store(bot)
    user = bot.user(301)
    await in_kupang(user)
    await user.send("/acara")
    assert user.text.startswith("Acara mendatang, yang di Kota Kupang lebih dulu.")
    assert user.buttons() == [
        TIME_ORDER[1],
        TIME_ORDER[2],
        TIME_ORDER[3],
        TIME_ORDER[4],  # Soe: Nusa Tenggara Timur, as Kupang
        TIME_ORDER[0],
        TIME_ORDER[5],
        REGION,
    ]


async def test_someone_without_a_region_sees_time_order(bot: Bot) -> None:
    await store(bot)
    user = bot.user(302)
    await user.send("/acara")
    assert user.text.startswith("Acara mendatang, dari yang paling dekat waktunya.")
    assert user.buttons() == [*TIME_ORDER, REGION]


async def test_a_stopped_survey_no_longer_says_where_someone_is(bot: Bot) -> None:
    await store(bot)
    user = bot.user(312, "en")
    await consent(user, "bpjs")
    await user.tap("25–34")
    await user.send("Kota Kupang")
    await user.tap("Kota Kupang")
    await user.send("/events")
    assert user.text.startswith("Upcoming events, those in Kota Kupang first.")
    # Stopping a survey takes its answers back: they no longer place the person anywhere.
    await user.send("/batal")
    await user.tap("Yes, stop")
    await user.send("/events")
    assert user.text.startswith("Upcoming events, soonest first.")


async def test_details_in_indonesian_and_back_to_the_list(bot: Bot) -> None:
    await store(bot)
    user = bot.user(303)
    listing = await user.send("/acara")
    details = await user.tap("Lokakarya Pendaftaran")
    assert details["message_id"] == listing["message_id"]  # edited in place
    assert details["text"].split("\n") == [
        "Lokakarya Pendaftaran Merek dan HAKI untuk UMKM",
        "",
        "🏷 Lokakarya",
        "📍 Kota Kupang, Aula Kantor Wali Kota Kupang, Jl. S. K. Lerik",
        "🗓 Selasa, 15 Desember 2026 pukul 09.00 WITA",
        "⏳ Pendaftaran ditutup Senin, 14 Desember 2026 pukul 17.00 WITA",
        "👥 Kapasitas: 60 kursi",
        "",
        "Cara mendaftarkan merek dagang lewat DJKI secara daring, biaya, dan dokumen yang perlu "
        "disiapkan. Bawa contoh logo usaha Anda.",
    ]
    assert user.buttons() == ["📝 Daftar", "◀️ Kembali"]
    back = await user.tap("◀️ Kembali")
    assert back["message_id"] == listing["message_id"]
    assert user.buttons() == [*TIME_ORDER, REGION]


async def test_details_in_english_with_no_seat_limit(bot: Bot) -> None:
    await store(bot)
    user = bot.user(304, "en")
    await user.send("/events")
    assert user.text.startswith("Upcoming events, soonest first.")
    assert user.buttons()[-2:] == [
        "16 Jan · BNSP competency certification brief…",
        "📍 Choose a region",
    ]
    await user.tap("BNSP competency")
    assert user.text.split("\n")[:6] == [
        "BNSP competency certification briefing for creative workers",
        "",
        "🏷 Dialogue",
        "📍 Kota Yogyakarta, Jogja National Museum, Jl. Prof. Ki Amri Yahya",
        "🗓 Saturday, 16 January 2027, 10:00 WIB",
        "👥 Seats: no limit",
    ]
    assert user.buttons() == ["📝 Register", "◀️ Back"]


async def test_an_event_that_has_begun_is_not_listed_nor_opened(bot: Bot) -> None:
    await store(bot)
    user = bot.user(305)
    await user.send("/acara")
    listing = user.last
    # 09.30 WITA on 15 December: the HAKI workshop (and the Jakarta dialogue) have begun.
    bot.clock.advance(datetime(2026, 12, 15, 1, 30, tzinfo=UTC) - bot.clock.now())
    await user.tap("Lokakarya Pendaftaran", listing)
    assert bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text") == (
        "Tombol ini sudah tidak berlaku."
    )
    await user.send("/acara")
    assert user.buttons() == [*TIME_ORDER[2:], REGION]


async def test_a_cancelled_or_forged_event_button_is_no_longer_active(bot: Bot) -> None:
    repo = await store(bot)
    user = bot.user(306)
    listing = await user.send("/acara")
    await bot.services.db.write(
        ("UPDATE events SET status = 'cancelled' WHERE slug = 'haki-kupang-2026-12'", ())
    )
    await user.tap("Lokakarya Pendaftaran", listing)
    assert user.last["message_id"] == listing["message_id"]
    assert user.buttons() == [*TIME_ORDER, REGION]  # the message is left as it was
    haki = await repo.by_slug("haki-kupang-2026-12")
    assert haki is not None and haki.id is not None
    for data in (OpenEvent(999_999, 0).pack(), "evt:abc:0", "evt:", "evt:01:0", "evl:x"):
        await user.deliver(user.callback_update(data, listing))
        answer = bot.telegram.calls_to("answerCallbackQuery")[-1].params
        assert answer.get("text") == "Tombol ini sudah tidak berlaku.", data


async def test_no_events_at_all(bot: Bot) -> None:
    user = bot.user(307)
    await user.send("/acara")
    assert user.text == "Saat ini belum ada acara mendatang. Silakan lihat lagi nanti."
    assert user.buttons() == []
    await bot.user(308, "en").send("/events")
    assert bot.user(308, "en").text == (
        "There are no upcoming events at the moment. Please look again later."
    )


async def test_more_than_ten_events_come_a_page_at_a_time(bot: Bot) -> None:
    base = example_rows()[1]
    rows = [
        {**base, "slug": f"kelas-{i:02d}", "title_id": f"Kelas {i:02d}", "title_en": f"Class {i}"}
        | {"starts_at": f"2026-12-{i + 2:02d} 13:00", "ends_at": f"2026-12-{i + 2:02d} 16:00"}
        for i in range(12)
    ]
    await store(bot, csv_bytes(rows))
    user = bot.user(309)
    listing = await user.send("/acara")
    assert "Hlm. 1 dari 2" in user.text
    assert user.buttons() == [f"{i + 2} Des · Kelas {i:02d}" for i in range(10)] + [
        "Berikutnya ▶️",
        REGION,
    ]
    await user.tap("Berikutnya ▶️")
    assert "Hlm. 2 dari 2" in user.text and user.last["message_id"] == listing["message_id"]
    assert user.buttons() == ["12 Des · Kelas 10", "13 Des · Kelas 11", "◀️ Sebelumnya", REGION]
    # Back from an event on the second page returns to the second page.
    await user.tap("Kelas 11")
    await user.tap("◀️ Kembali")
    assert "Hlm. 2 dari 2" in user.text
    await user.tap("◀️ Sebelumnya")
    assert "Hlm. 1 dari 2" in user.text


def test_nearest_first_ranks_kabupaten_then_province_then_the_rest() -> None:
    events = parse_events(csv_bytes([*example_rows(), JAKARTA]))
    timed = sorted(events, key=lambda e: e.starts_at)
    slugs = [e.slug for e in nearest_first(timed, "53.02")]  # Kabupaten Timor Tengah Selatan
    assert slugs[:2] == ["kewirausahaan-soe-2027-01", "haki-kupang-2026-12"]
    assert slugs[-2:] == ["dialog-jakarta-2026-12", "sertifikasi-jogja-2027-01"]
    # A province-only answer puts the whole province first, in time order.
    assert nearest_first(timed, "34")[0].slug == "sertifikasi-jogja-2027-01"
    assert nearest_first(timed, None) == timed


async def test_once_every_event_has_begun_none_is_listed(bot: Bot) -> None:
    await store(bot, EXAMPLE.read_bytes())
    bot.clock.advance(timedelta(days=60))  # after every example event
    await bot.user(310).send("/acara")
    assert bot.user(310).buttons() == []


async def test_acara_is_in_the_command_menu_and_in_help(bot: Bot) -> None:
    default = {c["command"]: c["description"] for c in bot.telegram.commands[None]}
    english = {c["command"]: c["description"] for c in bot.telegram.commands["en"]}
    assert default["acara"] == "lihat acara mendatang"
    assert english["acara"] == "see upcoming events"
    user = bot.user(311)
    await user.send("/bantuan")
    assert "/acara lihat acara mendatang" in user.text


async def test_anyone_can_pick_a_region_without_anything_being_stored(
    bot: Bot, settings: Settings
) -> None:
    await store(bot)
    user = bot.user(320)
    await user.send("/acara")
    await user.tap(REGION)
    assert (
        user.text
        == "Di wilayah mana Anda ingin melihat acara? Provinsi yang memiliki acara mendatang:"
    )
    assert user.buttons() == [
        "DI Yogyakarta (1)",
        "DKI Jakarta (1)",
        "Nusa Tenggara Timur (4)",
        "◀️ Kembali",
    ]
    await user.tap("Nusa Tenggara Timur (4)")
    assert user.text == "Pilih kabupaten/kota di Nusa Tenggara Timur:"
    assert user.buttons() == [
        "Seluruh Nusa Tenggara Timur",
        "Kota Kupang (3)",
        "Kabupaten Timor Tengah Selatan (1)",
        "◀️ Kembali",
    ]
    await user.tap("Kabupaten Timor Tengah Selatan (1)")
    assert user.text.startswith(
        "Acara mendatang, yang di Kabupaten Timor Tengah Selatan lebih dulu."
    )
    assert user.buttons()[:2] == [TIME_ORDER[4], TIME_ORDER[1]]  # then the rest of NTT
    # "Back" from an event returns to the list of the region picked, not the person's own.
    await user.tap(TIME_ORDER[1])
    await user.tap("◀️ Kembali")
    assert user.text.startswith(
        "Acara mendatang, yang di Kabupaten Timor Tengah Selatan lebih dulu."
    )
    # A province with events in one place only goes straight to its list.
    await user.tap(REGION)
    await user.tap("DI Yogyakarta (1)")
    assert user.buttons()[0] == TIME_ORDER[5]
    assert rows(settings, "SELECT * FROM users") == []  # the choice lived in the buttons


async def test_forged_region_buttons_are_no_longer_active(bot: Bot) -> None:
    await store(bot)
    user = bot.user(321)
    listing = await user.send("/acara")
    for data in (
        ChooseRegion("99").pack(),
        ChooseRegion("53.71").pack(),  # a kabupaten/kota has no places below it
        EventsIn(0, "53.99").pack(),
        OpenEventIn(999_999, 0, "53").pack(),
        "evg:0",
        "evp",
    ):
        await user.deliver(user.callback_update(data, listing))
        answer = bot.telegram.calls_to("answerCallbackQuery")[-1].params
        assert answer.get("text") == "Tombol ini sudah tidak berlaku.", data
    assert user.buttons(listing) == [*TIME_ORDER, REGION]  # left as it was


async def test_the_list_follows_every_change_to_the_events(bot: Bot) -> None:
    """/acara keeps parsed events between lists (bench/events.py): an import, an edit or a
    cancellation shows at the very next list."""
    repo = await store(bot, csv_bytes(example_rows()[:1]))
    user = bot.user(322)
    await user.send("/acara")
    assert user.buttons() == [TIME_ORDER[1], REGION]
    await repo.import_events(parse_events(csv_bytes([*example_rows(), JAKARTA])), bot.clock.now())
    await user.send("/acara")
    assert user.buttons() == [*TIME_ORDER, REGION]
    renamed = {**JAKARTA, "title_id": "Dialog Ekonomi Kreatif DKI"}
    await repo.import_events(parse_events(csv_bytes([renamed])), bot.clock.now())
    await user.send("/acara")
    assert user.buttons()[0] == "10 Des · Dialog Ekonomi Kreatif DKI"
    await bot.services.db.write(
        ("UPDATE events SET status = 'cancelled' WHERE slug = ?", (JAKARTA["slug"],))
    )
    await user.send("/acara")
    assert user.buttons() == [*TIME_ORDER[1:], REGION]


@pytest.mark.parametrize("language", ["id", "en"])
async def test_the_question_bantuan_suggests_finds_its_event(bot: Bot, language: str) -> None:
    """/bantuan's example question is one the bot answers (in either language)."""
    await store(bot)
    user = bot.user(323, language)
    await user.send("/bantuan")
    example = user.text.rsplit("“", 1)[1].rstrip("”")
    await user.send(example)
    assert user.buttons()[0] == (
        "17 Des · Pelatihan Pemasaran Digital: Jualan…"
        if language == "id"
        else "17 Dec · Digital marketing training: selling…"
    )
