"""Quiet hours: no announcement reaches a person between 21.00 and 06.00 where they are.

Recipients in WIB (Jakarta), WITA (Kupang) and WIT (Jayapura) get one broadcast; the clock is
moved through the night and the copies Telegram received are counted per person. The zone of
each delivery comes from the region the person subscribed to, else the one they answered in a
survey, else the bot's TIMEZONE."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.core.events.zones import WIB, WIT, WITA
from bot.core.quiet import QuietHours
from bot.storage.outbox import Content
from bot.testing import harness
from bot.testing.harness import Bot, running_bot
from tests.helpers import clock_at, no_refusals, rows

STAFF = 42
JAKARTA, KUPANG, JAYAPURA, ANSWERED, NOWHERE = 10_001, 10_002, 10_003, 10_004, 10_005
EVERYONE = (JAKARTA, KUPANG, JAYAPURA, ANSWERED, NOWHERE)
# 22.30 UTC: 05.30 in Jakarta (still quiet), 06.30 in Kupang, 07.30 in Jayapura.
DAWN_IN_JAKARTA = datetime(2026, 12, 2, 22, 30, tzinfo=UTC)


# -- the pure rule ------------------------------------------------------------------------


def test_quiet_hours_are_read_from_a_span_of_local_hours() -> None:
    assert QuietHours.parse("21-6") == QuietHours(time(21), time(6))
    assert QuietHours.parse(" 21.30 - 06:15 ") == QuietHours(time(21, 30), time(6, 15))
    assert QuietHours.parse("") is None
    for wrong in ("21", "25-6", "21-21", "nine-six", "21.75-6"):
        with pytest.raises(ValueError):
            QuietHours.parse(wrong)


def test_which_zones_are_quiet_and_when_their_night_ends() -> None:
    quiet = QuietHours()
    at_2130_wib = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)
    at_2030_wib = datetime(2026, 12, 2, 13, 30, tzinfo=UTC)
    assert quiet.quiet_zones(at_2130_wib, (WIB, WITA, WIT)) == {WIB, WITA, WIT}
    assert quiet.quiet_zones(at_2030_wib, (WIB, WITA, WIT)) == {WITA, WIT}  # 21.30, 22.30
    assert quiet.quiet_zones(DAWN_IN_JAKARTA, (WIB, WITA, WIT)) == {WIB}
    assert not quiet.is_quiet(datetime(2026, 12, 2, 23, 0, tzinfo=UTC), WIB)  # 06.00 sharp

    # Before midnight the night ends tomorrow morning; after it, this morning.
    assert quiet.ends(at_2130_wib, WIB) == datetime(2026, 12, 3, 6, 0, tzinfo=ZoneInfo(WIB))
    assert quiet.ends(DAWN_IN_JAKARTA, WIB) == datetime(2026, 12, 3, 6, 0, tzinfo=ZoneInfo(WIB))
    assert quiet.ends(DAWN_IN_JAKARTA, WIT) == DAWN_IN_JAKARTA  # not quiet: now
    assert quiet.ends(at_2030_wib, ZoneInfo(WIT)).astimezone(UTC) == datetime(
        2026, 12, 2, 21, 0, tzinfo=UTC
    )
    # A span within one day (a siesta) works the same way.
    siesta = QuietHours(time(12), time(14))
    assert siesta.is_quiet(datetime(2026, 12, 2, 6, 0, tzinfo=UTC), WIB)  # 13.00 WIB
    assert not siesta.is_quiet(datetime(2026, 12, 2, 8, 0, tzinfo=UTC), WIB)


def test_a_wrong_quiet_hours_setting_stops_the_bot_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"QUIET_HOURS.*21-6"):
        load_settings(
            telegram_bot_token=harness.TEST_TOKEN,
            database_path=tmp_path / "db.sqlite3",
            quiet_hours="malam",
            _env_file=None,
        )


# -- the outbox and the sender --------------------------------------------------------------


@pytest.fixture
def night(tmp_path: Path) -> Settings:
    return harness.test_settings(tmp_path, quiet_hours="21-6", broadcast_per_second=1000)


@pytest.fixture
async def bot(night: Settings) -> AsyncIterator[Bot]:
    async with running_bot(night, clock=clock_at(DAWN_IN_JAKARTA)) as running:
        await recipients(running)
        yield running
        no_refusals(running)


async def recipients(bot: Bot) -> None:
    """Jakarta, Kupang and Jayapura subscribed with a region; ANSWERED subscribed everywhere
    and said Jayapura in a survey; NOWHERE gave no region at all."""
    survey, question = bot.services.outbox.region_questions[0]

    def write(conn: object) -> None:
        run = conn.execute  # type: ignore[attr-defined]
        for person in EVERYONE:
            run("INSERT INTO users (id, locale, created_at, updated_at) VALUES (?, 'id', 'x', 'x')",
                (person,))  # fmt: skip
        for person, places in (
            (JAKARTA, ["31.71"]),
            (KUPANG, ["53.71", "31"]),  # the first region chosen decides
            (JAYAPURA, ["91"]),
            (ANSWERED, []),
            (NOWHERE, []),
        ):
            run(
                "INSERT INTO subscriptions (user_id, topics, regions, created_at, updated_at) "
                "VALUES (?, '[\"events\"]', ?, 'x', 'x')",
                (person, json.dumps(places)),
            )
        response = run(
            "INSERT INTO responses (user_id, survey_id, survey_version, status, cursor, "
            "started_at, updated_at) VALUES (?, ?, 1, 'submitted', '__review__', 'x', 'x')",
            (ANSWERED, survey),
        ).lastrowid
        run(
            "INSERT INTO answers (response_id, question_id, value, answered_at) "
            "VALUES (?, ?, '\"91.71\"', 'x')",
            (response, question),
        )

    await bot.services.db.transact(write)


async def broadcast(bot: Bot, *, quiet_hours: bool = True) -> int:
    source = bot.telegram.original(STAFF, text="Lokakarya HAKI")
    broadcast_id, count = await bot.services.outbox.create(
        created_by=STAFF,
        content=Content(STAFF, source, "Lokakarya HAKI"),
        recipients="SELECT user_id FROM subscriptions",
        quiet_hours=quiet_hours,
        now=bot.clock.now(),
    )
    assert count == len(EVERYONE)
    bot.services.sender.wake()
    await bot.services.sender.idle()
    return broadcast_id


def reached(bot: Bot) -> dict[int, int]:
    """How many copies each recipient got (0 for none)."""
    calls = bot.telegram.calls_to("copyMessage")
    return {p: sum(1 for c in calls if int(c.params["chat_id"]) == p) for p in EVERYONE}


async def test_each_delivery_carries_the_zone_of_where_its_recipient_is(
    bot: Bot, night: Settings
) -> None:
    broadcast_id = await broadcast(bot)
    zones = dict(
        rows(night, "SELECT person, zone FROM deliveries WHERE broadcast_id = ?", (broadcast_id,))
    )
    assert zones == {JAKARTA: WIB, KUPANG: WITA, JAYAPURA: WIT, ANSWERED: WIT, NOWHERE: None}


async def test_at_dawn_in_jakarta_the_east_is_told_and_the_west_waits_for_six(
    bot: Bot, night: Settings
) -> None:
    broadcast_id = await broadcast(bot)
    # 05.30 in Jakarta (and for NOWHERE, in the bot's TIMEZONE): they wait.
    assert reached(bot) == {JAKARTA: 0, KUPANG: 1, JAYAPURA: 1, ANSWERED: 1, NOWHERE: 0}
    assert await bot.services.outbox.waiting_for_quiet(broadcast_id, bot.clock.now()) == 2
    assert rows(night, "SELECT status FROM broadcasts")[0]["status"] == "sending"

    bot.clock.advance(timedelta(minutes=29))  # 05.59
    await bot.services.sender.idle()
    assert reached(bot)[JAKARTA] == 0

    bot.clock.advance(timedelta(minutes=1))  # 06.00 in Jakarta: morning
    await bot.services.sender.idle()
    assert reached(bot) == dict.fromkeys(EVERYONE, 1)  # everyone, once
    assert await bot.services.outbox.waiting_for_quiet(broadcast_id, bot.clock.now()) == 0
    await bot.services.sender.idle()  # the pass that finds nothing finishes the broadcast
    assert rows(night, "SELECT status FROM broadcasts")[0]["status"] == "done"


async def test_in_the_evening_the_east_waits_and_an_urgent_broadcast_goes_to_all(
    bot: Bot, night: Settings
) -> None:
    # 20.30 WIB: 21.30 in Kupang and 22.30 in Jayapura, already night there.
    bot.clock.advance(datetime(2026, 12, 3, 13, 30, tzinfo=UTC) - bot.clock.now())
    first = await broadcast(bot)
    assert reached(bot) == {JAKARTA: 1, KUPANG: 0, JAYAPURA: 0, ANSWERED: 0, NOWHERE: 1}

    bot.clock.advance(timedelta(hours=1))  # 21.30 WIB, 23.30 WIT: all asleep
    await broadcast(bot)
    assert reached(bot) == {JAKARTA: 1, KUPANG: 0, JAYAPURA: 0, ANSWERED: 0, NOWHERE: 1}
    assert await bot.services.outbox.waiting_for_quiet(first, bot.clock.now()) == 3

    await broadcast(bot, quiet_hours=False)  # urgent: at night too, to everyone
    assert reached(bot) == {JAKARTA: 2, KUPANG: 1, JAYAPURA: 1, ANSWERED: 1, NOWHERE: 2}

    # 07.00 WIB next morning: both quiet broadcasts reach everyone they had not reached.
    bot.clock.advance(timedelta(hours=9, minutes=30))
    await bot.services.sender.idle()
    assert reached(bot) == dict.fromkeys(EVERYONE, 3)
    sent = rows(night, "SELECT COUNT(*) AS n FROM deliveries WHERE status = 'sent'")
    assert sent[0]["n"] == 3 * len(EVERYONE)


async def test_without_quiet_hours_the_night_is_like_the_day(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, quiet_hours="", broadcast_per_second=1000)
    midnight_everywhere = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)  # 23.00 WIB, 01.00 WIT
    async with running_bot(settings, clock=clock_at(midnight_everywhere)) as running:
        await recipients(running)
        broadcast_id = await broadcast(running)
        assert reached(running) == dict.fromkeys(EVERYONE, 1)
        assert (
            await running.services.outbox.waiting_for_quiet(broadcast_id, running.clock.now()) == 0
        )
        no_refusals(running)
