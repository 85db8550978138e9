"""Registering for events (Daftar), its own consent, the waiting list, /acarasaya, cancelling
and promotion, through the real Application on a fake Telegram; the database is read as an
auditor would."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.events.rules import seat_for
from bot.services.clock import Clock
from bot.services.events import Outcome
from bot.services.people import EVENTS_CONSENT_VERSION, EVENTS_PURPOSE
from bot.testing import harness
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.harness import Bot, FakeUser, running_bot
from handlers.buttons import ConfirmCancel, Register
from tests.helpers import clock_at, no_refusals, rows
from tests.test_durability import _hold_writer
from tests.test_events_chat import NOW, store

HAKI = "haki-kupang-2026-12"  # 60 seats; registration closes 14 Dec 17.00 WITA (09.00 UTC)


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(settings, clock=clock_at(NOW)) as running:
        yield running
        no_refusals(running)


async def event_id(bot: Bot, slug: str = HAKI) -> int:
    event = await bot.services.events.catalog.by_slug(slug)
    assert event is not None and event.id is not None
    return event.id


async def set_capacity(bot: Bot, capacity: int | None, slug: str = HAKI) -> None:
    await bot.services.db.write(("UPDATE events SET capacity = ? WHERE slug = ?", (capacity, slug)))


async def open_haki(user: FakeUser) -> None:
    await user.send("/acara")
    await user.tap("Lokakarya Pendaftaran" if user.language_code == "id" else "Trademark and IP")


async def daftar(user: FakeUser) -> None:
    """Open the HAKI workshop from /acara and tap Daftar (agreeing to the notice if asked)."""
    await open_haki(user)
    await user.tap("📝 Daftar" if user.language_code == "id" else "📝 Register")
    agree = (
        "Setuju, saya 18 tahun ke atas"
        if user.language_code == "id"
        else "I agree, I am 18 or over"
    )
    if agree in user.buttons():
        await user.tap(agree)


def said(user: FakeUser) -> str:
    """The bot's latest text message to the person: a confirmed seat's ticket (a calendar
    file and a QR code) comes after the confirmation."""
    return str(
        max((m for m in user.messages if "text" in m), key=lambda m: m["message_id"])["text"]
    )


def registrations(settings: Settings) -> list[tuple[int, str]]:
    found = rows(settings, "SELECT user_id, status FROM registrations ORDER BY created_at, id")
    return [(r["user_id"], r["status"]) for r in found]


def test_a_seat_while_fewer_than_capacity_are_confirmed() -> None:
    assert seat_for(0, 1) == "confirmed"
    assert seat_for(9, 10) == "confirmed"
    assert seat_for(10, 10) == "waiting"
    assert seat_for(10_000, None) == "confirmed"


async def test_first_daftar_asks_its_own_consent_and_stores_nothing_before(
    bot: Bot, settings: Settings
) -> None:
    await store(bot)
    user = bot.user(501)
    await open_haki(user)
    assert user.buttons() == ["📝 Daftar", "◀️ Kembali"]
    await user.tap("📝 Daftar")
    assert user.text.startswith("Pendaftaran acara: tentang data Anda")
    assert "dihapus 2 tahun setelah acara selesai" in user.text
    assert user.buttons() == [
        "Setuju, saya 18 tahun ke atas",
        "Saya di bawah 18 tahun",
        "Tidak setuju",
    ]
    assert rows(settings, "SELECT * FROM users") == []
    await user.tap("Tidak setuju")
    assert user.text.startswith("Tidak ada yang disimpan.")
    assert rows(settings, "SELECT * FROM users") == []
    assert rows(settings, "SELECT * FROM registrations") == []

    await user.tap("📝 Daftar", user.messages[-2])  # the details message is still there
    await user.tap("Setuju")
    assert said(user) == (
        "✅ Anda terdaftar di “Lokakarya Pendaftaran Merek dan HAKI untuk UMKM”. "
        "Lihat acara Anda dengan /acarasaya."
    )
    consents = rows(settings, "SELECT user_id, purpose, version, granted_at FROM consents")
    assert [(c["user_id"], c["purpose"], c["version"]) for c in consents] == [
        (501, EVENTS_PURPOSE, EVENTS_CONSENT_VERSION)
    ]
    assert consents[0]["granted_at"]
    assert registrations(settings) == [(501, "confirmed")]
    # The events consent is not a survey consent: /survei still asks for the survey notice.
    assert not await bot.services.people.has_consented(501)

    # Asked once: the next Daftar registers straight away, and twice is told so.
    await open_haki(user)
    await user.tap("📝 Daftar")
    assert user.text == (
        "Anda sudah terdaftar di “Lokakarya Pendaftaran Merek dan HAKI untuk UMKM”."
    )
    assert registrations(settings) == [(501, "confirmed")]


async def test_a_full_event_puts_people_on_the_waiting_list_with_their_place(
    bot: Bot, settings: Settings
) -> None:
    await store(bot)
    await set_capacity(bot, 1)
    await daftar(bot.user(511))
    for n, person in enumerate((512, 513), start=1):
        user = bot.user(person)
        await daftar(user)
        assert user.text.startswith(
            f"Acara ini sudah penuh. Anda berada di daftar tunggu nomor {n} "
        )
    await daftar(bot.user(513))
    assert bot.user(513).text.startswith("Anda sudah di daftar tunggu “Lokakarya")
    english = bot.user(514, "en")
    await daftar(english)
    assert english.text == (
        "This event is full. You are number 3 on the waiting list for “Trademark and IP "
        "registration workshop for MSMEs”. We will tell you if a seat frees up."
    )
    assert registrations(settings) == [
        (511, "confirmed"),
        (512, "waiting"),
        (513, "waiting"),
        (514, "waiting"),
    ]


async def test_after_the_deadline_a_past_or_cancelled_event_registration_is_closed(
    bot: Bot, settings: Settings
) -> None:
    await store(bot)
    user = bot.user(521)
    await open_haki(user)
    details = user.last
    await bot.services.people.consent(521, "id", EVENTS_PURPOSE)
    # 14 December 18.00 WITA: after the deadline, before the start.
    bot.clock.advance(datetime(2026, 12, 14, 10, tzinfo=UTC) - bot.clock.now())
    await user.tap("📝 Daftar", details)
    assert user.text == (
        "Pendaftaran acara ini sudah ditutup pada Senin, 14 Desember 2026 pukul 17.00 WITA."
    )
    await user.send("/acara")
    await user.tap("Lokakarya Pendaftaran")
    assert user.buttons() == ["◀️ Kembali"]  # no Daftar once registration has closed
    bot.clock.advance(timedelta(days=1))  # begun
    await user.tap("📝 Daftar", details)
    assert user.text == "Acara ini sudah dimulai, jadi pendaftaran sudah ditutup."
    await bot.services.db.write(("UPDATE events SET status = 'cancelled' WHERE slug = ?", (HAKI,)))
    await user.tap("📝 Daftar", details)
    assert user.text == "Acara ini dibatalkan, jadi pendaftaran ditutup."
    assert rows(settings, "SELECT * FROM registrations") == []
    for data in (Register(999_999).pack(), "evr:x", "evr:"):
        await user.deliver(user.callback_update(data, details))
        answer = bot.telegram.calls_to("answerCallbackQuery")[-1].params
        assert answer.get("text") == "Tombol ini sudah tidak berlaku.", data


async def test_200_people_for_the_last_10_seats_at_once(bot: Bot, settings: Settings) -> None:
    await store(bot)
    event = await event_id(bot)
    await set_capacity(bot, 15)
    for person in range(600, 605):  # five seats already taken
        await bot.services.people.consent(person, "id", EVENTS_PURPOSE)
        await bot.services.events.register(person, event)
    people = [bot.user(1000 + i) for i in range(200)]
    for user in people:
        await bot.services.people.consent(user.id, "id", EVENTS_PURPOSE)
    # One batch, as one getUpdates page brings it: every tap arrives at the same moment.
    await bot.deliver(
        *[u.callback_update(Register(event).pack(), u._message(text="x")) for u in people]
    )
    found = rows(
        settings,
        "SELECT user_id, status FROM registrations WHERE event_id = ? AND user_id >= 1000 "
        "ORDER BY created_at, id",
        (event,),
    )
    statuses = [r["status"] for r in found]
    assert statuses.count("confirmed") == 10 and statuses.count("waiting") == 190
    # In arrival order: the first ten taps got the seats, the rest wait in the order they came.
    assert [(r["user_id"], r["status"]) for r in found] == [
        (1000 + i, "confirmed" if i < 10 else "waiting") for i in range(200)
    ]
    total = rows(
        settings,
        "SELECT COUNT(*) AS n FROM registrations WHERE event_id = ? AND status = 'confirmed'",
        (event,),
    )
    assert total[0]["n"] == 15
    assert said(people[9]).startswith("✅ Anda terdaftar")
    assert people[10].text.startswith(
        "Acara ini sudah penuh. Anda berada di daftar tunggu nomor 1 "
    )
    assert people[199].text.startswith(
        "Acara ini sudah penuh. Anda berada di daftar tunggu nomor 190 "
    )


async def fire_due(bot: Bot) -> None:
    await bot.services.scheduler.run_due()
    await bot.services.intake.idle()


async def test_acarasaya_lists_places_and_cancelling_moves_the_first_waiting_in(
    bot: Bot, settings: Settings
) -> None:
    await store(bot)
    await set_capacity(bot, 1)
    first, second, third = bot.user(531), bot.user(532, "en"), bot.user(533)
    for user in (first, second, third):
        await daftar(user)
    await first.send("/acarasaya")
    assert first.text.split("\n") == [
        "Acara Anda",
        "",
        "Lokakarya Pendaftaran Merek dan HAKI untuk UMKM",
        "🗓 Selasa, 15 Desember 2026 pukul 09.00 WITA",
        "✅ Terdaftar",
        "",
        "🎫 mengirim ulang kode QR masuk dan berkas kalender Anda.",
        "",
        "Untuk membatalkan pendaftaran, ketuk acaranya di bawah.",
    ]
    assert first.buttons() == [
        "🎫 15 Des · Lokakarya Pendaftaran Merek dan HAK…",
        "❌ 15 Des · Lokakarya Pendaftaran Merek dan HAK…",
    ]
    await third.send("/acarasaya")
    assert "⏳ Daftar tunggu nomor 2" in third.text

    # Cancelling asks first; "no" keeps the place.
    await first.tap("❌ 15 Des · Lokakarya Pendaftaran Merek dan HAK…")
    assert (
        first.text
        == "Batalkan pendaftaran Anda di “Lokakarya Pendaftaran Merek dan HAKI untuk UMKM”?"
    )
    asking = first.last
    await first.tap("Tidak, simpan")
    assert (
        first.text
        == "Pendaftaran Anda di “Lokakarya Pendaftaran Merek dan HAKI untuk UMKM” tetap berlaku."
    )
    assert registrations(settings)[0] == (531, "confirmed")

    await first.deliver(
        first.callback_update(ConfirmCancel(await event_id(bot), True).pack(), asking)
    )
    assert (
        first.text
        == "Pendaftaran Anda di “Lokakarya Pendaftaran Merek dan HAKI untuk UMKM” sudah dibatalkan."
    )
    # The seat went to the first one waiting in the same transaction, and the third moved up.
    assert registrations(settings) == [(531, "cancelled"), (532, "confirmed"), (533, "waiting")]
    await third.send("/acarasaya")
    assert "⏳ Daftar tunggu nomor 1" in third.text
    # The promoted person is told through their own queue, in their language, once.
    await fire_due(bot)
    told = [
        m["text"]
        for m in bot.telegram.bot_messages(532)
        if m.get("text", "").startswith("Good news")
    ]
    assert told == [
        "Good news: a seat has freed up, and you are now registered for “Trademark and IP "
        "registration workshop for MSMEs” (Tuesday, 15 December 2026, 09:00 WITA). "
        "See your events with /acarasaya."
    ]
    await fire_due(bot)
    assert (
        len([m for m in bot.telegram.bot_messages(532) if m.get("text", "").startswith("Good")])
        == 1
    )
    assert rows(settings, "SELECT * FROM jobs") == []

    # Cancelling again (an old button) says there is nothing to cancel; nobody else moves.
    await first.deliver(
        first.callback_update(ConfirmCancel(await event_id(bot), True).pack(), asking)
    )
    assert first.text.startswith("Anda tidak terdaftar di “Lokakarya")
    await first.send("/acarasaya")
    assert first.text == "Anda belum terdaftar di acara mana pun. Cari acara dengan /acara."
    # A waiting place cancelled frees no seat: nobody is promoted.
    await third.send("/acarasaya")
    await third.tap("❌ 15 Des · Lokakarya Pendaftaran Merek dan HAK…")
    await third.tap("Ya, batalkan")
    assert registrations(settings) == [(531, "cancelled"), (532, "confirmed"), (533, "cancelled")]
    await fire_due(bot)
    assert not [
        m for m in bot.telegram.bot_messages(533) if m.get("text", "").startswith("Kabar baik")
    ]


async def test_dataku_shows_registrations_and_hapusdata_removes_them(
    bot: Bot, settings: Settings
) -> None:
    await store(bot)
    await set_capacity(bot, 1)
    seated, waiting, next_in_line = bot.user(541), bot.user(542), bot.user(543)
    for user in (seated, waiting, next_in_line):
        await daftar(user)
    await seated.send("/dataku")
    assert "Pendaftaran acara\n• Lokakarya Pendaftaran Merek dan HAKI untuk UMKM (Selasa, " in (
        seated.text
    )
    assert seated.text.split("\n")[-3].endswith("WITA): ✅ Terdaftar")
    await next_in_line.send("/dataku")
    assert next_in_line.text.split("\n")[-3].endswith("WITA): ⏳ Daftar tunggu nomor 2")

    # Erasing a seat frees it for the first one waiting, who is told; the rest goes with them.
    await seated.send("/hapusdata")
    await seated.tap("Ya, hapus semua")
    assert registrations(settings) == [(542, "confirmed"), (543, "waiting")]
    assert rows(settings, "SELECT * FROM consents WHERE user_id = 541") == []
    await fire_due(bot)
    assert [m for m in bot.telegram.bot_messages(542) if m.get("text", "").startswith("Kabar baik")]
    await next_in_line.send("/hapusdata")
    await next_in_line.tap("Ya, hapus semua")
    assert registrations(settings) == [(542, "confirmed")]
    await next_in_line.send("/dataku")
    assert next_in_line.text == "Kami tidak menyimpan data apa pun tentang Anda."


async def test_housekeeping_deletes_registrations_of_events_long_over(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, retention_days=30)
    clock = Clock()
    clock.advance(NOW - clock.now())
    async with running_bot(settings, clock=clock) as bot:
        assert bot.app.job_queue is not None
        (housekeeping,) = bot.app.job_queue.get_jobs_by_name("housekeeping")
        await store(bot)
        haki, jogja = await event_id(bot), await event_id(bot, "sertifikasi-jogja-2027-01")
        for person, event in ((551, haki), (552, jogja)):
            await bot.services.people.consent(person, "id", EVENTS_PURPOSE)
            await bot.services.events.register(person, event)
        # The HAKI workshop ends 15 December 12.00 WITA (04.00 UTC); 29 days on, all stay.
        clock.advance(datetime(2027, 1, 13, 4, tzinfo=UTC) - clock.now())
        await housekeeping.run(bot.app)
        assert len(registrations(settings)) == 2
        clock.advance(timedelta(days=1, hours=1))  # more than 30 days after it ended
        await housekeeping.run(bot.app)
        assert registrations(settings) == [(552, "confirmed")]  # Jogja is still to come
        assert len(rows(settings, "SELECT * FROM users")) == 2  # the people themselves stay


async def test_acarasaya_is_in_the_command_menu_and_in_help(bot: Bot) -> None:
    default = {c["command"]: c["description"] for c in bot.telegram.commands[None]}
    english = {c["command"]: c["description"] for c in bot.telegram.commands["en"]}
    assert default["acarasaya"] == "lihat acara yang Anda ikuti"
    assert english["acarasaya"] == "see your events"
    user = bot.user(561)
    await user.send("/bantuan")
    assert "/acarasaya lihat acara yang Anda ikuti" in user.text
    await user.send("/myevents")
    assert user.text == "Anda belum terdaftar di acara mana pun. Cari acara dengan /acara."


async def test_a_promotion_notice_survives_a_restart_and_comes_once(settings: Settings) -> None:
    telegram = FakeTelegram()
    clock = Clock()
    clock.advance(NOW - clock.now())
    async with running_bot(settings, telegram, clock) as bot:
        await store(bot)
        await set_capacity(bot, 1)
        first, second = bot.user(571), bot.user(572)
        await daftar(first)
        await daftar(second)
        # The scheduler stops first, so the bot stops with the notice scheduled and not sent.
        await bot.services.scheduler.stop()
        await first.send("/acarasaya")
        await first.tap("❌ 15 Des · Lokakarya Pendaftaran Merek dan HAK…")
        await first.tap("Ya, batalkan")
        assert len(rows(settings, "SELECT * FROM jobs WHERE person = 572")) == 1
    assert not [m for m in telegram.bot_messages(572) if m.get("text", "").startswith("Kabar baik")]
    async with running_bot(settings, telegram, clock) as bot:
        await fire_due(bot)
        await bot.user(572).send("/acarasaya")
        assert "✅ Terdaftar" in bot.user(572).text
    told = [m for m in telegram.bot_messages(572) if m.get("text", "").startswith("Kabar baik")]
    assert len(told) == 1
    assert rows(settings, "SELECT * FROM jobs") == []


async def test_the_notice_in_english_and_already_registered_after_the_deadline(
    bot: Bot, settings: Settings
) -> None:
    await store(bot)
    user = bot.user(581, "en")
    await open_haki(user)
    details = user.last
    await user.tap("📝 Register")
    assert user.text.split("\n")[0] == "Registering for events: about your data"
    assert "They are deleted 2 years after the event ends" in user.text
    await user.tap("Agree")
    assert said(user) == (
        "✅ You are registered for “Trademark and IP registration workshop for MSMEs”. "
        "See your events with /acarasaya."
    )
    bot.clock.advance(datetime(2026, 12, 14, 10, tzinfo=UTC) - bot.clock.now())
    await user.tap("📝 Register", details)  # the deadline has passed, but they hold a seat
    assert user.text == (
        "You are already registered for “Trademark and IP registration workshop for MSMEs”."
    )
    assert registrations(settings) == [(581, "confirmed")]


async def test_an_event_cancelled_while_a_registration_waits_for_the_writer_takes_no_one(
    bot: Bot, settings: Settings
) -> None:
    """The open-registration check passes, then staff cancel the event before the seat is
    taken: the seat transaction looks again, so nobody is registered for a cancelled event."""
    await store(bot)
    await bot.services.people.consent(531, "id", EVENTS_PURPOSE)
    event = await event_id(bot)
    gate, holder = await _hold_writer(bot.services.db)
    cancel = asyncio.create_task(
        bot.services.db.write(("UPDATE events SET status = 'cancelled' WHERE id = ?", (event,)))
    )
    await asyncio.sleep(0)  # queued first
    # Its check reads the event as still published (the cancel is not committed yet); its
    # transaction then waits for the writer, behind the cancel.
    signup = asyncio.create_task(bot.services.events.register(531, event))
    for _ in range(50):
        await asyncio.sleep(0.01)
    gate.set()
    await asyncio.gather(holder, cancel)
    assert (await signup).outcome is Outcome.CANCELLED
    assert rows(settings, "SELECT * FROM registrations") == []
