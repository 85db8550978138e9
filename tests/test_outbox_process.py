"""`python -m bot` killed with SIGKILL mid-broadcast, restarted: everyone gets the broadcast, and
only those whose message was in flight at the kill (at most the sender's concurrency) twice.

The broadcast is written to the database before the first start, as confirming one will write
it: the sender resumes whatever is pending at start, so the process needs no staff chat here."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.outbox.sender import concurrency_for
from bot.storage.database import Database
from bot.storage.outbox import Content, Outbox
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.loopback import LoopbackServer
from tests.test_process_faults import bot_process, closed_cleanly, no_faults, settings

STAFF = 42
RECIPIENTS = 3000
# Copies in flight at once follow the pace: at this test's 1,000 a second, 250. That is the
# documented bound on what a hard kill can repeat (8 at the default 28 a second).
CONCURRENCY = concurrency_for(1000)
FIRST = 10_000


async def write_broadcast(db_path: Path, telegram: FakeTelegram) -> None:
    db = Database(db_path)
    await db.open()
    try:
        await db.write(
            (
                "WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                "INSERT INTO users (id, locale, created_at, updated_at) "
                "SELECT i, 'id', 'x', 'x' FROM n",
                (FIRST, FIRST + RECIPIENTS - 1),
            )
        )
        source = telegram.original(STAFF, text="Lokakarya HAKI di Kupang")
        await Outbox(db).create(
            created_by=STAFF,
            content=Content(STAFF, source, "Lokakarya HAKI di Kupang"),
            recipients="SELECT id FROM users",
            now=datetime.now(UTC),
        )
    finally:
        await db.close()


def copies(telegram: FakeTelegram) -> Counter[int]:
    return Counter(int(c.params["chat_id"]) for c in telegram.calls_to("copyMessage"))


def delivered(telegram: FakeTelegram) -> Counter[int]:
    """Copies that reached each chat (a call Telegram refused or failed is not one)."""
    return Counter(
        chat_id
        for chat_id, chat in telegram.chats.items()
        for message in chat.messages.values()
        if "copied_from" in message
    )


def pending(db: Path) -> int:
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return int(
            conn.execute("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'").fetchone()[0]
        )
    finally:
        conn.close()


async def test_sigkill_mid_broadcast_resumes_with_nobody_skipped(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    telegram = FakeTelegram()
    await write_broadcast(db, telegram)
    everyone = set(range(FIRST, FIRST + RECIPIENTS))
    async with LoopbackServer(telegram) as server:
        # No quiet hours: the test runs at whatever hour it is in Jakarta.
        fast = settings(server, db, BROADCAST_PER_SECOND="1000", QUIET_HOURS="")
        async with bot_process(tmp_path, "first", **fast) as first:
            await first.until(lambda: copies(telegram).total() >= 500, "500 copies")
            # Telegram keeps delivering, but its answers stall: those copies are in flight.
            telegram.hold_answers("copyMessage")
            held_from = len(telegram.calls)
            # Counted by chat: on a slow machine a held copy may time out and be tried again.
            await first.until(
                lambda: (
                    len(
                        {
                            c.params["chat_id"]
                            for c in telegram.calls[held_from:]
                            if c.method == "copyMessage"
                        }
                    )
                    >= CONCURRENCY
                ),
                "the sender's slots all in flight",
            )
            await asyncio.sleep(0.2)  # nothing more goes out while all slots wait
            await first.kill()
            telegram.release("copyMessage")
        held = {
            int(c.params["chat_id"])
            for c in telegram.calls[held_from:]
            if c.method == "copyMessage"
        }
        assert len(held) == CONCURRENCY
        left = pending(db)
        assert left >= RECIPIENTS - delivered(telegram).total(), "a delivery was lost"
        assert left > 1000, "the kill came after the broadcast finished; it proves nothing"

        async with bot_process(tmp_path, "second", **fast) as second:
            await second.until(lambda: pending(db) == 0, "every delivery recorded")
            await second.stop()
        no_faults(telegram, server)
    assert closed_cleanly(db)
    after = delivered(telegram)
    assert set(after) == everyone  # nobody skipped
    twice = {chat for chat, n in after.items() if n > 1}
    print(f"\n{len(twice)} of {RECIPIENTS} got the broadcast twice (bound {CONCURRENCY})")
    assert twice <= held  # only those in flight at the kill
    assert all(n <= 2 for n in after.values())
    assert len(copies(telegram)) == RECIPIENTS  # every copy Telegram got, it delivered
