"""Timed work for a person: durable (a restart neither drops nor repeats it), fired by the
clock (no sleeping in tests), and run in that person's order, never beside their own taps."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.config import Settings
from bot.intake.queue import Intake, person_of
from bot.services.clock import Clock
from bot.storage.database import Database
from bot.storage.inbox import Inbox
from bot.storage.jobs import JobRepository
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.harness import Bot, running_bot
from handlers.jobs import on_job
from handlers.send import send
from tests.helpers import consent, rows


async def ping(context: ContextTypes.DEFAULT_TYPE, person: int, data: dict[str, Any]) -> None:
    await send(context, person, f"Pengingat: {data['what']}")


def add_ping(app: Application) -> None:
    on_job(app, "ping", ping)


async def fire_due(bot: Bot) -> None:
    await bot.services.scheduler.run_due()
    await bot.services.intake.idle()


def pings(telegram: FakeTelegram, person: int) -> list[str]:
    return [m["text"] for m in telegram.bot_messages(person) if m["text"].startswith("Pengingat")]


async def test_a_job_fires_when_its_time_comes_and_only_then(mini_settings: Settings) -> None:
    async with running_bot(mini_settings) as bot:
        add_ping(bot.app)
        await bot.services.scheduler.schedule(
            401, "ping", bot.clock.now() + timedelta(hours=1), {"what": "lokakarya besok"}
        )
        await fire_due(bot)
        assert pings(bot.telegram, 401) == []  # not yet
        bot.clock.advance(timedelta(minutes=61))
        await fire_due(bot)
        assert pings(bot.telegram, 401) == ["Pengingat: lokakarya besok"]
        await fire_due(bot)  # nothing is fired twice
        assert len(pings(bot.telegram, 401)) == 1
    assert not rows(mini_settings, "SELECT * FROM jobs")
    handled = rows(mini_settings, "SELECT body, handled_at FROM inbox WHERE update_id IS NULL")
    assert [(r["body"], bool(r["handled_at"])) for r in handled] == [(None, True)]


async def test_a_restart_between_scheduling_and_firing_neither_drops_nor_repeats(
    mini_settings: Settings,
) -> None:
    telegram, clock = FakeTelegram(), Clock()
    async with running_bot(mini_settings, telegram, clock) as first:
        add_ping(first.app)
        await first.services.scheduler.schedule(
            402, "ping", clock.now() + timedelta(days=1), {"what": "dialog BPJS"}
        )
    clock.advance(timedelta(days=2))  # the bot was down when it fell due
    async with running_bot(mini_settings, telegram, clock) as second:
        add_ping(second.app)
        await fire_due(second)
    async with running_bot(mini_settings, telegram, clock) as third:
        add_ping(third.app)
        await fire_due(third)
    assert pings(telegram, 402) == ["Pengingat: dialog BPJS"]


async def test_a_job_whose_feature_is_gone_is_dropped_not_retried(
    mini_settings: Settings,
) -> None:
    async with running_bot(mini_settings) as bot:  # no handler for "ping" in this version
        await bot.services.scheduler.schedule(403, "ping", bot.clock.now(), {"what": "x"})
        await fire_due(bot)
    assert (
        rows(mini_settings, "SELECT COUNT(*) AS n FROM inbox WHERE handled_at IS NULL")[0]["n"] == 0
    )


async def test_erasing_ones_data_cancels_work_scheduled_for_them(mini_settings: Settings) -> None:
    async with running_bot(mini_settings) as bot:
        add_ping(bot.app)
        user = bot.user(404)
        await consent(user, "uji")
        await bot.services.scheduler.schedule(
            404, "ping", bot.clock.now() + timedelta(hours=1), {"what": "x"}
        )
        await user.send("/hapusdata")
        await user.tap("Ya, hapus")
        bot.clock.advance(timedelta(hours=2))
        await fire_due(bot)
        assert pings(bot.telegram, 404) == []
    assert not rows(mini_settings, "SELECT * FROM jobs")


async def test_a_due_job_waits_for_the_persons_update_in_hand(tmp_path: Path) -> None:
    """The intake runs a job like an update from that person: after what they sent before it,
    never at the same time."""
    db = Database(tmp_path / "order.sqlite3")
    await db.open()
    try:
        clock = Clock()
        intake = Intake(Inbox(db), clock)
        log: list[tuple[str, str]] = []
        gate = asyncio.Event()

        async def handle(body: str) -> None:
            document = json.loads(body)
            label = f"job {document['data']['n']}" if "job" in document else "tap"
            log.append(("start", label))
            if label == "tap":
                await gate.wait()  # the person's tap takes its time
            log.append(("end", label))

        tap = {
            "update_id": 1,
            "callback_query": {"id": "1", "from": {"id": 7}, "data": "x", "chat_instance": "c"},
        }
        assert person_of(tap) == 7
        intake.start(handle)
        await intake.accept([tap])
        jobs = JobRepository(db)
        await jobs.add(7, "ping", {"n": 1}, clock.now(), clock.now())
        assert await jobs.move_due(clock.now()) == 1
        intake.notify()
        for _ in range(50):
            await asyncio.sleep(0.01)
        assert log == [("start", "tap")]  # the job waits for the tap
        gate.set()
        await intake.idle()
        await intake.stop(grace=1)
        assert log == [("start", "tap"), ("end", "tap"), ("start", "job 1"), ("end", "job 1")]
    finally:
        await db.close()
