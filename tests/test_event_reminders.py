"""Event reminders (EVENT_REMINDERS, by default the day before and an hour before), fired by
moving the bot's clock: once each, in the registrant's language, never for a cancelled place
or event, only the latest after downtime, none whose moment passed before the seat was had,
and neither dropped nor repeated by a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.services.people import EVENTS_PURPOSE
from bot.services.reminders import REMINDER_JOB
from bot.testing import harness
from bot.testing.fake_telegram import TEST_TOKEN, FakeTelegram
from bot.testing.harness import Bot, FakeUser, running_bot
from tests.helpers import clock_at, no_refusals, rows
from tests.test_event_registration import daftar, event_id, fire_due, set_capacity
from tests.test_events_chat import NOW, store

# The HAKI workshop starts 15 December 2026 09.00 WITA: 01.00 UTC.
HAKI_START = datetime(2026, 12, 15, 1, tzinfo=UTC)
# Digital marketing training, 17 December 13.00 WITA (05.00 UTC), open until it starts.
MARKETING = "pemasaran-digital-kupang-2026-12"
MARKETING_START = datetime(2026, 12, 17, 5, tzinfo=UTC)

HAKI_ID = (
    "⏰ Pengingat: “Lokakarya Pendaftaran Merek dan HAKI untuk UMKM” dimulai "
    "Selasa, 15 Desember 2026 pukul 09.00 WITA."
)
HAKI_EN = (
    "⏰ Reminder: “Trademark and IP registration workshop for MSMEs” starts "
    "Tuesday, 15 December 2026, 09:00 WITA."
)


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(settings, clock=clock_at(NOW)) as running:
        yield running
        no_refusals(running)


def reminders(user: FakeUser) -> list[str]:
    """The reminders the person got, by their first line."""
    return [m["text"].split("\n")[0] for m in user.messages if m.get("text", "").startswith("⏰")]


async def at(bot: Bot, moment: datetime) -> None:
    """Move the clock to `moment` and run whatever has fallen due, as the scheduler's tick."""
    bot.clock.advance(moment - bot.clock.now())
    await fire_due(bot)


def decided(settings: Settings) -> list[tuple[int, int, int]]:
    found = rows(
        settings,
        "SELECT r.user_id, s.minutes_before, s.skipped FROM reminders_sent s "
        "JOIN registrations r ON r.id = s.registration_id ORDER BY r.user_id, s.minutes_before",
    )
    return [(r["user_id"], r["minutes_before"], r["skipped"]) for r in found]


async def test_the_day_before_and_the_hour_before_once_each_in_each_language(
    bot: Bot, settings: Settings
) -> None:
    await store(bot)
    indonesian, english = bot.user(701), bot.user(702, "en")
    await daftar(indonesian)
    await daftar(english)
    await at(bot, HAKI_START - timedelta(hours=24, minutes=1))
    assert reminders(indonesian) == reminders(english) == []

    await at(bot, HAKI_START - timedelta(hours=24))
    assert reminders(indonesian) == [HAKI_ID]
    assert reminders(english) == [HAKI_EN]
    assert indonesian.text.split("\n")[1:] == [
        "📍 Aula Kantor Wali Kota Kupang, Jl. S. K. Lerik, Kota Kupang",
        "",
        "Di pintu masuk, tunjukkan kode QR Anda (🎫 di bawah). Berhalangan hadir? Batalkan "
        "lewat /acarasaya agar kursi Anda bisa diberikan kepada yang menunggu.",
    ]
    assert indonesian.buttons() == ["🎫 Kode QR masuk"]
    await at(bot, HAKI_START - timedelta(hours=23))  # later ticks: nothing again
    await fire_due(bot)
    assert reminders(indonesian) == [HAKI_ID]

    await at(bot, HAKI_START - timedelta(minutes=61))
    assert len(reminders(english)) == 1
    await at(bot, HAKI_START - timedelta(hours=1))
    assert reminders(indonesian) == [HAKI_ID, HAKI_ID]
    assert reminders(english) == [HAKI_EN, HAKI_EN]
    await at(bot, HAKI_START + timedelta(hours=1))
    assert len(reminders(indonesian)) == len(reminders(english)) == 2
    assert decided(settings) == [(701, 60, 0), (701, 1440, 0), (702, 60, 0), (702, 1440, 0)]
    assert rows(settings, "SELECT * FROM jobs") == []

    # 🎫 on the reminder sends the ticket again (the event has begun, not ended).
    sent = len(english.files())
    await english.tap("🎫 QR code for entry")
    assert [f.filename for f in english.files()[sent:]] == [
        "haki-kupang-2026-12.ics",
        "haki-kupang-2026-12-qr.png",
    ]

    # Erasing one's data takes the record of one's reminders with it.
    await english.send("/deletedata")
    await english.tap("Yes, delete everything")
    assert [d[0] for d in decided(settings)] == [701, 701]


async def test_never_for_a_cancelled_place_or_event_and_a_promoted_seat_is_reminded(
    bot: Bot, settings: Settings
) -> None:
    await store(bot)
    await set_capacity(bot, 1)
    leaving, promoted, marketing = bot.user(711), bot.user(712), bot.user(713)
    await daftar(leaving)
    await daftar(promoted)  # waiting
    await bot.services.people.consent(713, "id", EVENTS_PURPOSE)
    await bot.services.events.register(713, await event_id(bot, MARKETING))

    await bot.services.events.cancel(711, await event_id(bot))  # 712 moves into the seat
    await bot.services.db.write(
        ("UPDATE events SET status = 'cancelled' WHERE slug = ?", (MARKETING,))
    )
    await at(bot, HAKI_START - timedelta(hours=1))
    assert reminders(leaving) == []
    assert len(reminders(promoted)) == 1  # only the latest: the seat was had days before
    await at(bot, MARKETING_START - timedelta(minutes=30))
    assert reminders(marketing) == []
    assert [d[0] for d in decided(settings)] == [712, 712]


async def test_a_queued_reminder_is_checked_again_when_it_runs(
    bot: Bot, settings: Settings
) -> None:
    """Queued (decided, its job written), then the place is cancelled, or the event moved,
    before the job runs in the person's order: nothing is sent."""
    await store(bot)
    cancelling, moved = bot.user(721), bot.user(722)
    await daftar(cancelling)
    bot.clock.advance(HAKI_START - timedelta(hours=24) - bot.clock.now())
    assert await bot.services.reminders.queue_due(bot.clock.now()) == 1
    assert len(rows(settings, "SELECT * FROM jobs WHERE name = ?", (REMINDER_JOB,))) == 1
    await bot.services.events.cancel(721, await event_id(bot))
    await fire_due(bot)
    assert reminders(cancelling) == []
    assert rows(settings, "SELECT * FROM jobs") == []

    marketing = await event_id(bot, MARKETING)
    await bot.services.people.consent(722, "id", EVENTS_PURPOSE)
    await bot.services.events.register(722, marketing)
    bot.clock.advance(MARKETING_START - timedelta(hours=24) - bot.clock.now())
    assert await bot.services.reminders.queue_due(bot.clock.now()) == 1
    # Staff move it a day later before the reminder runs: it is not sent for the old time.
    await bot.services.db.write(
        (
            "UPDATE events SET starts_at = ?, ends_at = ? WHERE id = ?",
            (
                "2026-12-18T05:00:00.000000+00:00",
                "2026-12-18T08:00:00.000000+00:00",
                marketing,
            ),
        )
    )
    await fire_due(bot)
    assert reminders(moved) == []
    # The moved event gets its own reminders, at its new time.
    await at(bot, MARKETING_START)
    assert reminders(moved) == [
        "⏰ Pengingat: “Pelatihan Pemasaran Digital: Jualan Lewat Media Sosial” dimulai "
        "Jumat, 18 Desember 2026 pukul 13.00 WITA."
    ]
    assert reminders(cancelling) == []


async def test_after_downtime_only_the_latest_reminder_is_sent(
    bot: Bot, settings: Settings
) -> None:
    await store(bot)
    user = bot.user(731)
    await daftar(user)
    await bot.services.scheduler.stop()  # the bot is down: nothing looks for due work
    bot.clock.advance(HAKI_START - timedelta(minutes=30) - bot.clock.now())
    await fire_due(bot)  # back, half an hour before the start
    assert reminders(user) == [HAKI_ID]  # one, not "tomorrow" and "in an hour" at once
    assert decided(settings) == [(731, 60, 0), (731, 1440, 1)]  # the day-before one skipped
    await at(bot, HAKI_START - timedelta(minutes=1))
    assert len(reminders(user)) == 1


async def test_a_late_registration_gets_no_reminder_whose_moment_had_passed(
    bot: Bot, settings: Settings
) -> None:
    await store(bot)
    user = bot.user(741)
    await at(bot, MARKETING_START - timedelta(hours=3))
    await user.send("/acara")
    await user.tap("Pelatihan Pemasaran Digital")
    await user.tap("📝 Daftar")
    await user.tap("Setuju")
    await fire_due(bot)
    assert reminders(user) == []  # no "tomorrow" three hours before
    assert decided(settings) == [(741, 1440, 1)]
    await at(bot, MARKETING_START - timedelta(hours=1))
    assert reminders(user) == [
        "⏰ Pengingat: “Pelatihan Pemasaran Digital: Jualan Lewat Media Sosial” dimulai "
        "Kamis, 17 Desember 2026 pukul 13.00 WITA."
    ]
    assert decided(settings) == [(741, 60, 0), (741, 1440, 1)]


async def test_a_restart_between_registering_and_the_reminder_drops_and_repeats_nothing(
    settings: Settings,
) -> None:
    telegram, clock = FakeTelegram(), clock_at(NOW)
    async with running_bot(settings, telegram, clock) as bot:
        await store(bot)
        await daftar(bot.user(751))
    clock.advance(HAKI_START - timedelta(hours=2) - clock.now())
    async with running_bot(settings, telegram, clock) as bot:
        user = bot.user(751)
        await fire_due(bot)
        assert reminders(user) == [HAKI_ID]  # the day-before one, once, after the restart
        await fire_due(bot)
    async with running_bot(settings, telegram, clock) as bot:
        await fire_due(bot)
        assert reminders(bot.user(751)) == [HAKI_ID]
        await at(bot, HAKI_START - timedelta(hours=1))
        assert reminders(bot.user(751)) == [HAKI_ID, HAKI_ID]
        no_refusals(bot)


async def test_a_queued_reminder_survives_a_restart_and_runs_once(settings: Settings) -> None:
    telegram, clock = FakeTelegram(), clock_at(NOW)
    async with running_bot(settings, telegram, clock) as bot:
        await store(bot)
        await daftar(bot.user(761, "en"))
        await bot.services.scheduler.stop()  # stopped right after the reminder was queued
        clock.advance(HAKI_START - timedelta(hours=24) - clock.now())
        assert await bot.services.reminders.queue_due(clock.now()) == 1
    assert [r["person"] for r in rows(settings, "SELECT person FROM jobs")] == [761]
    async with running_bot(settings, telegram, clock) as bot:
        await fire_due(bot)
        await fire_due(bot)
        assert reminders(bot.user(761, "en")) == [HAKI_EN]
    assert rows(settings, "SELECT * FROM jobs") == []


async def test_the_reminder_hours_come_from_the_settings(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, event_reminders="2")
    async with running_bot(settings, clock=clock_at(NOW)) as bot:
        await store(bot)
        user = bot.user(771)
        await daftar(user)
        await at(bot, HAKI_START - timedelta(hours=24))
        assert reminders(user) == []
        await at(bot, HAKI_START - timedelta(hours=2))
        assert reminders(user) == [HAKI_ID]
        await at(bot, HAKI_START - timedelta(minutes=1))
        assert reminders(user) == [HAKI_ID]
        # The calendar file alerts at the same moment.
        ics = next(f for f in user.files() if f.filename.endswith(".ics")).content
        assert b"TRIGGER:-PT2H" in ics and b"TRIGGER:-P1D" not in ics
        no_refusals(bot)


@pytest.mark.parametrize("value", ["24,1,2,3", "-1", "0", "besok", "1.005", "200", "24;1"])
def test_bad_reminder_hours_stop_the_bot_with_one_line(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("EVENT_REMINDERS", value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    message = str(caught.value)
    assert message.startswith("Configuration error: EVENT_REMINDERS is invalid: use up to 3 ")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("value", "offsets"),
    [
        ("24,1", [timedelta(hours=24), timedelta(hours=1)]),
        (" 1 , 48, 1 ", [timedelta(hours=48), timedelta(hours=1)]),
        ("0.5", [timedelta(minutes=30)]),
        ("", []),  # no reminders at all
    ],
)
def test_reminder_hours_are_read_longest_first(
    monkeypatch: pytest.MonkeyPatch, value: str, offsets: list[timedelta]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("EVENT_REMINDERS", value)
    assert list(load_settings(_env_file=None).reminder_offsets) == offsets
