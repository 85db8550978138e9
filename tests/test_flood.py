"""Flood control through the real bot: a person sending far more than anyone answering a survey
gets their first messages answered, one polite notice, and nothing else handled or kept, while
someone else writing at the same moment is answered as usual; after a pause, they are served
again. A backlog delivered after downtime is not taken for a flood."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.intake.flood import LIMIT, FloodGuard, sent_at
from bot.testing import harness
from bot.testing.harness import running_bot
from tests.conftest import TEST_SURVEYS
from tests.helpers import clock_at, no_refusals, rows

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # 10.00 WIB
SLOW_DOWN = "Pesan Anda datang sangat cepat"


def replies(bot: harness.Bot, person: int) -> list[str]:
    return [m.get("text", "") for m in bot.telegram.bot_messages(person)]


async def test_a_flood_is_slowed_and_nobody_else_waits(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, surveys_dir=TEST_SURVEYS, flood_limit=LIMIT)
    async with running_bot(settings, clock=clock_at(NOW)) as bot:
        flooder, other = bot.user(111), bot.user(222)
        burst = [flooder.message_update(f"/bantuan {n}") for n in range(60)]
        # Everyone's updates in one batch, the other person's last: they must not wait.
        await bot.deliver(*burst, other.message_update("/bantuan"))

        said = replies(bot, flooder.id)
        assert sum(SLOW_DOWN in text for text in said) == 1  # told once, not 40 times
        assert len(said) == LIMIT + 1  # the first LIMIT answered, then the notice
        assert SLOW_DOWN in said[-1]
        assert len(replies(bot, other.id)) == 1 and SLOW_DOWN not in replies(bot, other.id)[0]

        # Nothing of what was skipped is kept: no text, only the update ids (as for any
        # handled update), so a redelivery is still recognised.
        stored = rows(settings, "SELECT update_id, body FROM inbox")
        assert {r["update_id"] for r in stored} >= {u["update_id"] for u in burst}
        assert all(r["body"] is None for r in stored)

        # Still flooding a moment later: skipped, and no second notice within the window.
        bot.clock.advance(timedelta(seconds=3))
        await bot.deliver(flooder.message_update("/bantuan"))
        assert len(replies(bot, flooder.id)) == LIMIT + 1

        # After a pause, served as anyone.
        bot.clock.advance(timedelta(seconds=11))
        await bot.deliver(flooder.message_update("/bantuan"))
        assert len(replies(bot, flooder.id)) == LIMIT + 2
        assert SLOW_DOWN not in replies(bot, flooder.id)[-1]
        no_refusals(bot)


async def test_flood_notice_speaks_the_persons_language(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, surveys_dir=TEST_SURVEYS, flood_limit=3)
    async with running_bot(settings, clock=clock_at(NOW)) as bot:
        english = bot.user(333, "en")  # a stranger whose Telegram speaks English
        await bot.deliver(*(english.message_update("/help") for _ in range(10)))
        said = [m.get("text", "") for m in bot.telegram.bot_messages(english.id)]
        assert sum("sending messages very fast" in t for t in said) == 1
        assert not any(SLOW_DOWN in t for t in said)
        no_refusals(bot)


def test_the_moment_that_counts_is_when_the_person_sent_it() -> None:
    guard = FloodGuard(limit=5, window=10)
    night = NOW.timestamp() - 8 * 3600
    # Twelve messages written over the night, delivered together in the morning: no flood.
    backlog = [
        {"update_id": n, "message": {"date": int(night + n * 600), "text": "x"}} for n in range(12)
    ]
    verdicts = [guard.judge(7, sent_at(u, NOW.timestamp())) for u in backlog]
    assert all(v.admitted for v in verdicts)
    # The same twelve sent within one second: five admitted, one notice, the rest quiet.
    verdicts = [guard.judge(8, NOW.timestamp()) for _ in range(12)]
    assert [v.admitted for v in verdicts] == [True] * 5 + [False] * 7
    assert [v.notify for v in verdicts].count(True) == 1
    # A tap has no date: its arrival counts; a date in the future counts as the arrival.
    assert sent_at({"update_id": 1, "callback_query": {"id": "q"}}, 100.0) == 100.0
    assert sent_at({"update_id": 1, "message": {"date": 500}}, 100.0) == 100.0


def test_memory_is_bounded_however_many_people_write() -> None:
    guard = FloodGuard(limit=2, window=10, people=1000)
    for person in range(1, 50_001):
        guard.judge(person, 0.0)
    assert len(guard._recent) <= 1000
