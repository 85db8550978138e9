"""After /hapusdata no row anywhere refers to the person: every table in sqlite_master, every
column, every value is read and none is their id (as a number, or as a whole number inside a
text or JSON). Results stay right: they count the people who have not withdrawn, so everyone
else's responses and answers are untouched and the totals drop by exactly the person's own.
Retention deletes what no feature purges itself. Through the real bot; the database read as an
auditor would."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.storage.timefmt import to_db
from bot.testing import harness
from bot.testing.harness import Bot, running_bot
from tests.helpers import clock_at, no_refusals, rows
from tests.test_data_export import OTHER, PERSON, with_everything
from tests.test_events_chat import NOW, store

ADMIN = 7_770_009


@pytest.fixture
def walk_settings(tmp_path: Path) -> Settings:
    return harness.test_settings(tmp_path, admin_ids=frozenset({ADMIN}), retention_days=30)


@pytest.fixture
async def bot(walk_settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(walk_settings, clock=clock_at(NOW)) as running:
        yield running
        no_refusals(running)


def mentions(settings: Settings, person: int) -> list[tuple[str, str, object]]:
    """(table, column, value) for every value in the database that refers to `person`."""
    whole = re.compile(rf"(?<![0-9]){person}(?![0-9])")
    conn = sqlite3.connect(f"file:{settings.database_path}?mode=ro", uri=True)
    found = []
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert len(tables) > 15  # the walk covers the real schema, not an empty file
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')  # names from sqlite_master
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", "replace")
                    if value == person or (isinstance(value, str) and whole.search(value)):
                        found.append((table, column, value))
    finally:
        conn.close()
    return found


def totals(settings: Settings) -> dict[str, int]:
    found = rows(
        settings,
        "SELECT survey_id, count(*) AS n FROM responses WHERE status = 'submitted' "
        "GROUP BY survey_id",
    )
    return {r["survey_id"]: r["n"] for r in found}


def answers_of(settings: Settings, person: int) -> list[tuple[str, str]]:
    found = rows(
        settings,
        "SELECT a.question_id, a.value FROM answers a JOIN responses r ON r.id = a.response_id "
        "WHERE r.user_id = ? ORDER BY a.question_id",
        (person,),
    )
    return [(r["question_id"], r["value"]) for r in found]


async def test_after_hapusdata_no_row_anywhere_refers_to_the_person(
    bot: Bot, walk_settings: Settings
) -> None:
    await store(bot)
    user, other = bot.user(PERSON), bot.user(OTHER)
    await with_everything(bot, user, 1)
    await with_everything(bot, other, 2)
    await user.send("/dataku")
    # The walk finds what it looks for: before erasure the person is in many tables.
    before = {table for table, _column, _value in mentions(walk_settings, PERSON)}
    assert {
        "users",
        "consents",
        "responses",
        "registrations",
        "event_wishes",
        "wishes_told",
        "subscriptions",
        "deliveries",
        "unreachable",
        "awaiting",
        "jobs",
        "audit_log",
    } <= before
    others_answers = answers_of(walk_settings, OTHER)
    totals_before = totals(walk_settings)
    assert totals_before == {"pelatihan": 2}

    await user.send("/hapusdata")
    await user.tap("Ya, hapus semua")
    assert user.text.startswith("Selesai: semua data Anda sudah kami hapus.")
    await bot.services.scheduler.run_due()
    await bot.services.intake.idle()

    assert mentions(walk_settings, PERSON) == []
    # Results: everyone else's answers as they were, the totals less the person's own.
    assert answers_of(walk_settings, OTHER) == others_answers
    assert totals(walk_settings) == {"pelatihan": 1}
    assert {table for table, _column, _value in mentions(walk_settings, OTHER)} >= before - {
        "audit_log"
    }


async def test_retention_of_deliveries_and_of_people_gone(
    bot: Bot, walk_settings: Settings
) -> None:
    """Housekeeping: deliveries sent longer ago than RETENTION_DAYS go (pending ones stay);
    someone Telegram could not reach for 90 days loses their subscription and the mark."""
    assert bot.app.job_queue is not None
    (housekeeping,) = bot.app.job_queue.get_jobs_by_name("housekeeping")
    people = bot.services.people
    for person in (PERSON, OTHER, ADMIN):
        await people.consent(person, "id", "announcements")
    long_ago = to_db(bot.clock.now())
    await bot.services.db.write(
        ("INSERT INTO subscriptions (user_id, created_at, updated_at) VALUES (?, ?, ?)",
         (PERSON, long_ago, long_ago)),
        ("INSERT INTO subscriptions (user_id, created_at, updated_at) VALUES (?, ?, ?)",
         (OTHER, long_ago, long_ago)),
        ("INSERT INTO broadcasts (id, created_by, created_at, from_chat_id, message_id) "
         "VALUES (1, ?, ?, ?, 1)", (ADMIN, long_ago, ADMIN)),
        ("INSERT INTO deliveries (broadcast_id, person, status, sent_at) "
         "VALUES (1, ?, 'sent', ?)", (OTHER, long_ago)),
        ("INSERT INTO unreachable (person, since, reason) VALUES (?, ?, 'blocked')",
         (PERSON, long_ago)),
    )  # fmt: skip
    bot.clock.advance(timedelta(days=31))
    await bot.services.db.write(
        ("INSERT INTO broadcasts (id, created_by, created_at, from_chat_id, message_id) "
         "VALUES (2, ?, ?, ?, 2)", (ADMIN, to_db(bot.clock.now()), ADMIN)),
        ("INSERT INTO deliveries (broadcast_id, person, status) VALUES (2, ?, 'pending')",
         (OTHER,)),
        ("INSERT INTO deliveries (broadcast_id, person, status) VALUES (2, ?, 'pending')",
         (PERSON,)),
    )  # fmt: skip
    await housekeeping.run(bot.app)
    # 31 days: the old delivery is gone, the pending one stays; 90 days not yet up for PERSON.
    assert [r["broadcast_id"] for r in rows(walk_settings, "SELECT * FROM deliveries")] == [2, 2]
    assert rows(walk_settings, "SELECT person FROM unreachable")[0]["person"] == PERSON
    bot.clock.advance(timedelta(days=60))
    await housekeeping.run(bot.app)
    subscribed = [r["user_id"] for r in rows(walk_settings, "SELECT user_id FROM subscriptions")]
    assert subscribed == [OTHER]  # PERSON blocked the bot 91 days ago: gone
    assert rows(walk_settings, "SELECT * FROM unreachable") == []
    assert [r["person"] for r in rows(walk_settings, "SELECT * FROM deliveries")] == [OTHER]
    # The people themselves stay (the record of what they agreed to), as /hapusdata can delete.
    assert len(rows(walk_settings, "SELECT id FROM users")) == 3
