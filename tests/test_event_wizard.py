"""/buatacara: staff make an event step by step in the chat, through the real Application on a
fake Telegram. Wrong answers are refused politely at the step, a restart half-way resumes it, a
survey left open waits behind it, and nobody but staff can reach it."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.events.answers import (
    Problem,
    Refused,
    parse_capacity,
    parse_end,
    parse_local,
    parse_topics,
    slug_for,
)
from bot.core.events.draft import Step, Wizard
from bot.testing import harness
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.harness import Bot, FakeUser, running_bot
from handlers.buttons import WizardAction, WizardTap
from tests.helpers import answers, clock_at, consent, no_refusals, rows

# 1 December 2026, 16.00 WITA.
NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)
STAFF, VISITOR = 900, 901
UNKNOWN_TOAST = "Tombol ini sudah tidak berlaku."


@pytest.fixture
def staff_settings(tmp_path: Path) -> Settings:
    return harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}))


@pytest.fixture
async def bot(staff_settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(staff_settings, clock=clock_at(NOW)) as running:
        yield running
        no_refusals(running)


def toast(bot: Bot) -> str | None:
    return bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")


def step_of(settings: Settings, user_id: int = STAFF) -> str:
    found = rows(settings, "SELECT feature, state FROM awaiting WHERE user_id = ?", (user_id,))
    assert [r["feature"] for r in found] == ["event_wizard"]
    return str(json.loads(found[0]["state"])["queue"][0])


async def refused(user: FakeUser, text: str, expected: str) -> None:
    """A wrong answer: a short message, then the same question again, in one message."""
    before = user.text[user.text.index("Acara baru, langkah") :]  # after an earlier refusal
    await user.send(text)
    note, _sep, question = user.text.partition("\n\n")
    assert note == expected, (text, user.text)
    assert question == before


def test_typed_dates_times_seats_and_topics() -> None:
    assert parse_local("15/12/2026 09.00") == datetime(2026, 12, 15, 9)
    assert parse_local("15-12-2026 09:00") == datetime(2026, 12, 15, 9)
    assert parse_local("2026-12-15 09:00") == datetime(2026, 12, 15, 9)
    assert parse_local(" 5/1/2027  pukul 14.30 ") == datetime(2027, 1, 5, 14, 30)
    assert parse_local("31/02/2027 09.00") == Refused(Problem.NO_SUCH_DATE)
    assert parse_local("15/12/2026 25.00") == Refused(Problem.NO_SUCH_DATE)
    assert parse_local("besok pagi") == Refused(Problem.TIME_FORMAT)
    start = datetime(2026, 12, 15, 9)
    assert parse_end("12.00", start) == datetime(2026, 12, 15, 12)
    assert parse_end("16/12/2026 12:00", start) == datetime(2026, 12, 16, 12)
    assert parse_end("24.00", start) == Refused(Problem.NO_SUCH_DATE)
    assert parse_capacity("60") == 60
    assert parse_capacity("1.000") == 1000
    for wrong in ("0", "-5", "banyak", "100001", "2,5", "٣", "9" * 5000):
        assert parse_capacity(wrong) == Refused(Problem.CAPACITY, limit=100_000), wrong
    assert parse_topics("HAKI, merek; umkm,UMKM ,") == ("HAKI", "merek", "umkm")
    assert parse_topics(" , ") == Refused(Problem.EMPTY)
    assert isinstance(parse_topics(",".join(str(n) for n in range(21))), Refused)
    assert slug_for("Dialog UMKM Kota Kupang: Ekonomi Kreatif & Digital!", start) == (
        "dialog-umkm-kota-kupang-ekonomi-kr-2026-12-15"
    )
    assert slug_for("Ñoño 🙂", start) == "nono-2026-12-15"
    assert slug_for("🙂", start) == "acara-2026-12-15"


def test_a_stored_wizard_a_later_version_cannot_read_is_no_wizard() -> None:
    assert Wizard.from_state({"queue": ["zz"], "values": {}}) is None
    assert Wizard.from_state({}) is None
    wizard = Wizard()
    assert Wizard.from_state(wizard.state()) == wizard


def seats_line(text: str) -> str:
    return text.split("👥", 1)[1].split("\n", 1)[0]


async def through_title_and_kind(user: FakeUser) -> None:
    await user.send("/buatacara")
    await user.send("Dialog UMKM Kupang")
    await user.tap("Lewati")
    await user.tap("Dialog")


async def test_a_new_event_step_by_step_with_wrong_answers_refused_then_published(
    bot: Bot, staff_settings: Settings
) -> None:
    staff = bot.user(STAFF)
    await staff.send("/buatacara")
    assert staff.text == (
        "Acara baru, langkah 1 dari 12\n\n"
        "Ketik judul acara dalam bahasa Indonesia (paling banyak 150 karakter)."
    )
    assert staff.buttons() == ["✖️ Batal"]
    await refused(
        staff, "x" * 5000, "Panjangnya 5000 karakter; paling banyak 150. Silakan persingkat."
    )
    before = staff.text.split("\n\n", 1)[1]  # the question, after the last refusal
    await staff.send_other("sticker")
    assert staff.text.split("\n\n", 1) == [
        "Silakan ketik teks di sini, atau gunakan tombol.",
        before,
    ]
    await staff.send("  Dialog   UMKM Kupang ")
    assert step_of(staff_settings) == Step.TITLE_EN
    assert "langkah 2 dari 12" in staff.text
    await staff.tap("Lewati")
    assert staff.buttons() == ["Dialog", "Lokakarya", "Pelatihan", "✖️ Batal"]
    await refused(staff, "seminar", "Silakan pilih dengan tombol.")
    await staff.tap("Dialog")

    await refused(
        staff,
        "Atlantis",
        "Tidak ada provinsi atau kabupaten/kota dengan nama itu. Silakan ketik nama lain atau "
        "pilih dengan tombol.",
    )
    await staff.send("kupang")
    assert staff.buttons()[:2] == [
        "Kabupaten Kupang, Nusa Tenggara Timur",
        "Kota Kupang, Nusa Tenggara Timur",
    ]
    await staff.tap("Kota Kupang, Nusa Tenggara Timur")
    await staff.send("Aula Kantor Wali Kota Kupang")
    assert "dalam WITA, misalnya 15/12/2026 09.00" in staff.text

    await refused(
        staff, "1/11/2026 09.00", "Waktu itu sudah lewat. Silakan isi waktu yang akan datang."
    )
    await refused(
        staff, "31/02/2027 09.00", "Tanggal atau jam itu tidak ada. Silakan periksa kembali."
    )
    await refused(staff, "besok pagi", "Silakan tulis tanggal dan jam seperti 15/12/2026 09.00.")
    await staff.send("15/12/2026 09.00")
    assert "Mulai: Selasa, 15 Desember 2026 pukul 09.00 WITA" in staff.text
    assert staff.buttons() == ["+2 jam", "+3 jam", "+8 jam", "✖️ Batal"]
    await refused(
        staff,
        "08.00",
        "Waktu selesai harus setelah waktu mulai (Selasa, 15 Desember 2026 pukul 09.00 WITA).",
    )
    await staff.send("12.00")
    seats = (
        "Silakan ketik jumlah kursi berupa bilangan bulat dari 1 sampai 100000, atau ketuk "
        "Tanpa batas."
    )
    for wrong in ("0", "-5", "banyak"):
        await refused(staff, wrong, seats)
    await staff.send("2")
    assert staff.buttons() == ["Saat acara mulai", "1 hari sebelum", "✖️ Batal"]
    await refused(
        staff,
        "15/12/2026 10.00",
        "Pendaftaran harus ditutup paling lambat saat acara mulai "
        "(Selasa, 15 Desember 2026 pukul 09.00 WITA).",
    )
    await staff.tap("1 hari sebelum")
    await staff.send("UMKM, ekonomi kreatif, umkm")
    await staff.send("Dialog tentang usaha kecil.\nBawa kartu nama.")
    await staff.tap("Lewati")

    text = staff.text
    assert text.startswith("Pratinjau: seperti inilah yang akan dilihat orang.\n\n")
    assert "Dialog UMKM Kupang" in text
    assert "Selasa, 15 Desember 2026 pukul 09.00 WITA" in text
    assert "Pendaftaran ditutup Senin, 14 Desember 2026 pukul 09.00 WITA" in text
    assert "Topik: UMKM, ekonomi kreatif" in text
    assert "Bawa kartu nama." in text
    assert staff.buttons() == ["✅ Terbitkan", "✏️ Ubah", "🗑 Buang"]
    assert rows(staff_settings, "SELECT * FROM events") == []  # nothing stored before Terbitkan

    preview = copy.deepcopy(staff.last)
    await staff.tap("✅ Terbitkan")
    assert staff.text == (
        "✅ Diterbitkan: “Dialog UMKM Kupang”. Orang dapat menemukannya dengan /acara; "
        "kelola dengan /kelolaacara."
    )
    stored = rows(staff_settings, "SELECT * FROM events")
    assert len(stored) == 1
    event = dict(stored[0])
    assert {k: event[k] for k in ("slug", "kind", "status", "region", "zone", "capacity")} == {
        "slug": "dialog-umkm-kupang-2026-12-15",
        "kind": "dialog",
        "status": "published",
        "region": "53.71",
        "zone": "Asia/Makassar",
        "capacity": 2,
    }
    assert event["title_en"] == event["title_id"] == "Dialog UMKM Kupang"
    assert event["description_en"] == "Dialog tentang usaha kecil.\nBawa kartu nama."
    assert event["starts_at"].startswith("2026-12-15T01:00:00")  # 09.00 WITA
    assert event["ends_at"].startswith("2026-12-15T04:00:00")
    assert event["registration_closes"].startswith("2026-12-14T01:00:00")
    assert json.loads(event["topics"]) == ["UMKM", "ekonomi kreatif"]
    assert rows(staff_settings, "SELECT * FROM awaiting") == []

    # A double tap on Terbitkan publishes nothing twice.
    await staff.tap("✅ Terbitkan", preview)
    assert toast(bot) == UNKNOWN_TOAST
    assert len(rows(staff_settings, "SELECT * FROM events")) == 1

    person = bot.user(700)
    await person.send("/acara")
    assert "15 Des · Dialog UMKM Kupang" in person.buttons()


async def test_a_second_event_of_the_same_title_and_day_gets_its_own_slug(
    bot: Bot, staff_settings: Settings
) -> None:
    for _ in range(2):
        await quick_event(bot.user(STAFF))
    slugs = [r["slug"] for r in rows(staff_settings, "SELECT slug FROM events ORDER BY id")]
    assert slugs == ["dialog-umkm-kupang-2026-12-15", "dialog-umkm-kupang-2026-12-15-2"]


async def quick_event(staff: FakeUser, *, publish: bool = True) -> None:
    await through_title_and_kind(staff)
    await staff.send("Kota Kupang")
    await staff.tap("Kota Kupang, Nusa Tenggara Timur")
    await staff.send("Aula")
    await staff.send("15/12/2026 09.00")
    await staff.tap("+3 jam")
    await staff.tap("Tanpa batas")
    await staff.tap("Saat acara mulai")
    await staff.tap("Lewati")
    await staff.send("Deskripsi.")
    await staff.tap("Lewati")
    if publish:
        await staff.tap("✅ Terbitkan")


async def test_the_preview_can_change_a_part_or_discard_the_draft(
    bot: Bot, staff_settings: Settings
) -> None:
    staff = bot.user(STAFF)
    await quick_event(staff, publish=False)
    await staff.tap("✏️ Ubah")
    assert staff.buttons() == [
        "Judul", "Jenis", "Wilayah", "Tempat", "Tanggal dan jam", "Kursi",
        "Batas pendaftaran", "Topik", "Deskripsi", "◀️ Kembali",
    ]  # fmt: skip
    await staff.tap("Kursi")
    await staff.send("40")
    assert "40" in seats_line(staff.text) and "✅ Terbitkan" in staff.buttons()
    await staff.tap("✏️ Ubah")
    await staff.tap("Tanggal dan jam")
    await staff.send("16/12/2026 13.00")
    await staff.send("16.00")
    await staff.tap("Saat acara mulai")
    assert "Rabu, 16 Desember 2026 pukul 13.00 WITA" in staff.text
    await staff.tap("🗑 Buang")
    assert staff.text == "Draf dibuang. Tidak ada yang diterbitkan."
    assert rows(staff_settings, "SELECT * FROM events") == []
    assert rows(staff_settings, "SELECT * FROM awaiting") == []


async def test_a_restart_half_way_resumes_the_wizard_at_the_same_step(
    staff_settings: Settings,
) -> None:
    telegram = FakeTelegram()
    async with running_bot(staff_settings, telegram, clock=clock_at(NOW)) as first:
        staff = first.user(STAFF)
        await through_title_and_kind(staff)
        # The province from the buttons (page 2), then the whole province, not a kabupaten.
        assert "Nusa Tenggara Timur" not in staff.buttons()
        await staff.tap("Berikutnya »")
        await staff.tap("Nusa Tenggara Timur")
        assert "Kabupaten Kupang" in staff.buttons()
        await staff.tap("Seluruh Provinsi Nusa Tenggara Timur")
        await staff.send("Hotel Sasando, Kupang")
        no_refusals(first)
    assert step_of(staff_settings) == Step.STARTS

    async with running_bot(staff_settings, telegram, clock=clock_at(NOW)) as second:
        staff = second.user(STAFF)
        await staff.send("15/12/2026 09.00")  # the pending step takes it after the restart
        assert "Mulai: Selasa, 15 Desember 2026 pukul 09.00 WITA" in staff.text
        await staff.send("12.00")
        await staff.send("50")
        await staff.tap("Saat acara mulai")
        await staff.tap("Lewati")
        await staff.send("Deskripsi.")
        await staff.tap("Lewati")
        assert "Nusa Tenggara Timur, Hotel Sasando, Kupang" in staff.text
        await staff.tap("✅ Terbitkan")
        no_refusals(second)
    stored = rows(staff_settings, "SELECT title_id, region, venue, capacity FROM events")
    assert [tuple(r) for r in stored] == [("Dialog UMKM Kupang", "53", "Hotel Sasando, Kupang", 50)]


async def test_a_button_of_an_earlier_step_is_no_longer_active(
    bot: Bot, staff_settings: Settings
) -> None:
    staff = bot.user(STAFF)
    await staff.send("/buatacara")
    await staff.send("Judul")
    skip_screen = copy.deepcopy(staff.last)
    await staff.tap("Lewati")
    assert step_of(staff_settings) == Step.KIND
    await staff.tap("Lewati", skip_screen)  # the title screen's Skip, tapped again
    assert toast(bot) == UNKNOWN_TOAST
    assert step_of(staff_settings) == Step.KIND
    await staff.tap("✖️ Batal")
    assert staff.text == "Dihentikan. Tidak ada yang disimpan."
    assert rows(staff_settings, "SELECT * FROM awaiting") == []


async def test_only_staff_reach_the_wizard(bot: Bot, staff_settings: Settings) -> None:
    visitor = bot.user(VISITOR)
    await visitor.send("/perintahtidakada")
    unknown = visitor.text
    for command in ("/buatacara", "/newevent", "/kelolaacara"):
        await visitor.send(command)
        assert visitor.text == unknown, command
    # A forged wizard button: the answer any unknown button gets, and nothing stored.
    forged = WizardTap(Step.PREVIEW, WizardAction.PUBLISH).pack()
    await visitor.deliver(visitor.callback_update(forged, visitor.last))
    assert toast(bot) == UNKNOWN_TOAST
    # Even with a staff member's wizard at its preview.
    staff = bot.user(STAFF)
    await quick_event(staff, publish=False)
    await visitor.deliver(visitor.callback_update(forged, staff.last))
    assert toast(bot) == UNKNOWN_TOAST
    assert rows(staff_settings, "SELECT * FROM events") == []
    assert [r["user_id"] for r in rows(staff_settings, "SELECT user_id FROM awaiting")] == [STAFF]


async def test_typed_text_goes_to_the_wizard_before_an_open_survey_then_back_to_it(
    bot: Bot, staff_settings: Settings
) -> None:
    staff = bot.user(STAFF)
    await consent(staff, "bpjs")
    await staff.tap("25–34 tahun")  # the survey now asks where one works, typed or tapped
    await staff.send("/buatacara")
    await staff.send("Kota Kupang")  # the wizard's title, not the survey's answer
    assert "langkah 2 dari 12" in staff.text
    await staff.tap("✖️ Batal")
    await staff.send("Kota Kupang")  # the wizard is over: this answers the survey
    await staff.tap("Kota Kupang")
    assert answers(staff_settings, STAFF).get("wilayah_kerja") == "53.71"
    assert rows(staff_settings, "SELECT * FROM events") == []


def test_times_are_in_the_zone_of_the_region() -> None:
    for region, utc_hour in (("31.71", 2), ("53.71", 1), ("91.71", 0)):  # WIB, WITA, WIT
        wizard = Wizard(queue=[Step.STARTS], values={"region": region})
        assert wizard.typed("15/12/2026 09.00", NOW) is None
        assert wizard.aware(wizard.local("starts")) == datetime(2026, 12, 15, utc_hour, tzinfo=UTC)
    # 17.00 WIT on 1 December is 08.00 UTC, NOW itself: a start must be in the future.
    wizard = Wizard(queue=[Step.STARTS], values={"region": "91.71"})
    assert wizard.typed("01/12/2026 17.00", NOW) == Refused(Problem.IN_PAST)
    assert wizard.typed("01/12/2026 17.01", NOW) is None


async def test_in_english_and_asked_again_where_one_was(bot: Bot, staff_settings: Settings) -> None:
    staff = bot.user(STAFF, "en")
    await staff.send("/newevent")
    assert staff.text == (
        "New event, step 1 of 12\n\nType the event's title in Indonesian (at most 150 characters)."
    )
    await staff.send("Dialog UMKM")
    await staff.send("/newevent")  # a second start resumes the one in progress
    assert staff.text.startswith(
        "You have an event in progress; here is where you were.\n\nNew event, step 2 of 12"
    )
    await staff.send("MSME dialogue")
    assert staff.buttons() == ["Dialogue", "Workshop", "Training", "✖️ Cancel"]
    assert step_of(staff_settings) == Step.KIND


async def test_someone_no_longer_staff_cannot_go_on(bot: Bot, staff_settings: Settings) -> None:
    editor = bot.user(STAFF + 5)
    await bot.services.db.write(
        (
            "INSERT INTO staff (user_id, role, added_at) VALUES (?, 'editor', ?)",
            (editor.id, "2026-12-01T00:00:00+00:00"),
        )
    )
    await bot.services.staff.load()
    await editor.send("/buatacara")
    await editor.send("Judul")
    screen = copy.deepcopy(editor.last)
    await bot.services.db.write(("DELETE FROM staff WHERE user_id = ?", (editor.id,)))
    await bot.services.staff.load()
    await editor.tap("Lewati", screen)
    assert toast(bot) == UNKNOWN_TOAST
    await editor.send("Title")
    assert editor.text == "Pembuatan acara dihentikan."
    assert rows(staff_settings, "SELECT * FROM awaiting") == []
    assert rows(staff_settings, "SELECT * FROM events") == []


async def test_help_names_the_staff_commands_to_staff_only(bot: Bot) -> None:
    staff, visitor = bot.user(STAFF), bot.user(VISITOR)
    for person in (staff, visitor):
        await person.send("/bantuan")
    # Other staff commands (/siaran, /umumkan) follow these.
    assert (
        "Untuk staf\n/buatacara buat acara baru, langkah demi langkah\n"
        "/kelolaacara kelola acara: peserta, perubahan, pembatalan\n" in staff.text
    )
    assert "/buatacara" not in visitor.text and "staf" not in visitor.text
