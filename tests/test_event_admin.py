"""/kelolaacara: staff see an event's counts and registrants (in the chat and as a CSV file),
change it, and cancel it, through the real Application on a fake Telegram; registrants are told
in their own language by jobs stored with the change."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.sheet import csv_bytes, safe_cell
from bot.services.event_admin import CANCELLED_JOB
from bot.services.people import EVENTS_PURPOSE
from bot.testing import harness
from bot.testing.harness import Bot, FakeUser, running_bot
from handlers.buttons import AdminAction, AdminTap
from tests.helpers import clock_at, no_refusals, rows
from tests.test_events_chat import NOW, store

STAFF, VISITOR = 900, 901
HAKI = "haki-kupang-2026-12"
HAKI_ID = "Lokakarya Pendaftaran Merek dan HAKI untuk UMKM"
# Three seats, two waiting: Indonesian and English speakers mixed.
PEOPLE = {801: "id", 802: "en", 803: "id", 804: "en", 805: "id"}
UNKNOWN_TOAST = "Tombol ini sudah tidak berlaku."


@pytest.fixture
def staff_settings(tmp_path: Path) -> Settings:
    return harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}))


@pytest.fixture
async def bot(staff_settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(staff_settings, clock=clock_at(NOW)) as running:
        yield running
        no_refusals(running)


async def haki_with_five(bot: Bot) -> int:
    """The HAKI workshop with 3 seats, taken, and 2 people waiting."""
    await store(bot)
    event = await bot.services.events.catalog.by_slug(HAKI)
    await bot.services.db.write(("UPDATE events SET capacity = 3 WHERE id = ?", (event.id,)))
    for person, locale in PEOPLE.items():
        await bot.services.people.consent(person, locale, EVENTS_PURPOSE)
        await bot.services.events.register(person, event.id)
        bot.clock.advance(timedelta(minutes=7))
    return int(event.id)


async def open_haki(staff: FakeUser) -> None:
    await staff.send("/kelolaacara")
    await staff.tap("Lokakarya Pendaftaran")


def told(bot: Bot, person: int, start: str) -> list[str]:
    return [
        m["text"] for m in bot.telegram.bot_messages(person) if m.get("text", "").startswith(start)
    ]


def column(settings: Settings, sql: str, *params: object) -> list[object]:
    return [row[0] for row in rows(settings, sql, params)]


async def run_jobs(bot: Bot) -> None:
    await bot.services.scheduler.run_due()
    await bot.services.intake.idle()


def test_no_cell_can_start_a_formula() -> None:
    for dangerous in ("=1+1", "+62812", "-5", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(dangerous) == "'" + dangerous
    for harmless in ("Kupang", "62812", "", "a=b", " =1"):
        assert safe_cell(harmless) == harmless
    assert safe_cell(None) == "" and safe_cell(12) == "12"
    data = csv_bytes(["a", "b"], [['=HYPERLINK("x")', "Nusa, Tenggara"]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        ["a", "b"],
        ['\'=HYPERLINK("x")', "Nusa, Tenggara"],
    ]


async def test_the_admin_screen_counts_and_the_registrants_come_as_a_csv_file(
    bot: Bot, staff_settings: Settings
) -> None:
    await haki_with_five(bot)
    # The first one checked in at the door (as a staff scan of their ticket records it).
    await bot.services.db.write(
        (
            "UPDATE registrations SET attended_at = '2026-12-15T00:45:00+00:00', "
            "checked_in_by = ? WHERE user_id = 801",
            (STAFF,),
        )
    )
    staff = bot.user(STAFF)
    await staff.send("/kelolaacara")
    assert staff.text.startswith("Kelola acara")
    assert "15 Des · Lokakarya Pendaftaran Merek dan HAK…" in staff.buttons()
    await staff.tap("Lokakarya Pendaftaran")
    assert staff.text.startswith(HAKI_ID + "\n🗓 Selasa, 15 Desember 2026 pukul 09.00 WITA")
    assert "👥 Terdaftar: 3 dari 3 kursi" in staff.text
    assert "⏳ Menunggu: 2" in staff.text
    assert "✅ Hadir: 1" in staff.text
    assert staff.buttons() == ["👥 Peserta", "✏️ Ubah", "❌ Batalkan acara", "◀️ Kembali"]

    await staff.tap("👥 Peserta")
    listing = staff.messages[-2]["text"]
    numbers = [r["id"] for r in rows(staff_settings, "SELECT id FROM registrations ORDER BY id")]
    assert listing.splitlines()[0] == f"Peserta “{HAKI_ID}”"
    assert listing.splitlines()[2] == (
        f"#{numbers[0]} · terdaftar · Selasa, 1 Desember 2026 pukul 16.00 WITA · hadir"
    )
    assert not listing.splitlines()[3].endswith("hadir")
    assert listing.splitlines()[-1].startswith(f"#{numbers[4]} · menunggu, nomor 2 · ")
    [upload] = staff.files()
    assert upload.filename == "haki-kupang-2026-12-peserta.csv"
    assert staff.text == f"“{HAKI_ID}”: 5 peserta"
    assert upload.content.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    table = list(csv.reader(io.StringIO(upload.content.decode("utf-8-sig"))))
    assert table[0] == ["nomor", "status", "nomor tunggu", "waktu daftar", "waktu hadir"]
    assert [row[:3] for row in table[1:]] == [
        [str(numbers[0]), "terdaftar", ""],
        [str(numbers[1]), "terdaftar", ""],
        [str(numbers[2]), "terdaftar", ""],
        [str(numbers[3]), "menunggu", "1"],
        [str(numbers[4]), "menunggu", "2"],
    ]
    assert table[1][3:] == ["2026-12-01 16:00", "2026-12-15 08:45"]  # the event's WITA
    assert table[2][4] == ""
    assert table[5][3] == "2026-12-01 16:28"
    # No names, no Telegram ids: nothing in the file says who anyone is.
    assert not any(str(person) in upload.content.decode("utf-8-sig") for person in PEOPLE)


async def test_cancelling_tells_every_registrant_once_in_their_language(
    bot: Bot, staff_settings: Settings
) -> None:
    event_id = await haki_with_five(bot)
    staff = bot.user(STAFF)
    await open_haki(staff)
    await staff.tap("❌ Batalkan acara")
    assert staff.text == (
        f"Batalkan “{HAKI_ID}”? 3 orang terdaftar dan 2 orang menunggu akan diberi tahu. "
        "Ini tidak dapat diurungkan."
    )
    confirm = copy.deepcopy(staff.last)
    await staff.tap("Ya, batalkan acara")
    assert staff.text == f"“{HAKI_ID}” dibatalkan. 5 orang akan diberi tahu."
    assert column(staff_settings, "SELECT status FROM events WHERE id = ?", event_id) == [
        "cancelled"
    ]
    # A second tap on the old confirmation cancels nothing twice and tells nobody again.
    await staff.tap("Ya, batalkan acara", confirm)
    assert staff.text == f"“{HAKI_ID}” sudah dibatalkan sebelumnya."
    await run_jobs(bot)
    await run_jobs(bot)

    for person, locale in PEOPLE.items():
        if locale == "id":
            notices = told(bot, person, "Maaf, acara")
            assert notices == [
                f"Maaf, acara “{HAKI_ID}” (Selasa, 15 Desember 2026 pukul 09.00 WITA) "
                "dibatalkan. Lihat acara lain dengan /acara."
            ], person
        else:
            notices = told(bot, person, "Sorry, the event")
            assert notices == [
                "Sorry, the event “Trademark and IP registration workshop for MSMEs” "
                "(Tuesday, 15 December 2026, 09:00 WITA) has been cancelled. "
                "See other events with /acara."
            ], person
    # The registrations stay (for /dataku, and deleted with the rest later); the event is gone
    # from /acara, and from its admin screen the Change and Cancel buttons.
    kept = rows(staff_settings, "SELECT status FROM registrations WHERE event_id = ?", (event_id,))
    assert sorted(r["status"] for r in kept) == ["confirmed"] * 3 + ["waiting"] * 2
    visitor = bot.user(VISITOR)
    await visitor.send("/acara")
    assert not [b for b in visitor.buttons() if "Lokakarya Pendaftaran" in b]
    registrant = bot.user(801)
    await registrant.send("/acarasaya")
    assert registrant.text == "Anda belum terdaftar di acara mana pun. Cari acara dengan /acara."
    await open_haki(staff)
    assert "❌ Dibatalkan" in staff.text
    assert staff.buttons() == ["👥 Peserta", "◀️ Kembali"]
    assert rows(staff_settings, "SELECT * FROM jobs") == []


async def test_a_notice_checks_first_the_place_is_still_held(
    bot: Bot, staff_settings: Settings
) -> None:
    event_id = await haki_with_five(bot)
    # Stored as the cancellation stores them; not yet moved to the inbox.
    await bot.services.event_admin.events.set_cancelled(event_id, bot.clock.now(), CANCELLED_JOB)
    await bot.services.events.cancel(801, event_id)  # gave up the place before the notice ran
    await run_jobs(bot)
    assert not told(bot, 801, "Maaf")
    assert told(bot, 803, "Maaf")


async def test_only_staff_can_use_the_admin_buttons(bot: Bot, staff_settings: Settings) -> None:
    event_id = await haki_with_five(bot)
    visitor = bot.user(VISITOR)
    await visitor.send("/start")
    for action in AdminAction:
        forged = AdminTap(action, event_id, "").pack()
        await visitor.deliver(visitor.callback_update(forged, visitor.last))
        answer = bot.telegram.calls_to("answerCallbackQuery")[-1].params
        assert answer.get("text") == UNKNOWN_TOAST, action
    assert column(staff_settings, "SELECT status FROM events WHERE id = ?", event_id) == [
        "published"
    ]
    assert rows(staff_settings, "SELECT * FROM jobs") == []
    assert not visitor.files()


async def test_more_seats_go_to_those_waiting_and_fewer_than_given_is_refused(
    bot: Bot, staff_settings: Settings
) -> None:
    event_id = await haki_with_five(bot)
    staff = bot.user(STAFF)
    await open_haki(staff)
    await staff.tap("✏️ Ubah")
    await staff.tap("Kursi")
    assert staff.text.startswith(f"Mengubah “{HAKI_ID}”")
    await staff.send("2")
    assert staff.text.startswith(
        "Sudah 3 orang mendapat kursi, jadi jumlah kursi tidak boleh kurang dari 3. "
        "Tidak ada yang kehilangan kursi yang sudah diberikan."
    )
    assert "Berapa jumlah kursinya?" in staff.text
    await staff.send("4")
    assert staff.buttons() == ["💾 Simpan", "✏️ Ubah", "✖️ Batal"]  # seats alone tell nobody
    await staff.tap("💾 Simpan")
    assert staff.text == (
        f"💾 Tersimpan: “{HAKI_ID}”. 1 orang dari daftar tunggu mendapat kursi baru dan "
        "diberi tahu."
    )
    await run_jobs(bot)
    statuses = rows(
        staff_settings,
        "SELECT user_id, status FROM registrations WHERE event_id = ? ORDER BY id",
        (event_id,),
    )
    assert [(r["user_id"], r["status"]) for r in statuses] == [
        (801, "confirmed"), (802, "confirmed"), (803, "confirmed"),
        (804, "confirmed"), (805, "waiting"),
    ]  # fmt: skip
    assert told(bot, 804, "Good news")  # the first one waiting (in English), and only them
    ticket = column(staff_settings, "SELECT checkin_code FROM registrations WHERE user_id = 804")
    assert ticket[0]  # a seat given comes with its check-in ticket
    assert not told(bot, 805, "Kabar baik")
    assert column(staff_settings, "SELECT capacity FROM events WHERE id = ?", event_id) == [4]


async def test_a_new_time_is_told_to_registrants_when_staff_choose_so(
    bot: Bot, staff_settings: Settings
) -> None:
    event_id = await haki_with_five(bot)
    staff = bot.user(STAFF)
    await open_haki(staff)
    await staff.tap("✏️ Ubah")
    await staff.tap("Tanggal dan jam")
    await staff.send("16/12/2026 10.00")
    await staff.send("13.00")
    await staff.tap("Saat acara mulai")
    assert "Rabu, 16 Desember 2026 pukul 10.00 WITA" in staff.text
    assert staff.buttons() == [
        "💾 Simpan", "💾 Simpan dan beri tahu 5 peserta", "✏️ Ubah", "✖️ Batal"
    ]  # fmt: skip
    await staff.tap("💾 Simpan dan beri tahu 5 peserta")
    assert staff.text == f"💾 Tersimpan: “{HAKI_ID}”. 5 peserta diberi tahu tentang perubahan ini."
    await run_jobs(bot)
    assert told(bot, 801, "Acara “") == [
        f"Acara “{HAKI_ID}” berubah. Sekarang pada Rabu, 16 Desember 2026 pukul 10.00 WITA, "
        "di Aula Kantor Wali Kota Kupang, Jl. S. K. Lerik, Kota Kupang. "
        "Lihat acara Anda dengan /acarasaya."
    ]
    assert told(bot, 802, "The event “")
    stored = rows(
        staff_settings,
        "SELECT starts_at, ends_at, registration_closes FROM events WHERE id = ?",
        (event_id,),
    )[0]
    assert stored["starts_at"].startswith("2026-12-16T02:00:00")
    assert stored["ends_at"].startswith("2026-12-16T05:00:00")
    assert stored["registration_closes"] is None


async def test_the_list_shows_what_is_coming_then_the_last_held_cancelled_marked(
    bot: Bot,
) -> None:
    await store(bot)
    haki = await bot.services.events.catalog.by_slug(HAKI)
    await bot.services.event_admin.cancel(haki.id)
    bot.clock.advance(datetime(2026, 12, 18, tzinfo=UTC) - bot.clock.now())
    staff = bot.user(STAFF)
    await staff.send("/kelolaacara")
    assert staff.buttons() == [
        "20 Des · Dialog Perlindungan Sosial Pekerja…",
        "9 Jan · Kelas Kewirausahaan: Mengelola Keua…",
        "16 Jan · Sosialisasi Sertifikasi Kompetensi…",
        "🕘 17 Des · Pelatihan Pemasaran Digital: Jualan…",
        "❌ 15 Des · Lokakarya Pendaftaran Merek dan HAK…",
        "🕘 10 Des · Dialog Ekonomi Kreatif Jakarta",
    ]
    await staff.tap("Pelatihan Pemasaran Digital")
    assert "✅ Hadir: 0" in staff.text  # held: attendance is the figure that matters now
    assert staff.buttons() == ["👥 Peserta", "◀️ Kembali"]  # nothing to change or call off
    await staff.tap("◀️ Kembali")
    assert len(staff.buttons()) == 6
    # A forged (or very old) "yes, cancel" for an event already held calls nothing off.
    held = await bot.services.events.catalog.by_slug("pemasaran-digital-kupang-2026-12")
    await staff.deliver(
        staff.callback_update(AdminTap(AdminAction.CONFIRM, held.id, "").pack(), staff.last)
    )
    assert bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text") == UNKNOWN_TOAST
    still = await bot.services.event_admin.event(held.id)
    assert still.status == "published"
    await staff.tap("Pelatihan Pemasaran Digital")
    await staff.tap("👥 Peserta")
    assert staff.text.endswith("Belum ada yang mendaftar.")
    assert not staff.files()


async def test_two_staff_changing_one_event_keep_each_others_changes(
    tmp_path: Path,
) -> None:
    """One changes the seats while another changes the title: the later save keeps the
    earlier one's title, instead of writing back the title it read when it began."""
    other = STAFF + 2
    settings = harness.test_settings(tmp_path, admin_ids=frozenset({STAFF, other}))
    async with running_bot(settings, clock=clock_at(NOW)) as bot:
        await store(bot)
        first, second = bot.user(STAFF), bot.user(other)
        for staff, part in ((first, "Kursi"), (second, "Judul")):
            await open_haki(staff)
            await staff.tap("✏️ Ubah")
            await staff.tap(part)
        await second.send("Lokakarya HAKI")
        await second.send("IP workshop")
        await second.tap("💾 Simpan")
        await first.send("80")
        assert first.text.startswith("Pratinjau") and "Lokakarya HAKI" in first.text
        await first.tap("💾 Simpan")
        assert first.text == "💾 Tersimpan: “Lokakarya HAKI”."
        no_refusals(bot)
    stored = rows(
        settings, "SELECT title_id, title_en, capacity FROM events WHERE slug = ?", (HAKI,)
    )
    assert [tuple(r) for r in stored] == [("Lokakarya HAKI", "IP workshop", 80)]


async def test_changing_an_event_does_not_throw_away_a_draft_in_progress(bot: Bot) -> None:
    await store(bot)
    staff = bot.user(STAFF)
    await staff.send("/buatacara")
    await staff.send("Draf yang belum selesai")
    await open_haki(staff)
    await staff.tap("✏️ Ubah")
    await staff.tap("Kursi")
    assert staff.text.startswith(
        "Anda belum selesai membuat acara. Kita lanjutkan dari langkah terakhir.\n\n"
        "Acara baru, langkah 2 dari 12"
    )


async def test_a_long_list_shows_the_first_fifty_and_the_file_has_everyone(bot: Bot) -> None:
    await store(bot)
    event = await bot.services.events.catalog.by_slug(HAKI)
    for person in range(2000, 2070):  # 60 seats, then 10 waiting
        await bot.services.people.consent(person, "id", EVENTS_PURPOSE)
        await bot.services.events.register(person, event.id)
    staff = bot.user(STAFF)
    await open_haki(staff)
    await staff.tap("👥 Peserta")
    listing = staff.messages[-2]["text"]
    assert len(listing) < 4096  # Telegram's limit for a message
    assert len([line for line in listing.splitlines() if line.startswith("#")]) == 50
    assert listing.endswith("… dan 20 lainnya: lihat berkasnya.")
    [upload] = staff.files()
    table = list(csv.reader(io.StringIO(upload.content.decode("utf-8-sig"))))
    assert len(table) == 71
    assert [row[2] for row in table[61:]] == [str(n) for n in range(1, 11)]
