"""Registrations under faults, with `python -m bot` in its own process (as in
tests/test_process_faults.py): 300 people agree and register for a 50-seat event at the same
moment, the bot is SIGKILLed while replies are in flight, and a second process finishes.

Whatever was cut off, the database ends as if every tap had been handled once, in arrival
order: 50 seats, 250 places in line numbered 1 to 250, one registration and one events consent
per person, and everyone told where they stand.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.testing.fake_telegram import FakeTelegram
from bot.testing.loopback import LoopbackServer
from handlers.buttons import EventConsent
from tests.test_events_import import csv_bytes, example_rows
from tests.test_process import bot_env
from tests.test_process_faults import (
    CONCURRENCY,
    FAST,
    bot_process,
    closed_cleanly,
    no_faults,
    pending_inbox,
    people,
    settings,
)

SEATS = 50
CROWD = 300


def import_event(tmp_path: Path, db: Path) -> int:
    """A 50-seat workshop a month from now (real time: the process runs on the real clock),
    imported with the command staff use; returns its id."""
    start = datetime.now(ZoneInfo("Asia/Makassar")).replace(second=0, microsecond=0)
    start += timedelta(days=30)
    row = {
        **example_rows()[0],
        "capacity": str(SEATS),
        "starts_at": start.strftime("%Y-%m-%d %H:%M"),
        "ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"),
        "registration_closes": "",
    }
    path = tmp_path / "events.csv"
    path.write_bytes(csv_bytes([row]))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "events", "import", str(path)],
        cwd=tmp_path,
        env=bot_env(DATABASE_PATH=str(db)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT id FROM events").fetchone()[0])
    finally:
        conn.close()


def registrations(db: Path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT user_id, status FROM registrations ORDER BY created_at, id"
        ).fetchall()
    finally:
        conn.close()


def consents(db: Path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT user_id, purpose FROM consents ORDER BY user_id").fetchall()
    finally:
        conn.close()


async def test_killed_while_300_register_for_50_seats(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    event_id = import_event(tmp_path, db)
    telegram = FakeTelegram()
    crowd = people(telegram, CROWD)
    everyone = {p.id for p in crowd}

    def told() -> int:
        return len(telegram.calls_to("editMessageText")) + len(telegram.calls_to("sendMessage"))

    async with LoopbackServer(telegram) as server:
        async with bot_process(tmp_path, "first", **settings(server, db)) as first:
            await first.until(lambda: telegram.calls_to("getUpdates"), "the first getUpdates")
            for person in crowd:
                # The events notice each person is looking at; its "Setuju" carries the event,
                # so one tap agrees and registers (the reply edits the notice).
                notice = telegram._m_sendMessage({"chat_id": person.id, "text": "Setuju?"})
                data = EventConsent(True, event_id).pack()
                telegram.queue_update(person.callback_update(data, notice))
            await first.until(lambda: telegram.pending_update_count == 0, "all taps stored")
            await first.until(lambda: told() >= 20, "a few replies")
            # Telegram acts on the next replies but its answers stall: those handlers are in
            # flight when the process dies, the case that can run a handler twice.
            telegram.hold_answers("editMessageText")
            telegram.hold_answers("sendMessage")
            await first.until(lambda: told() >= 30, "replies held")
            await first.kill()
            telegram.release("editMessageText")
            telegram.release("sendMessage")
        assert pending_inbox(db).total() > 100, "the kill came too late to prove anything"
        async with bot_process(
            tmp_path, "second", **settings(server, db, MAX_MESSAGES_PER_SECOND=FAST)
        ) as second:
            await second.until(lambda: not pending_inbox(db), "every tap handled")
            await second.stop()
        # A handler run again after the kill answers its tap a second time, which Telegram
        # refuses ("query is too old"); the bot shrugs that off. Nothing else is refused.
        again = [c for c, e in telegram.refusals if "query is too old" in e.description]
        assert len(again) <= CONCURRENCY
        telegram.refusals = [(c, e) for c, e in telegram.refusals if c not in again]
        no_faults(telegram, server)
    assert closed_cleanly(db)

    found = registrations(db)
    assert sorted(user for user, _status in found) == sorted(everyone)  # one each, none lost
    assert [status for _user, status in found] == ["confirmed"] * SEATS + ["waiting"] * (
        CROWD - SEATS
    )  # seats went to the first to reach the writer, the rest queued behind them
    assert consents(db) == [(person, "events") for person in sorted(everyone)]
    # Everyone was told (an edit of the notice, or a new message where the edit failed).
    answered = {
        int(c.params["chat_id"])
        for c in telegram.calls
        if c.method in ("editMessageText", "sendMessage")
    }
    assert answered == everyone
    # Only handlers cut off by the kill ran twice; a second run found the place already held.
    edits = [int(c.params["chat_id"]) for c in telegram.calls if c.method == "editMessageText"]
    twice = {chat for chat in edits if edits.count(chat) > 1}
    print(f"\n{len(again)} taps handled again after the kill, {len(twice)} people told twice")
    assert len(twice) <= CONCURRENCY
