"""/umumkan: staff compose an announcement in the chat (their own message is the content),
choose who receives it, see how many, how long and a preview (a copy), and confirm it, now or
at a time in their own zone. Each kind of audience is compared, person by person, with the
delivery rows the broadcast wrote; the database is set up as an auditor would read it."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.core.audience import Audience, Kind, describe, duration, eta
from bot.services.people import (
    ANNOUNCEMENTS_CONSENT_VERSION,
    ANNOUNCEMENTS_PURPOSE,
    EVENTS_PURPOSE,
    SURVEY_PURPOSE,
)
from bot.testing import harness
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.harness import Bot, FakeUser, running_bot
from handlers.buttons import AnnounceEvent, ComposeAction, ComposeSummary
from tests.helpers import clock_at, no_refusals, rows
from tests.test_events_chat import store

# 1 December 2026, 16.00 WITA.
NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)
STAFF, VISITOR = 900, 901
NO_LONGER_ACTIVE = "Tombol ini sudah tidak berlaku."


@pytest.fixture
def staff_settings(tmp_path: Path) -> Settings:
    # Staff without a region of their own see times in the bot's zone: WITA here. Quiet hours
    # as deployed (the harness turns them off): the summary tells them.
    return harness.test_settings(
        tmp_path, admin_ids=frozenset({STAFF}), timezone="Asia/Makassar", quiet_hours="21-6"
    )


@pytest.fixture
async def bot(staff_settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(staff_settings, clock=clock_at(NOW)) as running:
        yield running
        no_refusals(running)


def toast(bot: Bot) -> str | None:
    return bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")


# -- the database as an auditor sets it up -----------------------------------------------------


async def write(bot: Bot, sql: str, params: Iterable[tuple[Any, ...]]) -> None:
    batch = list(params)
    await bot.services.db.transact(lambda conn: conn.executemany(sql, batch))


async def users(bot: Bot, *ids: int) -> None:
    await write(
        bot,
        "INSERT OR IGNORE INTO users (id, locale, created_at, updated_at) "
        "VALUES (?, 'id', 'x', 'x')",
        ((i,) for i in ids),
    )


async def consents(bot: Bot, purpose: str, *ids: int, withdrawn: bool = False) -> None:
    await users(bot, *ids)
    await write(
        bot,
        "INSERT INTO consents (user_id, purpose, version, granted_at, withdrawn_at) "
        "VALUES (?, ?, '1', 'x', ?)",
        ((i, purpose, "y" if withdrawn else None) for i in ids),
    )


async def subscribe(
    bot: Bot, person: int, topics: list[str], places: list[str], *, withdrawn: bool = False
) -> None:
    await consents(bot, ANNOUNCEMENTS_PURPOSE, person, withdrawn=withdrawn)
    await write(
        bot,
        "INSERT INTO subscriptions (user_id, topics, regions, created_at, updated_at) "
        "VALUES (?, ?, ?, 'x', 'x')",
        [(person, json.dumps(topics), json.dumps(places))],
    )


async def unreachable(bot: Bot, *ids: int) -> None:
    await write(
        bot,
        "INSERT INTO unreachable (person, since, reason) VALUES (?, 'x', 'blocked')",
        ((i,) for i in ids),
    )


async def registration(bot: Bot, event_id: int, person: int, status: str) -> None:
    await write(
        bot,
        "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at) "
        "VALUES (?, ?, ?, 'x', 'x')",
        [(event_id, person, status)],
    )


async def response(bot: Bot, person: int, survey: str, status: str) -> None:
    await write(
        bot,
        "INSERT INTO responses (user_id, survey_id, survey_version, status, cursor, "
        "started_at, updated_at) VALUES (?, ?, 1, ?, 'q1', 'x', 'x')",
        [(person, survey, status)],
    )


def event_id(settings: Settings, slug: str) -> int:
    return int(rows(settings, "SELECT id FROM events WHERE slug = ?", (slug,))[0]["id"])


def recipients(settings: Settings, broadcast_id: int) -> set[int]:
    found = rows(settings, "SELECT person FROM deliveries WHERE broadcast_id = ?", (broadcast_id,))
    return {r["person"] for r in found}


def broadcasts(settings: Settings) -> list[dict[str, Any]]:
    return [dict(r) for r in rows(settings, "SELECT * FROM broadcasts ORDER BY id")]


# -- staff in the chat -------------------------------------------------------------------------


async def content(bot: Bot, staff: FakeUser, text: str = "Lokakarya HAKI di Kupang") -> int:
    """Staff send their announcement as a normal message; the fake Telegram keeps it so
    copyMessage can copy it, as the real one does. Returns its message id."""
    update = staff.message_update(text)
    message = update["message"]
    bot.telegram.originals[(staff.id, message["message_id"])] = {
        "message_id": message["message_id"],
        "text": text,
    }
    await staff.deliver(update)
    return int(message["message_id"])


async def compose(bot: Bot, staff: FakeUser, *path: str, text: str = "Lokakarya HAKI") -> int:
    """/umumkan, the content, then the audience buttons in `path`: on the summary."""
    await staff.send("/umumkan")
    source = await content(bot, staff, text)
    for label in path:
        await staff.tap(label)
    return source


async def confirm(staff: FakeUser, label: str = "✅ Kirim sekarang") -> str:
    """Tap the summary's confirm button; what that summary says then (the progress message
    follows it, below)."""
    summary = staff.last
    await staff.tap(label, summary)
    return str(staff.telegram.chat(staff.id).messages[summary["message_id"]]["text"])


async def population(bot: Bot) -> dict[str, int]:
    """Subscribers, registrants and respondents, each one placed to be in or out of one
    kind of audience for one reason."""
    await store(bot)
    settings = bot.services.settings
    haki = event_id(settings, "haki-kupang-2026-12")
    other = event_id(settings, "sertifikasi-jogja-2027-01")
    await subscribe(bot, 1, ["events"], [])  # all of Indonesia
    await subscribe(bot, 2, ["events"], ["53.71"])  # Kota Kupang
    await subscribe(bot, 3, ["surveys"], ["31"])  # DKI Jakarta
    await subscribe(bot, 4, ["bpjs"], ["53"])  # Nusa Tenggara Timur, whole
    await subscribe(bot, 5, ["events"], [], withdrawn=True)  # a half-done withdrawal
    await subscribe(bot, 6, ["events"], [])
    await unreachable(bot, 6)  # blocked the bot
    await subscribe(bot, 7, [], [])  # agreed, chose no topic yet
    await subscribe(bot, 8, ["events"], ["53.02"])  # Timor Tengah Selatan: not Kota Kupang

    await consents(bot, EVENTS_PURPOSE, 21, 22, 23, 25, 26)
    await consents(bot, EVENTS_PURPOSE, 24, withdrawn=True)
    await registration(bot, haki, 21, "confirmed")
    await registration(bot, haki, 22, "waiting")
    await registration(bot, haki, 23, "cancelled")
    await registration(bot, haki, 24, "confirmed")  # withdrew the events consent
    await registration(bot, haki, 25, "confirmed")
    await unreachable(bot, 25)
    await registration(bot, other, 26, "confirmed")  # another event

    await consents(bot, SURVEY_PURPOSE, 31, 32, 33, 34, 35, 37)
    await consents(bot, SURVEY_PURPOSE, 36, withdrawn=True)
    await response(bot, 31, "bpjs", "submitted")
    await response(bot, 32, "bpjs", "in_progress")
    await response(bot, 33, "bpjs", "expired")
    await response(bot, 34, "bpjs", "cancelled")  # stopped it themselves
    await response(bot, 35, "bpjs", "expired")
    await response(bot, 35, "bpjs", "submitted")  # came back and finished
    await response(bot, 36, "bpjs", "submitted")  # withdrew the survey consent
    await response(bot, 37, "pelatihan", "submitted")  # another survey
    return {"haki": haki}


# -- the audience, kind by kind ----------------------------------------------------------------


AUDIENCES = [
    (["👥 Semua pelanggan"], "Semua pelanggan", {1, 2, 3, 4, 8}, {"kind": "all"}),
    (
        ["🏷 Pelanggan suatu topik", "Lokakarya dan acara"],
        "Pelanggan topik “Lokakarya dan acara”",
        {1, 2, 8},
        {"kind": "topic", "topic": "events"},
    ),
    (
        ["📍 Pelanggan di suatu wilayah", "Nusa Tenggara Timur", "Kota Kupang"],
        "Pelanggan di Kota Kupang",
        {1, 2, 4},
        {"kind": "region", "region": "53.71"},
    ),
    (
        ["📍 Pelanggan di suatu wilayah", "Nusa Tenggara Timur", "Seluruh Nusa Tenggara Timur"],
        "Pelanggan di Nusa Tenggara Timur",
        {1, 2, 4, 8},
        {"kind": "region", "region": "53"},
    ),
    (
        ["🎟 Pendaftar suatu acara", "Lokakarya Pendaftaran Merek"],
        "Pendaftar yang mendapat kursi di “Lokakarya Pendaftaran Merek dan HAKI untuk UMKM”",
        {21},
        {"kind": "event", "event_id": "haki"},
    ),
    (
        ["📋 Responden suatu survei", "BPJS"],
        "Orang yang telah menyelesaikan survei",
        {31, 35},
        {"kind": "survey", "survey_id": "bpjs"},
    ),
    (
        ["⏳ Memulai survei, belum selesai", "BPJS"],
        "Orang yang memulai survei",
        {32, 33},
        {"kind": "unfinished", "survey_id": "bpjs"},
    ),
]


@pytest.mark.parametrize(("path", "words", "expected", "stored"), AUDIENCES)
async def test_each_audience_reaches_exactly_its_people(
    bot: Bot,
    staff_settings: Settings,
    path: list[str],
    words: str,
    expected: set[int],
    stored: dict[str, Any],
) -> None:
    ids = await population(bot)
    staff = bot.user(STAFF)
    await compose(bot, staff, *path)
    assert f"👥 {words}" in staff.text
    assert f"🔢 Penerima: {len(expected)} orang" in staff.text
    assert await confirm(staff) == f"✅ Dikonfirmasi: dikirim ke {len(expected)} orang."
    (made,) = broadcasts(staff_settings)
    assert recipients(staff_settings, made["id"]) == expected
    audience = json.loads(made["audience"])
    assert audience.pop("draft") > 0
    assert audience == {k: ids.get(v, v) if k == "event_id" else v for k, v in stored.items()}
    assert (made["created_by"], made["locale"], made["quiet_hours"]) == (STAFF, "id", 1)
    assert made["scheduled_at"] is None
    # Everyone chosen gets a copy of the staff member's message, and nobody else does.
    await bot.services.sender.idle()
    copied = {c.params["chat_id"] for c in bot.telegram.calls_to("copyMessage")}
    assert copied - {STAFF} == expected
    assert rows(staff_settings, "SELECT * FROM awaiting") == []


# -- the summary -------------------------------------------------------------------------------


async def many_subscribers(bot: Bot, count: int) -> None:
    ids = range(10_000, 10_000 + count)
    await users(bot, *ids)
    await write(
        bot,
        "INSERT INTO consents (user_id, purpose, version, granted_at) VALUES (?, ?, ?, 'x')",
        ((i, ANNOUNCEMENTS_PURPOSE, ANNOUNCEMENTS_CONSENT_VERSION) for i in ids),
    )
    await write(
        bot,
        "INSERT INTO subscriptions (user_id, topics, regions, created_at, updated_at) "
        "VALUES (?, '[\"events\"]', '[]', 'x', 'x')",
        ((i,) for i in ids),
    )


async def test_the_summary_says_who_how_many_how_long_and_shows_a_copy(
    bot: Bot, staff_settings: Settings
) -> None:
    await many_subscribers(bot, 3000)
    staff = bot.user(STAFF)
    await staff.send("/umumkan")
    assert staff.text.startswith("📣 Pengumuman baru\n\nSilakan kirim pengumuman sebagai satu")
    assert staff.buttons() == ["✖️ Batal"]
    source = await content(bot, staff, "Pelatihan <b>gratis</b> minggu depan")
    assert staff.text == "Siapa yang akan menerimanya?"
    assert staff.buttons() == [
        "👥 Semua pelanggan",
        "🏷 Pelanggan suatu topik",
        "📍 Pelanggan di suatu wilayah",
        "🎟 Pendaftar suatu acara",
        "📋 Responden suatu survei",
        "⏳ Memulai survei, belum selesai",
        "✖️ Batal",
    ]
    menu = staff.last
    await staff.tap("👥 Semua pelanggan")
    # The menu keeps the choice as a line; then the preview, then the summary.
    assert staff.telegram.chat(STAFF).messages[menu["message_id"]]["text"] == ("👥 Semua pelanggan")
    preview, summary = staff.messages[-2:]
    assert preview["copied_from"] == (STAFF, source)
    assert preview["text"] == "Pelatihan <b>gratis</b> minggu depan"
    # With the way-out button every copy carries, as recipients see it.
    assert staff.buttons(preview) == ["🔕 Berhenti terima pengumuman"]
    assert summary["text"] == (
        "📣 Siap diumumkan\n\n"
        "👥 Semua pelanggan\n"
        "🔢 Penerima: 3.000 orang\n"
        # 3,000 at 28 a second: 108 seconds.
        "⏱ Pengiriman memakan waktu sekitar 2 menit dengan kecepatan 28 pesan per detik.\n"
        "🌙 Jam tenang aktif: tidak ada yang menerimanya antara pukul 21.00 dan 06.00 waktu "
        "setempat; mereka menerimanya pagi hari.\n"
        "🕘 Dikirim segera setelah Anda konfirmasi.\n\n"
        "Pesan di atas persis seperti yang akan mereka terima."
    )
    assert staff.buttons() == [
        "✅ Kirim sekarang",
        "🕘 Jadwalkan",
        "⬜ Mendesak: kirim juga malam hari",
        "✏️ Ubah penerima",
        "✖️ Batal",
    ]
    assert broadcasts(staff_settings) == []  # nothing is written before the confirm

    # Urgent is a toggle; changing the recipients lands on the same summary (no second copy).
    await staff.tap("Mendesak: kirim juga malam hari")
    assert "🚨 Mendesak: dikirim juga pada malam hari." in staff.text
    assert "✅ Mendesak: kirim juga malam hari" in staff.buttons()
    await staff.tap("✏️ Ubah penerima")
    await staff.tap("🏷 Pelanggan suatu topik")
    await staff.tap("Survei")
    assert "👥 Pelanggan topik “Survei”" in staff.text
    assert "🔢 Penerima: 0 orang" in staff.text
    assert staff.text.endswith(
        "⚠️ Tidak ada yang cocok dengan penerima ini. Silakan pilih yang lain."
    )
    assert len(bot.telegram.calls_to("copyMessage")) == 1
    await staff.tap("✏️ Ubah penerima")
    await staff.tap("👥 Semua pelanggan")
    assert await confirm(staff) == "✅ Dikonfirmasi: dikirim ke 3.000 orang."
    (made,) = broadcasts(staff_settings)
    assert (made["quiet_hours"], made["from_chat_id"], made["message_id"]) == (0, STAFF, source)
    assert made["fallback_text"] == "Pelatihan <b>gratis</b> minggu depan"


async def test_english(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}), quiet_hours="21-6")
    async with running_bot(settings, clock=clock_at(NOW)) as bot:
        await subscribe(bot, 1, ["bpjs"], [])
        staff = bot.user(STAFF, "en")
        await compose(bot, staff, "🏷 Subscribers to a topic", "BPJS information")
        assert staff.text == (
            "📣 Ready to announce\n\n"
            "👥 Subscribers to “BPJS information”\n"
            "🔢 Recipients: 1 people\n"
            "⏱ Sending takes about 1 second at 28 messages a second.\n"
            "🌙 Quiet hours on: nobody receives it between 21.00 and 06.00 their time; they "
            "get it in the morning.\n"
            "🕘 Sent as soon as you confirm.\n\n"
            "The message above is exactly what they will receive."
        )
        assert staff.buttons() == [
            "✅ Send now",
            "🕘 Schedule",
            "⬜ Urgent: also at night",
            "✏️ Change recipients",
            "✖️ Cancel",
        ]
        await staff.tap("🕘 Schedule")
        assert staff.text == (
            "When should it go out? Type the date and time in WIB, e.g. 02/12/2026 09.00."
        )
        await staff.send("02/12/2026 09.00")
        assert "🕘 Scheduled: Wednesday, 2 December 2026, 09:00 WIB" in staff.text
        assert await confirm(staff, "✅ Confirm the schedule") == (
            "🕘 Scheduled for Wednesday, 2 December 2026, 09:00 WIB: 1 people will receive it."
        )
        no_refusals(bot)


def test_eta_durations_and_stored_audiences() -> None:
    assert eta(0, 28) == timedelta(0)
    assert eta(1, 28) == timedelta(seconds=1)
    assert eta(3000, 28) == timedelta(seconds=108)
    assert eta(1_000_000, 1000) == timedelta(seconds=1000)
    assert duration(timedelta(seconds=108), "id") == "2 menit"
    assert duration(timedelta(hours=9, minutes=55), "id") == "10 jam"
    assert duration(timedelta(0), "en") == "1 second"
    # What is stored reads back; anything else is not an audience.
    for audience in (
        Audience(Kind.ALL),
        Audience(Kind.TOPIC, topic="events", region="53"),
        Audience(Kind.EVENT, event_id=4),
        Audience(Kind.UNFINISHED, survey_id="bpjs"),
    ):
        assert Audience.from_json(json.loads(json.dumps(audience.to_json()))) == audience
    assert Audience.from_json({"kind": "topic", "topic": "weather"}) is None
    assert Audience.from_json({"kind": "region", "region": "99.99"}) is None
    assert Audience.from_json({"kind": "everyone"}) is None
    assert Audience.from_json([]) is None
    assert describe(Audience(Kind.TOPIC, topic="events", region="53.71"), str) == (
        "Subscribers to “Workshops and events” in Kota Kupang"
    )


# -- confirming --------------------------------------------------------------------------------


async def test_a_double_tap_on_confirm_makes_one_broadcast(
    bot: Bot, staff_settings: Settings
) -> None:
    await subscribe(bot, 1, ["events"], [])
    staff = bot.user(STAFF)
    await compose(bot, staff, "👥 Semua pelanggan")
    summary = staff.last
    # Both taps arrive together, as a fast double tap does: the first consumes the draft.
    await bot.deliver(
        staff.tap_update("✅ Kirim sekarang", summary),
        staff.tap_update("✅ Kirim sekarang", summary),
    )
    assert len(broadcasts(staff_settings)) == 1
    assert toast(bot) == NO_LONGER_ACTIVE
    # The same confirm handled again with its draft still stored (as after a crash between
    # writing the broadcast and clearing the draft) finds the broadcast it made.
    made = broadcasts(staff_settings)[0]
    draft = json.loads(made["audience"])["draft"]
    state = {
        "draft": draft,
        "step": "summary",
        "content": [STAFF, made["message_id"], made["fallback_text"]],
        "audience": {"kind": "all"},
    }
    await bot.services.awaiting.expect(STAFF, "announce", state)
    # (Its summary was not edited yet then: the tap comes from a message showing no result.)
    (untouched,) = [m for m in staff.messages if "copied_from" in m]
    tap = ComposeSummary(draft, ComposeAction.SEND).pack()
    await staff.deliver(staff.callback_update(tap, untouched))
    assert len(broadcasts(staff_settings)) == 1
    edited = staff.telegram.chat(STAFF).messages[untouched["message_id"]]
    assert edited["text"] == "✅ Dikonfirmasi: dikirim ke 1 orang."


async def test_nobody_to_tell_is_refused_before_anything_is_written(
    bot: Bot, staff_settings: Settings
) -> None:
    await subscribe(bot, 1, ["events"], [])
    await unreachable(bot, 1)
    staff = bot.user(STAFF)
    await compose(bot, staff, "👥 Semua pelanggan")
    assert "🔢 Penerima: 0 orang" in staff.text
    await staff.tap("✅ Kirim sekarang")
    assert toast(bot) == "Tidak ada yang akan menerimanya. Silakan pilih penerima lain."
    assert broadcasts(staff_settings) == []
    assert rows(staff_settings, "SELECT * FROM broadcast_actions") == []
    # The draft is kept: other recipients can still be chosen.
    await staff.tap("✏️ Ubah penerima")
    assert "👥 Semua pelanggan" in staff.buttons()


async def test_scheduled_in_wita_goes_out_at_that_time_and_not_before(
    bot: Bot, staff_settings: Settings
) -> None:
    await subscribe(bot, 1, ["events"], [])
    staff = bot.user(STAFF)
    await compose(bot, staff, "👥 Semua pelanggan")
    await staff.tap("🕘 Jadwalkan")
    asking = (
        "Kapan pengumuman dikirim? Ketik tanggal dan jam dalam WITA, misalnya 02/12/2026 09.00."
    )
    assert staff.text == asking
    await staff.send("01/12/2026 15.00")  # an hour ago in Makassar
    assert staff.text == ("Waktu itu sudah lewat. Silakan isi waktu yang akan datang.\n\n" + asking)
    await staff.send("besok")
    assert staff.text == ("Silakan tulis tanggal dan jam seperti 15/12/2026 09.00.\n\n" + asking)
    await staff.send("02/12/2026 09.00")
    assert "🕘 Dijadwalkan: Rabu, 2 Desember 2026 pukul 09.00 WITA" in staff.text
    # Changing one's mind: now after all, then the schedule again (◀️ back from asking).
    await staff.tap("⚡ Kirim sekarang saja")
    assert "🕘 Dikirim segera setelah Anda konfirmasi." in staff.text
    await staff.tap("🕘 Jadwalkan")
    await staff.tap("◀️ Kembali")
    assert "✅ Kirim sekarang" in staff.buttons()
    await staff.tap("🕘 Jadwalkan")
    await staff.send("02/12/2026 09.00")
    assert staff.buttons()[:3] == [
        "✅ Konfirmasi jadwal",
        "🕘 Ubah waktu",
        "⚡ Kirim sekarang saja",
    ]
    assert await confirm(staff, "✅ Konfirmasi jadwal") == (
        "🕘 Dijadwalkan Rabu, 2 Desember 2026 pukul 09.00 WITA: 1 orang akan menerimanya."
    )
    (made,) = broadcasts(staff_settings)
    assert made["scheduled_at"] == "2026-12-02T01:00:00.000000+00:00"  # 09.00 WITA

    sender = bot.services.sender

    async def copies_after(moment: datetime) -> int:
        bot.clock.advance(moment - bot.clock.now())
        sender.wake()
        await sender.idle()
        return len(bot.telegram.calls_to("copyMessage", 1))

    assert await copies_after(NOW + timedelta(hours=16, minutes=59)) == 0  # 08.59 WITA
    assert await copies_after(datetime(2026, 12, 2, 1, tzinfo=UTC)) == 1
    assert await copies_after(datetime(2026, 12, 2, 2, tzinfo=UTC)) == 1  # once


async def test_a_time_that_passed_before_the_confirm_is_asked_again(
    bot: Bot, staff_settings: Settings
) -> None:
    await subscribe(bot, 1, ["events"], [])
    staff = bot.user(STAFF)
    await compose(bot, staff, "👥 Semua pelanggan")
    await staff.tap("🕘 Jadwalkan")
    await staff.send("01/12/2026 16.30")  # in half an hour
    bot.clock.advance(timedelta(hours=1))  # the staff member took their time
    await staff.tap("✅ Konfirmasi jadwal")
    assert staff.text.startswith("Waktu itu sudah lewat. Silakan isi waktu yang akan datang.\n\n")
    assert "🕘 Dikirim segera setelah Anda konfirmasi." in staff.text
    assert broadcasts(staff_settings) == []


# -- what the content can be -------------------------------------------------------------------


async def test_a_photo_or_a_document_is_the_content_and_a_sticker_is_not(
    bot: Bot, staff_settings: Settings
) -> None:
    await subscribe(bot, 1, ["events"], [])
    staff = bot.user(STAFF)
    await staff.send("/umumkan")
    await staff.send_other("sticker")
    assert staff.text == (
        "Jenis pesan ini tidak dapat diumumkan. Silakan kirim teks, foto, atau dokumen "
        "(boleh dengan keterangan)."
    )
    # A document while composing is the announcement, not an events file to import.
    update = staff.document_update("jadwal.csv", b"slug,title\n", caption="Jadwal acara")
    document = update["message"]
    bot.telegram.originals[(STAFF, document["message_id"])] = {
        "message_id": document["message_id"],
        "caption": "Jadwal acara",
        "document": document["document"],
    }
    await staff.deliver(update)
    assert staff.text == "Siapa yang akan menerimanya?"
    assert rows(staff_settings, "SELECT * FROM events") == []
    await staff.tap("👥 Semua pelanggan")
    preview = staff.messages[-2]
    assert (preview["caption"], preview["copied_from"]) == (
        "Jadwal acara",
        (STAFF, document["message_id"]),
    )
    await staff.tap("✅ Kirim sekarang")
    (made,) = broadcasts(staff_settings)
    assert (made["message_id"], made["fallback_text"]) == (document["message_id"], "Jadwal acara")

    # A photo with its caption, the same way.
    await staff.send("/umumkan")
    photo = staff.other_update("photo", caption="Foto kegiatan")
    bot.telegram.originals[(STAFF, photo["message"]["message_id"])] = {
        "message_id": photo["message"]["message_id"],
        "caption": "Foto kegiatan",
        "photo": photo["message"]["photo"],
    }
    await staff.deliver(photo)
    await staff.tap("👥 Semua pelanggan")
    assert staff.messages[-2]["caption"] == "Foto kegiatan"


async def test_a_restart_resumes_the_draft(staff_settings: Settings) -> None:
    telegram = FakeTelegram()
    async with running_bot(staff_settings, telegram, clock=clock_at(NOW)) as first:
        await subscribe(first, 1, ["events"], [])
        staff = first.user(STAFF)
        await staff.send("/umumkan")
        no_refusals(first)
    async with running_bot(staff_settings, telegram, clock=clock_at(NOW)) as second:
        staff = second.user(STAFF)
        await content(second, staff)  # taken as the announcement after the restart
        assert staff.text == "Siapa yang akan menerimanya?"
        await staff.tap("👥 Semua pelanggan")
        assert await confirm(staff) == "✅ Dikonfirmasi: dikirim ke 1 orang."
        no_refusals(second)


async def test_cancel_sends_nothing_and_old_buttons_are_no_longer_active(
    bot: Bot, staff_settings: Settings
) -> None:
    await subscribe(bot, 1, ["events"], [])
    staff = bot.user(STAFF)
    await compose(bot, staff, "👥 Semua pelanggan")
    summary = copy.deepcopy(staff.last)
    await staff.tap("✖️ Batal")
    assert staff.text == "Dibatalkan. Tidak ada yang dikirim."
    await staff.tap("✅ Kirim sekarang", summary)
    assert toast(bot) == NO_LONGER_ACTIVE
    # A new draft: the buttons of the one before do not act on it.
    await compose(bot, staff, "👥 Semua pelanggan")
    await staff.tap("✅ Kirim sekarang", summary)
    assert toast(bot) == NO_LONGER_ACTIVE
    assert broadcasts(staff_settings) == []


async def test_only_staff_announce(bot: Bot, staff_settings: Settings) -> None:
    await subscribe(bot, 1, ["events"], [])
    visitor = bot.user(VISITOR)
    await visitor.send("/umumkan")
    assert "/umumkan" not in visitor.text
    await visitor.send("/bantuan")
    assert "/umumkan" not in visitor.text
    await bot.user(STAFF).send("/bantuan")
    assert "\n/umumkan kirim pengumuman ke pelanggan" in bot.user(STAFF).text
    assert rows(staff_settings, "SELECT * FROM awaiting") == []
    # Forged buttons: a staff member's draft number does not help either.
    staff = bot.user(STAFF)
    await compose(bot, staff, "👥 Semua pelanggan")
    draft = json.loads(rows(staff_settings, "SELECT state FROM awaiting")[0]["state"])["draft"]
    for data in (
        ComposeSummary(draft, ComposeAction.SEND).pack(),
        AnnounceEvent(1).pack(),
    ):
        await visitor.deliver(visitor.callback_update(data, staff.last))
        assert toast(bot) == NO_LONGER_ACTIVE
    assert broadcasts(staff_settings) == []


# -- announcing a new event --------------------------------------------------------------------


async def test_publishing_an_event_offers_to_announce_it(
    bot: Bot, staff_settings: Settings
) -> None:
    await subscribe(bot, 1, ["events"], ["53.71"])  # Kota Kupang
    await subscribe(bot, 2, ["events"], ["53.02"])  # elsewhere in the province
    await subscribe(bot, 3, ["bpjs"], ["53.71"])  # another topic
    staff = bot.user(STAFF)
    await staff.send("/buatacara")
    await staff.send("Dialog UMKM Kupang")
    await staff.tap("Lewati")
    await staff.tap("Dialog")
    await staff.send("Kota Kupang")
    await staff.tap("Kota Kupang, Nusa Tenggara Timur")
    await staff.send("Aula Kantor Wali Kota Kupang")
    await staff.send("15/12/2026 09.00")
    await staff.send("12.00")
    await staff.send("50")
    await staff.tap("Saat acara mulai")
    await staff.tap("Lewati")
    await staff.send("Dialog tentang usaha kecil.")
    await staff.tap("Lewati")
    await staff.tap("✅ Terbitkan")
    assert staff.buttons() == ["📣 Umumkan acara ini"]
    published = staff.last
    await staff.tap("📣 Umumkan acara ini")
    assert staff.buttons(staff.telegram.chat(STAFF).messages[published["message_id"]]) == []
    card, summary = staff.messages[-2:]
    # The card the bot sent is the content; the fake Telegram copies what it is told it may.
    bot.telegram.originals[(STAFF, card["message_id"])] = {
        "message_id": card["message_id"],
        "text": card["text"],
    }
    assert card["text"].startswith("Dialog UMKM Kupang\n\n🏷 Dialog\n📍 Kota Kupang, Aula")
    assert card["text"].endswith("Daftar lewat /acara.")
    assert "👥 Pelanggan topik “Lokakarya dan acara” di Kota Kupang" in summary["text"]
    assert "🔢 Penerima: 1 orang" in summary["text"]
    await staff.tap("✅ Kirim sekarang")
    (made,) = broadcasts(staff_settings)
    assert made["message_id"] == card["message_id"]
    assert recipients(staff_settings, made["id"]) == {1}
    await bot.services.sender.idle()
    (copy,) = bot.telegram.calls_to("copyMessage", 1)
    assert copy.params["message_id"] == card["message_id"]


async def test_an_event_half_made_is_not_dropped_for_an_announcement(
    bot: Bot, staff_settings: Settings
) -> None:
    staff = bot.user(STAFF)
    await staff.send("/buatacara")
    await staff.send("Dialog UMKM Kupang")
    await staff.send("/umumkan")
    assert staff.text == (
        "Anda sedang membuat acara. Ketik /buatacara untuk menyelesaikannya, atau ketuk "
        "✖️ Batal di sana, lalu ketik /umumkan lagi."
    )
    (kept,) = rows(staff_settings, "SELECT feature, state FROM awaiting")
    assert kept["feature"] == "event_wizard" and "Dialog UMKM Kupang" in kept["state"]


async def test_the_summary_says_where_it_is_night_when_it_goes_out(
    staff_settings: Settings,
) -> None:
    """At 20.30 WIB it is 21.30 in WITA and 22.30 in WIT: the staff member is told that people
    there get it in their morning; the urgent toggle drops the line."""
    evening = datetime(2026, 12, 1, 13, 30, tzinfo=UTC)
    async with running_bot(staff_settings, clock=clock_at(evening)) as bot:
        await many_subscribers(bot, 10)
        staff = bot.user(STAFF)
        await compose(bot, staff, "👥 Semua pelanggan")
        night = (
            "🌙 Saat itu sudah malam di WITA, WIT: penerima di sana mendapatkannya mulai pukul "
            "06.00 waktu setempat."
        )
        assert night in staff.text.split("\n")
        await staff.tap("⬜ Mendesak: kirim juga malam hari")
        assert "Saat itu sudah malam" not in staff.text
        no_refusals(bot)
