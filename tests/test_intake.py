"""The durable intake: stored before handled, handled once, in each person's order, in bounded
memory, and left stored (not lost) when stopped mid-way."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.intake.queue import Intake, arrival, person_of
from bot.services.clock import Clock
from bot.storage.database import Database
from bot.storage.inbox import Inbox
from bot.testing.harness import running_bot
from tests.helpers import answers, consent, rows


def message(update_id: int, person: int, text: str = "hi") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": person, "type": "private"},
            "from": {"id": person, "is_bot": False, "first_name": "X"},
            "text": text,
        },
    }


class Recorder:
    """A handler that records what it was given, in order, and checks per-person exclusivity."""

    def __init__(self, delay: float = 0.0) -> None:
        self.seen: list[tuple[int, int]] = []  # (person, update_id)
        self.busy: set[int] = set()
        self.overlaps = 0
        self.most_at_once = 0
        self.delay = delay

    async def __call__(self, body: str) -> None:
        update = json.loads(body)
        person = person_of(update)
        if person in self.busy:
            self.overlaps += 1
        self.busy.add(person)
        self.most_at_once = max(self.most_at_once, len(self.busy))
        try:
            await asyncio.sleep(self.delay if self.delay else 0)
            self.seen.append((person, update["update_id"]))
        finally:
            self.busy.discard(person)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "intake.sqlite3")
    await database.open()
    try:
        yield database
    finally:
        await database.close()


async def until(condition: Any, what: str) -> None:
    """Poll with a deadline: the intake reads the database on another thread."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def in_order(seen: list[tuple[int, int]]) -> bool:
    last: dict[int, int] = {}
    for person, update_id in seen:
        if update_id <= last.get(person, -1):
            return False
        last[person] = update_id
    return True


async def test_each_persons_updates_run_one_at_a_time_in_order(db: Database) -> None:
    intake = Intake(Inbox(db), Clock(), concurrency=8, window=32, per_person=3)
    recorder = Recorder(delay=0.001)
    intake.start(recorder)
    shuffled = random.Random(5)
    updates = [message(i, shuffled.randrange(20)) for i in range(1, 601)]
    for start in range(0, len(updates), 100):  # as getUpdates pages arrive
        await intake.accept(updates[start : start + 100])
    await intake.idle()
    await intake.stop(grace=1)
    assert sorted(u for _, u in recorder.seen) == list(range(1, 601))  # each once
    assert in_order(recorder.seen)
    assert recorder.overlaps == 0
    assert 1 < recorder.most_at_once <= 8  # concurrent across people, bounded
    assert (await db.fetchone("SELECT COUNT(*) AS n FROM inbox WHERE handled_at IS NULL"))["n"] == 0


async def test_a_flooder_never_fills_the_window(db: Database) -> None:
    """600 updates from one person, then one from someone else: the other is handled among the
    first, although the window holds only 32 rows."""
    intake = Intake(Inbox(db), Clock(), concurrency=4, window=32, per_person=4)
    recorder = Recorder(delay=0.0005)
    flood = [message(i, 1) for i in range(1, 601)]
    await intake.accept([*flood, message(601, 2)])
    intake.start(recorder)
    await intake.idle()
    await intake.stop(grace=1)
    order = [u for _, u in recorder.seen]
    assert order.index(601) < 10
    assert [u for p, u in recorder.seen if p == 1] == list(range(1, 601))


async def test_memory_holds_a_window_not_the_backlog(db: Database) -> None:
    intake = Intake(Inbox(db), Clock(), concurrency=4, window=64, per_person=2)
    gate = asyncio.Event()
    handled = 0

    async def slow(body: str) -> None:
        nonlocal handled
        await gate.wait()
        handled += 1

    await intake.accept([message(i, 10_000 + i) for i in range(1, 5001)])
    intake.start(slow)
    await until(lambda: intake.in_flight == 4, "four handlers running")
    assert intake._loaded <= 64  # the rest waits in the database
    gate.set()
    await intake.idle()
    await intake.stop(grace=1)
    assert handled == 5000


async def test_stop_leaves_the_unhandled_stored_and_the_next_start_handles_them(
    db: Database,
) -> None:
    first = Intake(Inbox(db), Clock(), concurrency=2, window=16)
    stuck = asyncio.Event()

    async def never_finishes(body: str) -> None:
        await stuck.wait()

    await first.accept([message(i, i % 3) for i in range(1, 31)])
    first.start(never_finishes)
    await until(lambda: first.in_flight == 2, "two handlers running")
    await first.stop(grace=0.01)  # the two in flight are cancelled: not marked handled
    pending = await db.fetchall("SELECT seq FROM inbox WHERE handled_at IS NULL")
    assert len(pending) == 30

    second = Intake(Inbox(db), Clock())
    recorder = Recorder()
    second.start(recorder)
    await second.idle()
    await second.stop(grace=1)
    assert sorted(u for _, u in recorder.seen) == list(range(1, 31))
    assert in_order(recorder.seen)


async def test_a_redelivered_update_is_stored_and_handled_once(db: Database) -> None:
    intake = Intake(Inbox(db), Clock())
    recorder = Recorder()
    intake.start(recorder)
    await intake.accept([message(1, 5), message(2, 5)])
    await intake.idle()
    # Telegram sends them again (killed before the offset confirmed them), with a new one.
    await intake.accept([message(1, 5), message(2, 5), message(3, 5)])
    await intake.idle()
    await intake.stop(grace=1)
    assert recorder.seen == [(5, 1), (5, 2), (5, 3)]


async def test_handled_updates_keep_no_message_and_no_person(db: Database) -> None:
    intake = Intake(Inbox(db), Clock())
    intake.start(Recorder())
    await intake.accept([message(1, 77, "nomor saya 0812")])
    await intake.idle()
    await intake.stop(grace=1)
    await db.close()  # the bookkeeping write is committed at close at the latest
    await db.open()
    row = await db.fetchone("SELECT person, body, handled_at FROM inbox")
    assert row is not None and row["handled_at"] is not None
    assert row["person"] is None and row["body"] is None


@pytest.mark.parametrize(
    ("update", "person"),
    [
        (message(1, 42), 42),
        ({"update_id": 2, "callback_query": {"id": "1", "from": {"id": 43}, "data": "x"}}, 43),
        ({"update_id": 3, "edited_message": {"chat": {"id": 44}, "text": "x"}}, 44),
        ({"update_id": 4, "channel_post": {"chat": {"id": -100}}}, -100),
        ({"update_id": 5}, 0),
        ({"update_id": 6, "message": "not an object"}, 0),
    ],
)
def test_person_of(update: dict[str, Any], person: int) -> None:
    assert person_of(update) == person


async def test_updates_through_the_bot_are_stored_then_marked_handled(
    mini_settings: Settings,
) -> None:
    async with running_bot(mini_settings) as bot:
        user = bot.user(61)
        await consent(user, "uji")
        await user.tap("Kurir")
    stored = rows(mini_settings, "SELECT update_id, person, body, handled_at FROM inbox")
    assert len(stored) == 3  # /start, Setuju, Kurir
    assert all(r["handled_at"] and r["person"] is None and r["body"] is None for r in stored)
    assert answers(mini_settings, 61) == {"kerja": "kurir"}


async def test_housekeeping_forgets_handled_ids_after_two_days_and_keeps_pending(
    db: Database,
) -> None:
    clock = Clock()
    intake = Intake(Inbox(db), clock)
    intake.start(Recorder())
    await intake.accept([message(1, 5)])
    await intake.idle()
    await intake.stop(grace=1)
    await Inbox(db).store([arrival(message(2, 6))], clock.now())  # not handled yet
    clock.advance(timedelta(days=2, minutes=1))
    assert await Inbox(db).purge_handled(clock.now() - timedelta(days=2)) == 1
    left = await db.fetchall("SELECT update_id FROM inbox")
    assert [r["update_id"] for r in left] == [2]
