"""While a broadcast runs: one progress message kept up to date from the database, ⏸ / ▶️ / ⛔
recorded with who tapped them, the summary at the end, the same message after a restart, and
/siaran listing past and running broadcasts. Only staff can do any of it.

Broadcasts are made directly with Outbox.create (as /umumkan does on confirm); the sender's
sleep is swapped for a moment's, and `progress.refresh_all` is the look the job queue takes
every few seconds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import CallbackContext

from bot.config import Settings
from bot.storage.outbox import Content
from bot.storage.timefmt import to_db
from bot.testing import harness
from bot.testing.fake_telegram import ApiError, FakeTelegram
from bot.testing.harness import Bot, FakeUser, running_bot
from conversations.announcements import progress
from handlers.buttons import BroadcastAction, BroadcastTap
from tests.conftest import TEST_SURVEYS
from tests.helpers import clock_at, no_refusals, rows

STAFF = 42
OTHER_STAFF = 77
VISITOR = 5
FIRST = 10_000
NOW = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)  # 10.00 WIB
NO_LONGER_ACTIVE = "Tombol ini sudah tidak berlaku."


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return harness.test_settings(
        tmp_path,
        surveys_dir=TEST_SURVEYS,
        broadcast_per_second=1000,
        admin_ids=frozenset({STAFF, OTHER_STAFF}),
    )


async def _moment(seconds: float) -> None:
    await asyncio.sleep(0.001)


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(settings, clock=clock_at(NOW)) as bot:
        bot.services.sender.sleep = _moment
        await bot.services.sender.stop()  # each test starts it when it wants copies to go
        yield bot
        no_refusals(bot)


async def people(bot: Bot, count: int, first: int = FIRST) -> list[int]:
    ids = list(range(first, first + count))
    await bot.services.db.transact(
        lambda conn: conn.executemany(
            "INSERT INTO users (id, locale, created_at, updated_at) VALUES (?, 'id', 'x', 'x')",
            ((i,) for i in ids),
        )
    )
    return ids


async def broadcast(
    bot: Bot,
    recipients: list[int],
    text: str = "Workshop HAKI di Kupang",
    *,
    by: int = STAFF,
    audience: dict[str, Any] | None = None,
    locale: str = "id",
    scheduled_at: datetime | None = None,
) -> int:
    source = bot.telegram.original(by, text=text)
    broadcast_id, count = await bot.services.outbox.create(
        created_by=by,
        content=Content(by, source, text),
        recipients=(person for person in recipients),
        audience=audience or {"kind": "all"},
        locale=locale,
        scheduled_at=scheduled_at,
        now=bot.clock.now(),
    )
    assert count == len(recipients)
    return broadcast_id


async def show(bot: Bot, broadcast_id: int) -> dict[str, Any]:
    """What /umumkan does after confirming: the progress message, to its creator."""
    await progress.show(CallbackContext(bot.app), broadcast_id)
    return watched(bot, broadcast_id)


def watched(bot: Bot, broadcast_id: int) -> dict[str, Any]:
    """The message the database says shows the broadcast's progress, as the staff member
    sees it now."""
    settings = bot.services.settings
    found = rows(
        settings,
        "SELECT progress_chat_id, progress_message_id FROM broadcasts WHERE id = ?",
        (broadcast_id,),
    )[0]
    message: dict[str, Any] = bot.telegram.chat(found[0]).messages[found[1]]
    return message


async def send_all(bot: Bot) -> None:
    sender = bot.services.sender
    sender.start(bot.app.bot)
    await sender.idle()


def toast(bot: Bot) -> str | None:
    text: str | None = bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")
    return text


def copies(bot: Bot, person: int) -> list[str]:
    return [m.get("text", "") for m in bot.telegram.bot_messages(person) if "copied_from" in m]


def counted(settings: Settings, broadcast_id: int) -> dict[str, int]:
    found = rows(
        settings,
        "SELECT status, COUNT(*) FROM deliveries WHERE broadcast_id = ? GROUP BY status",
        (broadcast_id,),
    )
    return {r[0]: r[1] for r in found}


def actions(settings: Settings, broadcast_id: int) -> list[tuple[int, str]]:
    found = rows(
        settings,
        "SELECT actor, action FROM broadcast_actions WHERE broadcast_id = ? ORDER BY id",
        (broadcast_id,),
    )
    return [(r[0], r[1]) for r in found]


def status(settings: Settings, broadcast_id: int) -> str:
    return str(rows(settings, "SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,))[0][0])


async def tap(user: FakeUser, action: BroadcastAction, broadcast_id: int) -> None:
    """A tap with data made by hand: a forged one, or one from an old message."""
    await user.deliver(user.callback_update(BroadcastTap(action, broadcast_id).pack(), user.last))


async def test_the_progress_message_shows_what_the_database_holds_then_the_summary(
    bot: Bot, settings: Settings
) -> None:
    recipients = await people(bot, 12)
    blocked, broken, gone = recipients[:3]
    bot.telegram.fail_chat(
        blocked, ApiError(403, "Forbidden: bot was blocked by the user"), always=True
    )
    bot.telegram.fail_chat(
        broken, ApiError(400, "Bad Request: message to copy not found"), always=True
    )
    bot.telegram.fail_chat(gone, ApiError(400, "Bad Request: message to copy not found"))
    first = await broadcast(bot, recipients)

    message = await show(bot, first)
    staff = bot.user(STAFF)
    assert staff.messages == [message]  # to the staff member who created it
    assert "📣 Siaran #1" in message["text"] and "Workshop HAKI di Kupang" in message["text"]
    assert "👥 Semua pelanggan" in message["text"]
    assert "▶️ Sedang dikirim" in message["text"]
    assert "Terkirim: 0 dari 12" in message["text"] and "Sisa: 12" in message["text"]
    assert "Menunggu jam tenang berakhir: 0" in message["text"]
    # 12 copies at 1,000 a second: 10.00 WIB, to the minute.
    assert "Perkiraan selesai: Kamis, 10 Desember 2026 pukul 10.00 WIB" in message["text"]
    assert staff.buttons(message) == ["⏸ Jeda", "⛔ Batalkan"]

    # Nothing changed: a look edits nothing (Telegram would refuse the same text).
    await progress.refresh_all(bot.app)
    assert bot.telegram.calls_to("editMessageText") == []

    await send_all(bot)
    await progress.refresh_all(bot.app)
    held = counted(settings, first)
    assert held == {"sent": 9, "failed": 2, "skipped": 1}
    text = watched(bot, first)["text"]
    assert "✅ Selesai" in text
    assert f"Terkirim: {held['sent']} dari 12" in text
    assert f"Gagal: {held['failed']}" in text
    assert f"Memblokir bot (dilewati): {held['skipped']}" in text
    assert "Gagal, menurut penyebabnya:\n• Message to copy not found: 2" in text
    assert "Lama pengiriman:" in text
    assert "Sisa" not in text and staff.buttons(watched(bot, first)) == []
    assert staff.messages == [watched(bot, first)]  # one message, edited, not a new one
    found = rows(settings, "SELECT finished_at, summarised_at FROM broadcasts")[0]
    assert found["finished_at"] is not None and found["summarised_at"] is not None

    # The summary is final: later looks leave it alone.
    edits = len(bot.telegram.calls_to("editMessageText"))
    await progress.refresh_all(bot.app)
    assert len(bot.telegram.calls_to("editMessageText")) == edits
    assert actions(settings, first) == [(STAFF, "created")]


async def test_pause_sends_nothing_and_resume_finishes_everyone_exactly_once(
    bot: Bot, settings: Settings
) -> None:
    recipients = await people(bot, 20)
    first = await broadcast(bot, recipients)
    # As an earlier run left it: the first eight told.
    await bot.services.db.write(
        (
            "UPDATE deliveries SET status = 'sent', sent_at = ? WHERE person < ?",
            (to_db(NOW), FIRST + 8),
        )
    )
    message = await show(bot, first)
    assert "Terkirim: 8 dari 20" in message["text"] and "Sisa: 12" in message["text"]
    staff = bot.user(STAFF)

    await staff.tap("Jeda", message)
    assert toast(bot) == "Dijeda."
    assert status(settings, first) == "paused"
    assert actions(settings, first) == [(STAFF, "created"), (STAFF, "paused")]
    assert "⏸ Dijeda" in message["text"] and "Perkiraan selesai" not in message["text"]
    assert staff.buttons(message) == ["▶️ Lanjutkan", "⛔ Batalkan"]

    await send_all(bot)  # a paused broadcast is not taken by the sender
    assert bot.telegram.calls_to("copyMessage") == []
    # A second pause (an old message's button) changes nothing and records nothing.
    await tap(staff, BroadcastAction.PAUSE, first)
    assert toast(bot) == NO_LONGER_ACTIVE
    assert actions(settings, first) == [(STAFF, "created"), (STAFF, "paused")]

    await staff.tap("Lanjutkan", message)
    assert toast(bot) == "Dilanjutkan."
    await bot.services.sender.idle()
    assert all(copies(bot, p) == [] for p in recipients[:8])  # told before the pause
    assert all(copies(bot, p) == ["Workshop HAKI di Kupang"] for p in recipients[8:])
    assert counted(settings, first) == {"sent": 20}
    assert actions(settings, first) == [(STAFF, "created"), (STAFF, "paused"), (STAFF, "resumed")]
    await progress.refresh_all(bot.app)
    assert "✅ Selesai" in message["text"] and "Terkirim: 20 dari 20" in message["text"]


async def test_cancel_asks_first_then_sends_nothing_more_and_keeps_who_was_not_told(
    bot: Bot, settings: Settings
) -> None:
    recipients = await people(bot, 6)
    first = await broadcast(bot, recipients)
    message = await show(bot, first)
    staff = bot.user(STAFF)

    await staff.tap("Batalkan", message)
    question = staff.last
    assert question is not message
    assert question["text"].startswith("Batalkan siaran #1? 6 orang yang belum menerimanya")
    await staff.tap("Tidak, lanjutkan", question)
    assert status(settings, first) == "sending"
    assert question["text"] == "Tidak dibatalkan: siaran tetap berjalan."
    assert staff.buttons(question) == []

    await staff.tap("Batalkan", message)
    await staff.tap("Ya, batalkan")
    assert toast(bot) == "Dibatalkan."
    assert staff.last["text"] == "Siaran #1 dibatalkan. Tidak ada lagi yang akan menerimanya."
    assert status(settings, first) == "cancelled"
    assert actions(settings, first) == [(STAFF, "created"), (STAFF, "cancelled")]
    cancelled_at = rows(settings, "SELECT finished_at FROM broadcasts")[0][0]
    assert NOW <= datetime.fromisoformat(cancelled_at) < NOW + timedelta(minutes=1)

    await send_all(bot)
    assert bot.telegram.calls_to("copyMessage") == []
    assert counted(settings, first) == {"pending": 6}  # the record of who was not told
    # Shown at once, as the summary: nothing more to watch.
    text = watched(bot, first)["text"]
    assert "⛔ Dibatalkan" in text and "Tidak terkirim (dibatalkan): 6" in text
    assert staff.buttons(watched(bot, first)) == []
    assert rows(settings, "SELECT summarised_at FROM broadcasts")[0][0] is not None

    # Cancelling again, or resuming, from old buttons: politely nothing.
    await tap(staff, BroadcastAction.CONFIRM, first)
    assert toast(bot) == NO_LONGER_ACTIVE
    await tap(staff, BroadcastAction.RESUME, first)
    assert toast(bot) == NO_LONGER_ACTIVE
    assert status(settings, first) == "cancelled"
    assert len(actions(settings, first)) == 2


async def test_a_scheduled_broadcast_says_when_in_the_staff_zone_and_can_be_cancelled(
    bot: Bot, settings: Settings
) -> None:
    recipients = await people(bot, 5)
    later = datetime(2026, 12, 15, 2, 0, tzinfo=UTC)  # 09.00 WIB
    first = await broadcast(bot, recipients, scheduled_at=later)
    message = await show(bot, first)
    assert "🕘 Dijadwalkan Selasa, 15 Desember 2026 pukul 09.00 WIB" in message["text"]
    staff = bot.user(STAFF)
    assert staff.buttons(message) == ["⛔ Batalkan"]  # nothing to pause before it starts

    await staff.send("/siaran")
    assert "🕘 Terjadwal" in staff.text

    await staff.tap("Batalkan", message)
    await staff.tap("Ya, batalkan")
    bot.clock.advance(later - NOW + timedelta(minutes=1))
    await send_all(bot)
    assert bot.telegram.calls_to("copyMessage") == []
    assert counted(settings, first) == {"pending": 5}


async def test_in_english_for_a_staff_member_who_reads_english(
    bot: Bot, settings: Settings
) -> None:
    recipients = await people(bot, 3)
    later = datetime(2026, 12, 15, 2, 0, tzinfo=UTC)
    first = await broadcast(
        bot,
        recipients,
        audience={"kind": "region", "region": "53"},
        locale="en",
        scheduled_at=later,
    )
    message = await show(bot, first)
    assert "📣 Broadcast #1" in message["text"]
    assert "👥 Subscribers in Nusa Tenggara Timur" in message["text"]
    assert "🕘 Scheduled for Tuesday, 15 December 2026, 09:00 WIB" in message["text"]
    assert "Sent: 0 of 3" in message["text"]
    assert bot.user(STAFF).buttons(message) == ["⛔ Cancel"]
    listed = (await bot.user(STAFF, "en").send("/broadcasts"))["text"]
    assert listed.startswith("Broadcasts\n\n#1 · Tuesday, 15 December 2026, 09:00 WIB · you\n")
    assert "👥 Subscribers in Nusa Tenggara Timur\n" in listed
    assert "🕘 Scheduled · sent 0 of 3, failed 0, blocked 0" in listed
    bot.clock.advance(later - NOW)
    await send_all(bot)
    await progress.refresh_all(bot.app)
    assert "✅ Finished" in message["text"] and "Sent: 3 of 3" in message["text"]


async def test_after_a_restart_the_same_message_is_kept_up_to_date(settings: Settings) -> None:
    telegram = FakeTelegram()
    async with running_bot(settings, telegram, clock=clock_at(NOW)) as bot:
        await bot.services.sender.stop()
        recipients = await people(bot, 10)
        first = await broadcast(bot, recipients)
        await bot.services.db.write(
            (
                "UPDATE deliveries SET status = 'sent', sent_at = ? WHERE person < ?",
                (to_db(NOW), FIRST + 4),
            )
        )
        message = await show(bot, first)
        assert "Terkirim: 4 dari 10" in message["text"]
        no_refusals(bot)

    async with running_bot(settings, telegram, clock=clock_at(NOW)) as bot:
        await bot.services.sender.idle()  # the rest go out after the start
        await progress.refresh_all(bot.app)
        assert telegram.bot_messages(STAFF) == [message]  # no new message
        assert "✅ Selesai" in message["text"] and "Terkirim: 10 dari 10" in message["text"]
        assert all(len(copies(bot, p)) == (p >= FIRST + 4) for p in recipients)
        # The looks are the job queue's, every few seconds, from the start.
        assert bot.app.job_queue is not None
        assert bot.app.job_queue.get_jobs_by_name("broadcast-progress")
        no_refusals(bot)


async def test_siaran_lists_broadcasts_newest_first_five_a_page(
    bot: Bot, settings: Settings
) -> None:
    recipients = await people(bot, 2)
    audiences: list[dict[str, Any]] = [
        {"kind": "all"},
        {"kind": "topic", "topic": "events"},
        {"kind": "topic", "topic": "events", "region": "53.71"},
        {"kind": "region", "region": "53"},
        {"kind": "event", "event_id": 99},
        {"kind": "survey", "survey_id": "semua"},
        {"kind": "something new"},
    ]
    made = [
        await broadcast(
            bot, recipients, f"Pengumuman {i}", audience=a, by=(OTHER_STAFF if i == 6 else STAFF)
        )
        for i, a in enumerate(audiences, start=1)
    ]
    await bot.services.outbox.set_status(made[0], "cancelled", STAFF, NOW)
    staff = bot.user(STAFF)

    listed = await staff.send("/siaran")
    text = listed["text"]
    assert "Hlm. 1 dari 2" in text
    assert [n for n in range(1, 8) if f"#{n} ·" in text] == [3, 4, 5, 6, 7]
    assert text.index("#7 ·") < text.index("#3 ·")  # newest first
    assert "#6 · Kamis, 10 Desember 2026 pukul 10.00 WIB · staf 77" in text
    assert "#7 · Kamis, 10 Desember 2026 pukul 10.00 WIB · Anda" in text
    assert "👥 Penerima pilihan staf" in text  # a kind this version does not know
    assert "👥 Orang yang telah menyelesaikan survei “Survei uji semua jenis”" in text
    assert "👥 Pendaftar yang mendapat kursi di “#99”" in text
    assert "👥 Pelanggan di Nusa Tenggara Timur" in text
    assert "👥 Pelanggan topik “Lokakarya dan acara” di Kota Kupang" in text
    assert "▶️ Sedang dikirim · terkirim 0 dari 2, gagal 0, memblokir 0" in text

    await staff.tap("Berikutnya »", listed)
    text = listed["text"]
    assert [n for n in range(1, 8) if f"#{n} ·" in text] == [1, 2]
    assert "👥 Pelanggan topik “Lokakarya dan acara”\n" in text
    assert "⛔ Dibatalkan" in text and "👥 Semua pelanggan" in text

    # Tapping one shows its progress again, with the controls, and that message is watched.
    await staff.tap("#2 Pengumuman 2", listed)
    shown = staff.last
    assert "📣 Siaran #2" in shown["text"] and staff.buttons(shown) == ["⏸ Jeda", "⛔ Batalkan"]
    assert watched(bot, made[1]) is shown
    # Shown once more: the new message is the one kept up to date, the old one loses its buttons.
    await staff.tap("#2 Pengumuman 2", listed)
    assert watched(bot, made[1]) is staff.last is not shown
    assert staff.buttons(shown) == [] and staff.buttons(staff.last) == ["⏸ Jeda", "⛔ Batalkan"]
    # A finished one shows its summary, without buttons.
    await staff.tap("« Sebelumnya", listed)
    await staff.tap("Berikutnya »", listed)
    await staff.tap("#1 Pengumuman 1", listed)
    assert "⛔ Dibatalkan" in staff.last["text"] and staff.buttons(staff.last) == []


async def test_no_broadcasts_yet(bot: Bot) -> None:
    staff = bot.user(STAFF)
    assert (await staff.send("/siaran"))["text"] == (
        "Belum ada siaran. Kirim pengumuman dengan /umumkan."
    )


async def test_only_staff_see_siaran_and_use_the_controls(bot: Bot, settings: Settings) -> None:
    recipients = await people(bot, 3)
    first = await broadcast(bot, recipients)
    await show(bot, first)
    visitor = bot.user(VISITOR)
    unknown = (await visitor.send("/perintahtakdikenal"))["text"]
    assert (await visitor.send("/siaran"))["text"] == unknown  # nothing says it exists
    for action in BroadcastAction:
        await tap(visitor, action, first)
        assert toast(bot) == NO_LONGER_ACTIVE, action
    assert status(settings, first) == "sending"
    assert actions(settings, first) == [(STAFF, "created")]
    assert len(bot.user(STAFF).messages) == 1  # nothing shown to anyone again


async def test_stale_and_forged_buttons_are_answered_politely(bot: Bot, settings: Settings) -> None:
    staff = bot.user(STAFF)
    await staff.send("/siaran")
    for data in ("bp:z:1", "bp:p", "bp:p:999", "bph:x"):
        await staff.deliver(staff.callback_update(data, staff.last))
        assert toast(bot) == NO_LONGER_ACTIVE, data

    recipients = await people(bot, 2)
    first = await broadcast(bot, recipients)
    message = await show(bot, first)
    await send_all(bot)
    await progress.refresh_all(bot.app)
    # The old "pause" of a message drawn before the end.
    await staff.deliver(
        staff.callback_update(BroadcastTap(BroadcastAction.PAUSE, first).pack(), message)
    )
    assert toast(bot) == NO_LONGER_ACTIVE
    assert status(settings, first) == "done"
    await tap(staff, BroadcastAction.CANCEL, first)
    assert staff.last["text"] == "Siaran ini sudah selesai."


async def test_help_names_siaran_to_staff_only(bot: Bot) -> None:
    staff, visitor = bot.user(STAFF), bot.user(VISITOR)
    await staff.send("/bantuan")
    await visitor.send("/bantuan")
    assert "/siaran siaran yang lalu dan yang berjalan: kemajuan, jeda, pembatalan" in staff.text
    assert "/siaran" not in visitor.text


async def test_who_waits_for_quiet_hours_and_when_it_should_finish(tmp_path: Path) -> None:
    settings = harness.test_settings(
        tmp_path,
        surveys_dir=TEST_SURVEYS,
        broadcast_per_second=1000,
        admin_ids=frozenset({STAFF}),
        quiet_hours="21-6",
    )
    evening = datetime(2026, 12, 10, 13, 30, tzinfo=UTC)  # 20.30 WIB, 21.30 WITA, 22.30 WIT
    async with running_bot(settings, clock=clock_at(evening)) as bot:
        bot.services.sender.sleep = _moment
        await bot.services.sender.stop()
        recipients = await people(bot, 10)
        first = await broadcast(bot, recipients)
        # Where they are, as /langganan would have fixed it: five in Jakarta (the default
        # zone), three in Jayapura, two in Kupang.
        await bot.services.db.write(
            ("UPDATE deliveries SET zone = 'Asia/Jayapura' WHERE person < ?", (FIRST + 3,)),
            (
                "UPDATE deliveries SET zone = 'Asia/Makassar' WHERE person IN (?, ?)",
                (FIRST + 3, FIRST + 4),
            ),
        )
        message = await show(bot, first)
        assert "Menunggu jam tenang berakhir: 5" in message["text"]
        assert "Sisa: 10" in message["text"]
        # Kupang wakes last of the two: 06.00 WITA is 05.00 WIB, in the staff member's zone.
        assert "Perkiraan selesai: Jumat, 11 Desember 2026 pukul 05.00 WIB" in message["text"]

        await send_all(bot)
        await progress.refresh_all(bot.app)
        assert counted(settings, first) == {"sent": 5, "pending": 5}
        assert "Terkirim: 5 dari 10" in message["text"]
        assert "Menunggu jam tenang berakhir: 5" in message["text"]

        bot.clock.advance(timedelta(hours=7, minutes=31))  # 06.01 WIT, 05.01 WITA
        bot.services.sender.wake()
        await bot.services.sender.idle()
        await progress.refresh_all(bot.app)
        assert counted(settings, first) == {"sent": 8, "pending": 2}
        assert "Menunggu jam tenang berakhir: 2" in message["text"]

        bot.clock.advance(timedelta(hours=1))  # 06.01 WITA
        bot.services.sender.wake()
        await bot.services.sender.idle()
        await progress.refresh_all(bot.app)
        assert counted(settings, first) == {"sent": 10}
        assert "✅ Selesai" in message["text"] and "Terkirim: 10 dari 10" in message["text"]
        no_refusals(bot)


async def test_a_progress_message_deleted_by_staff_is_sent_again(
    bot: Bot, settings: Settings
) -> None:
    recipients = await people(bot, 3)
    first = await broadcast(bot, recipients)
    message = await show(bot, first)
    del bot.telegram.chat(STAFF).messages[message["message_id"]]  # deleted in the chat
    await send_all(bot)
    await progress.refresh_all(bot.app)
    again = watched(bot, first)
    assert again is not message and "✅ Selesai" in again["text"]
    assert rows(settings, "SELECT summarised_at FROM broadcasts")[0][0] is not None
    # Telegram's answer to editing a message that is gone; the bot could not have known.
    refused = [error.description for _call, error in bot.telegram.refusals]
    assert refused == ["Bad Request: message to edit not found"]
    bot.telegram.refusals.clear()


async def test_a_pause_holds_back_the_copies_the_sender_already_took(tmp_path: Path) -> None:
    """The sender takes up to a few hundred deliveries at a time; a pause must stop those too,
    not only the next ones: only the copies already on their way to Telegram still land."""
    paced = harness.test_settings(
        tmp_path, surveys_dir=TEST_SURVEYS, broadcast_per_second=28, admin_ids=frozenset({STAFF})
    )
    async with running_bot(paced, clock=clock_at(NOW)) as bot:
        bot.services.sender.sleep = _moment
        recipients = await people(bot, 300)
        first = await broadcast(bot, recipients)
        message = await show(bot, first)
        bot.telegram.hold_answers("copyMessage")  # copies go out, their answers stall
        bot.services.sender.wake()
        in_flight = bot.services.sender.concurrency
        for _ in range(2000):
            if len(bot.telegram.calls_to("copyMessage")) >= in_flight:
                break
            await asyncio.sleep(0.01)
        assert len(bot.telegram.calls_to("copyMessage")) == in_flight  # the rest were taken too

        await bot.user(STAFF).tap("Jeda", message)
        bot.telegram.release("copyMessage")
        await bot.services.sender.idle()
        assert len(bot.telegram.calls_to("copyMessage")) == in_flight
        assert counted(paced, first) == {"sent": in_flight, "pending": 300 - in_flight}
        no_refusals(bot)
