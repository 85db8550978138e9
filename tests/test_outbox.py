"""The durable outbox and the broadcast sender: each recipient once, Telegram's errors handled
as it asks (403, 429, 5xx, timeouts), a restart mid-broadcast, and replies ahead of broadcasts.

The sender's `sleep` is swapped for one that records what it was asked to wait and waits only
a moment: nothing here sleeps for real beyond milliseconds."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from telegram.error import TimedOut

from bot.config import Settings
from bot.outbox.sender import RETRIES, concurrency_for
from bot.storage.outbox import Content
from bot.testing import harness
from bot.testing.fake_telegram import ApiError, FakeTelegram, too_many
from bot.testing.harness import Bot, running_bot
from tests.conftest import TEST_SURVEYS
from tests.helpers import consent, no_refusals, rows

STAFF = 42
FIRST = 10_000  # recipients' ids start here


@pytest.fixture
def fast(tmp_path: Path) -> Settings:
    # The pace is the sender's own business (aiolimiter); tests run it fast.
    return harness.test_settings(tmp_path, surveys_dir=TEST_SURVEYS, broadcast_per_second=1000)


class Sleeps:
    """Stands in for asyncio.sleep in the sender: records each wait, and how many copyMessage
    calls Telegram got while it lasted."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram
        self.waits: list[float] = []
        self.calls_during: list[int] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        before = len(self.telegram.calls_to("copyMessage"))
        await asyncio.sleep(0.02)
        self.calls_during.append(len(self.telegram.calls_to("copyMessage")) - before)


@pytest.fixture
async def sending(fast: Settings) -> AsyncIterator[tuple[Bot, Sleeps]]:
    async with running_bot(fast) as bot:
        sleeps = Sleeps(bot.telegram)
        bot.services.sender.sleep = sleeps
        yield bot, sleeps
        no_refusals(bot)


async def people(bot: Bot, count: int, first: int = FIRST) -> list[int]:
    """Subscribers with a users row (recipients consented), written straight to the database."""
    ids = list(range(first, first + count))
    await bot.services.db.transact(
        lambda conn: conn.executemany(
            "INSERT INTO users (id, locale, created_at, updated_at) VALUES (?, 'id', 'x', 'x')",
            ((i,) for i in ids),
        )
    )
    return ids


async def broadcast(bot: Bot, recipients: list[int], text: str = "Workshop HAKI di Kupang") -> int:
    source = bot.telegram.original(STAFF, text=text)
    broadcast_id, count = await bot.services.outbox.create(
        created_by=STAFF,
        content=Content(STAFF, source, text),
        recipients=(person for person in recipients),
        audience={"kind": "all"},
        now=bot.clock.now(),
    )
    assert count == len(recipients)
    bot.services.sender.wake()
    return broadcast_id


def copies(bot: Bot, person: int) -> list[str]:
    return [m.get("text", "") for m in bot.telegram.bot_messages(person) if "copied_from" in m]


def statuses(settings: Settings, broadcast_id: int) -> dict[int, str]:
    found = rows(
        settings, "SELECT person, status FROM deliveries WHERE broadcast_id = ?", (broadcast_id,)
    )
    return {r["person"]: r["status"] for r in found}


async def test_every_recipient_gets_exactly_one_copy(
    sending: tuple[Bot, Sleeps], fast: Settings
) -> None:
    bot, _ = sending
    recipients = await people(bot, 300)
    first = await broadcast(bot, recipients)
    await bot.services.sender.idle()
    for person in recipients:
        assert copies(bot, person) == ["Workshop HAKI di Kupang"]
    assert len(bot.telegram.calls_to("copyMessage")) == 300
    assert all("allow_paid_broadcast" not in c.params for c in bot.telegram.calls_to("copyMessage"))
    assert set(statuses(fast, first).values()) == {"sent"}
    assert rows(fast, "SELECT status, created_by FROM broadcasts")[0][:] == ("done", STAFF)


async def test_blocked_and_missing_chats_are_skipped_not_retried(
    sending: tuple[Bot, Sleeps], fast: Settings
) -> None:
    bot, sleeps = sending
    recipients = await people(bot, 5)
    blocked, gone = recipients[1], recipients[3]
    bot.telegram.fail_chat(
        blocked, ApiError(403, "Forbidden: bot was blocked by the user"), always=True
    )
    bot.telegram.fail_chat(gone, ApiError(400, "Bad Request: chat not found"), always=True)
    first = await broadcast(bot, recipients)
    await bot.services.sender.idle()
    state = statuses(fast, first)
    assert state[blocked] == state[gone] == "skipped"
    assert [s for p, s in state.items() if p not in (blocked, gone)] == ["sent"] * 3
    assert {r["person"] for r in rows(fast, "SELECT person FROM unreachable")} == {blocked, gone}
    assert len(bot.telegram.calls_to("copyMessage", blocked)) == 1  # not tried again
    assert sleeps.waits == []

    # The next broadcast does not even write a delivery for them.
    second = await broadcast(bot, [p for p in recipients if p not in (blocked, gone)])
    await bot.services.sender.idle()
    assert blocked not in statuses(fast, second)
    assert len(bot.telegram.calls_to("copyMessage", blocked)) == 1


async def test_429_pauses_all_sending_for_retry_after(
    sending: tuple[Bot, Sleeps], fast: Settings
) -> None:
    bot, sleeps = sending
    recipients = await people(bot, 40)
    bot.telegram.fail_chat(recipients[10], too_many(7))
    first = await broadcast(bot, recipients)
    await bot.services.sender.idle()
    assert sleeps.waits.count(7) == 1
    paused = sleeps.waits.index(7)
    assert sleeps.calls_during[paused] == 0  # nobody was sent anything while paused
    assert set(statuses(fast, first).values()) == {"sent"}
    for person in recipients:
        assert len(copies(bot, person)) == 1
    # The refused message went again after the pause, and the 429 did not count as an attempt.
    assert len(bot.telegram.calls_to("copyMessage", recipients[10])) == 2
    assert (
        rows(fast, "SELECT attempts FROM deliveries WHERE person = ?", (recipients[10],))[0][0] == 1
    )


async def test_server_errors_and_timeouts_are_retried_then_recorded_failed(
    sending: tuple[Bot, Sleeps], fast: Settings
) -> None:
    bot, sleeps = sending
    recipients = await people(bot, 3)
    hopeless, flaky = recipients[0], recipients[1]
    bot.telegram.fail_chat(
        hopeless,
        ApiError(502, "Bad Gateway"),
        ApiError(500, "Internal Server Error"),
        TimedOut(),
        ApiError(502, "Bad Gateway"),
    )
    bot.telegram.fail_chat(flaky, TimedOut())
    first = await broadcast(bot, recipients)
    await bot.services.sender.idle()
    found = {
        r["person"]: r
        for r in rows(fast, "SELECT person, status, attempts, last_error FROM deliveries")
    }
    assert found[hopeless]["status"] == "failed"
    assert found[hopeless]["attempts"] == RETRIES + 1
    assert "Bad Gateway" in found[hopeless]["last_error"]
    assert found[flaky]["status"] == "sent" and found[flaky]["attempts"] == 2
    assert copies(bot, hopeless) == [] and len(copies(bot, flaky)) == 1
    # Growing pauses, bounded in number (the other waits are each chat's one second).
    backoffs = [wait for wait in sleeps.waits if wait in (1.0, 2.0, 4.0)]
    assert sorted(backoffs) == [1.0, 1.0, 2.0, 4.0]
    assert statuses(fast, first)[recipients[2]] == "sent"
    assert rows(fast, "SELECT status FROM broadcasts")[0][0] == "done"


async def test_a_restart_mid_broadcast_skips_nobody_and_repeats_at_most_those_in_flight(
    fast: Settings,
) -> None:
    telegram = FakeTelegram()
    async with running_bot(fast, telegram) as bot:
        # In flight at once follows the pace (1,000 a second here: 250), and is the bound.
        in_flight = bot.services.sender.concurrency
        assert in_flight == concurrency_for(1000) == 250
        recipients = await people(bot, 400)
        # 50 answered; then Telegram still delivers but its answers never arrive: the process
        # is stopped not knowing whether those went out.
        telegram.hold_answers("copyMessage", after=50)
        first = await broadcast(bot, recipients)
        for _ in range(500):
            if len(telegram.calls_to("copyMessage")) >= 50 + in_flight:
                break
            await asyncio.sleep(0.01)
        await bot.services.sender.stop(grace=0.05)
        sent_before = len(telegram.calls_to("copyMessage"))
    assert sent_before <= 50 + in_flight
    telegram.release("copyMessage")
    assert list(statuses(fast, first).values()).count("pending") >= 400 - 50 - in_flight

    async with running_bot(fast, telegram) as bot:
        await bot.services.sender.idle()
        twice = [p for p in recipients if len(copies(bot, p)) > 1]
        assert all(len(copies(bot, p)) >= 1 for p in recipients)  # nobody skipped
        assert len(twice) <= in_flight  # the documented bound
        assert set(statuses(fast, first).values()) == {"sent"}
        no_refusals(bot)


async def test_ten_thousand_deliveries_are_streamed_not_listed(
    sending: tuple[Bot, Sleeps], fast: Settings
) -> None:
    bot, _ = sending
    await bot.services.db.write(
        (
            "WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO users (id, locale, created_at, updated_at) SELECT i, 'id', 'x', 'x' FROM n",
            (FIRST, FIRST + 99_999),
        )
    )
    outbox = bot.services.outbox
    content = Content(STAFF, 1, "x")
    # From a recipient query: INSERT ... SELECT, nothing passes through Python.
    by_query, count = await outbox.create(
        created_by=STAFF,
        content=content,
        recipients="SELECT id FROM users WHERE id < ?",
        params=(FIRST + 10_000,),
        scheduled_at=bot.clock.now().replace(year=2099),
        now=bot.clock.now(),
    )
    assert count == 10_000
    # From a generator of 100,000: memory stays that of one chunk, not of the whole list.
    produced = 0

    def everyone() -> Iterator[int]:
        nonlocal produced
        for person in range(FIRST, FIRST + 100_000):
            produced += 1
            yield person

    tracemalloc.start()
    by_generator, count = await outbox.create(
        created_by=STAFF,
        content=content,
        recipients=everyone(),
        scheduled_at=bot.clock.now().replace(year=2099),
        now=bot.clock.now(),
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert produced == count == 100_000
    assert peak < 3_000_000, peak  # 100,000 ids as a list of tuples alone is about 8 MB
    assert rows(fast, "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'")[0][0] == 110_000
    assert by_query != by_generator
    assert bot.telegram.calls_to("copyMessage") == []  # scheduled far ahead: none due


async def test_a_survey_answer_during_a_large_broadcast_is_answered_first(
    sending: tuple[Bot, Sleeps], fast: Settings
) -> None:
    bot, _ = sending
    respondent = bot.user(1)
    await consent(respondent, "uji")
    assert "Apa pekerjaan Anda?" in respondent.text
    recipients = await people(bot, 2000)
    # Telegram is slow to answer the broadcast: its messages pile up behind the sender's
    # few in flight.
    bot.telegram.hold_answers("copyMessage", after=20)
    first = await broadcast(bot, recipients)
    for _ in range(500):
        if len(bot.telegram.calls_to("copyMessage")) >= 20 + bot.services.sender.concurrency:
            break
        await asyncio.sleep(0.01)
    await respondent.tap("Ojek online")
    assert "⬜ Gojek" in respondent.buttons()  # the next question came back at once
    pending = list(statuses(fast, first).values()).count("pending")
    assert pending >= 2000 - 20 - bot.services.sender.concurrency
    bot.telegram.release("copyMessage")
    await bot.services.sender.idle()
    assert set(statuses(fast, first).values()) == {"sent"}
    assert all(len(copies(bot, p)) == 1 for p in recipients[:50])


async def test_one_chat_gets_at_most_one_message_a_second(
    sending: tuple[Bot, Sleeps], fast: Settings
) -> None:
    bot, sleeps = sending
    recipients = await people(bot, 2)
    first = await broadcast(bot, recipients, "Pertama")
    second = await broadcast(bot, recipients, "Kedua")
    await bot.services.sender.idle()
    for person in recipients:
        assert copies(bot, person) == ["Pertama", "Kedua"]
    # The second message to each chat waited out the rest of the second since the first.
    assert len(sleeps.waits) == 2 and all(0 < wait <= 1 for wait in sleeps.waits)
    assert set(statuses(fast, first).values()) == set(statuses(fast, second).values()) == {"sent"}


async def test_paused_and_cancelled_broadcasts_send_nothing_more(
    sending: tuple[Bot, Sleeps], fast: Settings
) -> None:
    bot, _ = sending
    recipients = await people(bot, 30)
    outbox, sender = bot.services.outbox, bot.services.sender
    await sender.stop()  # so that nothing goes out between creating and pausing
    paused = await broadcast(bot, recipients, "Ditunda")
    await outbox.set_status(paused, "paused")
    cancelled = await broadcast(bot, recipients, "Dibatalkan")
    await outbox.set_status(cancelled, "cancelled")
    sender.start(bot.app.bot)
    await sender.idle()
    assert bot.telegram.calls_to("copyMessage") == []
    await outbox.set_status(paused, "sending")  # resumed
    sender.wake()
    await sender.idle()
    assert all(copies(bot, p) == ["Ditunda"] for p in recipients)
    assert await outbox.counts(cancelled) == {"pending": 30}  # the record of who was not told
    found = {r["id"]: r["status"] for r in rows(fast, "SELECT id, status FROM broadcasts")}
    assert found == {paused: "done", cancelled: "cancelled"}


async def test_paid_broadcasts_ask_telegram_for_them(tmp_path: Path) -> None:
    settings = harness.test_settings(
        tmp_path, surveys_dir=TEST_SURVEYS, broadcast_per_second=1000, broadcast_paid=True
    )
    async with running_bot(settings) as bot:
        recipients = await people(bot, 3)
        await broadcast(bot, recipients)
        await bot.services.sender.idle()
        calls = bot.telegram.calls_to("copyMessage")
        assert len(calls) == 3
        assert all(call.params.get("allow_paid_broadcast") is True for call in calls)
        no_refusals(bot)


async def test_a_broadcast_to_nobody_is_done_at_once(
    sending: tuple[Bot, Sleeps], fast: Settings
) -> None:
    bot, _ = sending
    await people(bot, 2)
    # Everyone chosen is unreachable already: no delivery is written, and nothing waits.
    await bot.services.db.write(
        ("INSERT INTO unreachable (person, since, reason) SELECT id, 'x', 'blocked' FROM users", ())
    )
    _, count = await bot.services.outbox.create(
        created_by=STAFF,
        content=Content(STAFF, 1, "x"),
        recipients="SELECT id FROM users",
        now=bot.clock.now(),
    )
    assert count == 0
    assert rows(fast, "SELECT status FROM broadcasts")[0][0] == "done"
    await bot.services.sender.idle()
    assert bot.telegram.calls_to("copyMessage") == []
