"""/dataku sends everything held about the person as a JSON file (UU PDP's right of access):
profile, consents with their dates, answers, registrations, wishes, subscriptions, deliveries.
The file is read back and compared, table by table, with the database read as an auditor would;
nobody else's data is in it. Through the real bot."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.config import Settings
from bot.services.people import WISHES_PURPOSE
from bot.storage.personal import PERSONAL
from bot.storage.timefmt import to_db
from bot.testing.harness import Bot, FakeUser, running_bot
from tests.helpers import clock_at, consent, no_refusals, pelatihan_shortest, rows
from tests.test_consent_adult import ADULT
from tests.test_event_registration import daftar
from tests.test_events_chat import NOW, store

PERSON, OTHER = 7_770_001, 7_770_002
# Columns that hold JSON text: the file gives what they hold.
STORED_AS_JSON = {
    ("answers", "value"),
    ("responses", "pending"),
    ("event_wishes", "criteria"),
    ("subscriptions", "topics"),
    ("subscriptions", "regions"),
    ("awaiting", "state"),
    ("jobs", "data"),
}
FILE_CAPTION = "Semua data Anda yang kami simpan, dalam satu berkas (JSON, waktu dalam UTC)."


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(settings, clock=clock_at(NOW)) as running:
        yield running
        no_refusals(running)


async def with_everything(bot: Bot, user: FakeUser, broadcast: int) -> None:
    """Everything a person can leave with the bot: a submitted survey and one under way, a
    seat at an event, a wish and a wish told, a subscription, an announcement delivered and
    one pending, a mark that Telegram could not reach them, a feature waiting for their input
    and a job scheduled for them."""
    await consent(user, "pelatihan")
    await pelatihan_shortest(user)
    await user.tap("Kirim")
    await user.send("/start bpjs")
    await user.tap("25–34 tahun")
    await daftar(user)
    await bot.services.people.consent(user.id, "id", WISHES_PURPOSE)
    assert await bot.services.event_search.keep_wish(user.id, "pelatihan menjahit kupang")
    await user.send("/langganan")
    await user.tap(ADULT)
    now = to_db(bot.clock.now())
    await bot.services.db.write(
        (
            "INSERT INTO broadcasts (id, created_by, created_at, from_chat_id, message_id) "
            "VALUES (?, 1, ?, 1, 1)",
            (broadcast, now),
        ),
        (
            "INSERT INTO deliveries (broadcast_id, person, status, sent_at) "
            "VALUES (?, ?, 'sent', ?)",
            (broadcast, user.id, now),
        ),
        (
            "INSERT INTO broadcasts (id, created_by, created_at, from_chat_id, message_id) "
            "VALUES (?, 1, ?, 1, 2)",
            (broadcast + 100, now),
        ),
        (
            "INSERT INTO deliveries (broadcast_id, person, status) VALUES (?, ?, 'pending')",
            (broadcast + 100, user.id),
        ),
        (
            "INSERT INTO unreachable (person, since, reason) VALUES (?, ?, 'blocked')",
            (user.id, now),
        ),
        (
            "INSERT INTO wishes_told (user_id, event_id, wish, told_at) "
            "SELECT ?, id, 'pelatihan menjahit', ? FROM events LIMIT 1",
            (user.id, now),
        ),
    )
    await bot.services.awaiting.expect(user.id, "event_wizard", {"step": "title"})
    await bot.services.scheduler.schedule(
        user.id, "event_changed", bot.clock.now() + timedelta(days=3), {"event_id": 1}
    )


def as_stored(settings: Settings, table: str, person: int) -> list[dict[str, Any]]:
    """The person's rows of `table`, as an auditor reads them (JSON text decoded)."""
    found = []
    for row in rows(settings, PERSONAL[table], (person,)):
        record = dict(row)
        for key, value in record.items():
            if (table, key) in STORED_AS_JSON and value is not None:
                record[key] = json.loads(value)
        found.append(record)
    return found


def the_file(user: FakeUser) -> tuple[dict[str, Any], str]:
    """The JSON file /dataku sent, read back, and its caption."""
    (message,) = [
        m for m in user.messages if "upload" in m and m["upload"].filename.endswith(".json")
    ]
    assert message["upload"].filename == f"dataku-{user.id}.json"
    document: dict[str, Any] = json.loads(message["upload"].content.decode("utf-8"))
    return document, str(message.get("caption", ""))


async def test_the_file_holds_every_row_held_about_the_person(bot: Bot, settings: Settings) -> None:
    await store(bot)
    user, other = bot.user(PERSON), bot.user(OTHER)
    await with_everything(bot, user, 1)
    await with_everything(bot, other, 2)
    await user.send("/dataku")
    assert "Lokakarya Pendaftaran" in user.text  # the words stay the last message
    document, caption = the_file(user)
    assert caption == FILE_CAPTION
    assert document["telegram_id"] == PERSON
    tables = document["tables"]
    # What the issue names is there, with its dates.
    for table in (
        "users",
        "consents",
        "responses",
        "answers",
        "registrations",
        "event_wishes",
        "wishes_told",
        "subscriptions",
        "deliveries",
        "unreachable",
        "awaiting",
        "jobs",
    ):
        assert tables.get(table), table
    assert {c["purpose"] for c in tables["consents"]} == {
        "survey",
        "events",
        "wishes",
        "announcements",
    }
    assert all(c["granted_at"].startswith("2026-12-01") for c in tables["consents"])
    assert {"question_id": "jenis_pekerjaan", "value": "ojol"}.items() <= next(
        a for a in tables["answers"] if a["question_id"] == "jenis_pekerjaan"
    ).items()
    # Table by table, exactly what the database holds about them: no more, no less.
    for table in PERSONAL:
        if table == "audit_log":
            continue  # this very request is recorded after the file is read
        assert tables.get(table, []) == as_stored(settings, table, PERSON), table
    # Nothing of anyone else.
    assert str(OTHER) not in json.dumps(document)


async def test_in_english_and_nothing_for_someone_unknown(bot: Bot) -> None:
    english = bot.user(PERSON, "en")
    await consent(english, "bpjs")
    await english.send("/mydata")
    document, caption = the_file(english)
    assert document["tables"]["users"][0]["locale"] == "en"
    assert caption == "Everything we keep about you, as a file (JSON, times in UTC)."
    stranger = bot.user(OTHER)
    await stranger.send("/dataku")
    assert stranger.text == "Kami tidak menyimpan data apa pun tentang Anda."
    assert stranger.files() == []
