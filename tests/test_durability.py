"""Nothing lost, nothing repeated: restarts, many people at once, writes that fail."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.config import Settings
from bot.storage.database import Database
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.harness import running_bot
from tests.helpers import answers, consent, rows


async def test_restart_midway_continues_at_the_same_question(mini_settings: Settings) -> None:
    telegram = FakeTelegram()  # the same chat history across both runs
    async with running_bot(mini_settings, telegram) as first:
        user = first.user(7)
        await consent(user, "uji")
        await user.tap("Kurir")
        await user.tap("Gojek")  # toggled, not yet Done: also survives the restart
        question = user.last

    async with running_bot(mini_settings, telegram) as second:
        user = second.user(7)
        # The buttons of the message shown before the restart still work.
        await user.tap("Grab", question)
        assert "✅ Gojek" in user.buttons() and "✅ Grab" in user.buttons()
        await user.tap("Selesai")
        await user.send("5")
        await user.tap("Lewati")

    async with running_bot(mini_settings, telegram) as third:
        user = third.user(7)
        await user.send("/start")
        assert "Selamat datang kembali" in user.text and "BPJS" in user.text
        await user.tap("Tidak")
        await user.send("1/10/2025")
        await user.send("Kupang")
        await user.tap("Kota Kupang")
        await user.tap("Lewati")
        await user.tap("Kirim")

    assert answers(mini_settings, 7) == {
        "kerja": "kurir",
        "platform": ["gojek", "grab"],
        "hari": 5,
        "jarak": None,
        "bpjs": False,
        "mulai": "2025-10-01",
        "kota": "53.71",
        "saran": None,
    }
    assert len(rows(mini_settings, "SELECT id FROM responses")) == 1
    assert len(rows(mini_settings, "SELECT user_id FROM consents")) == 1


async def test_fifty_respondents_interleaved(mini_settings: Settings) -> None:
    async with running_bot(mini_settings) as bot:
        people = [bot.user(1000 + i) for i in range(50)]
        await asyncio.gather(*(consent(p, "uji") for p in people))

        async def step(make_update) -> None:
            # Every person's update goes in before any is handled: maximal interleaving.
            await bot.deliver(*(make_update(p, i) for i, p in enumerate(people)))

        kinds = ["Ojek online", "Kurir"]
        await step(lambda p, i: p.tap_update(kinds[i % 2]))
        await step(lambda p, i: p.tap_update("Tidak ada"))
        await step(lambda p, i: p.tap_update("Selesai"))
        await step(lambda p, i: p.message_update(f"Merek{i}") if i % 2 == 0 else None)

    for i, person in enumerate(people):
        stored = answers(mini_settings, person.id)
        expected = {"kerja": "ojol" if i % 2 == 0 else "kurir", "platform": ["tidak_ada"]}
        if i % 2 == 0:
            expected["merek_motor"] = f"Merek{i}"
        assert stored == expected, (person.id, stored)
    assert len(rows(mini_settings, "SELECT id FROM responses")) == 50


async def test_one_bad_write_does_not_fail_the_others(tmp_path) -> None:
    db = Database(tmp_path / "x.sqlite3")
    await db.open()
    try:
        now = "2026-01-01T00:00:00+00:00"
        good = [
            db.write(
                (
                    "INSERT INTO users (id, locale, created_at, updated_at) VALUES (?, 'id', ?, ?)",
                    (i, now, now),
                )
            )
            for i in range(20)
        ]
        bad = db.write(
            (
                "INSERT INTO users (id, locale, created_at, updated_at) VALUES (1, 'id', ?, ?)",
                (now, now),
            )
        )
        results = await asyncio.gather(*good, bad, return_exceptions=True)
        assert all(not isinstance(r, Exception) for r in results[:-1])
        assert isinstance(results[-1], sqlite3.IntegrityError)
        assert (await db.fetchone("SELECT COUNT(*) AS n FROM users"))["n"] == 20
    finally:
        await db.close()


async def test_migrations_are_numbered_and_idempotent(tmp_path) -> None:
    path = tmp_path / "m.sqlite3"
    for _ in range(2):
        db = Database(path)
        await db.open()
        await db.close()
    conn = sqlite3.connect(path)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert version >= 1 and mode == "wal"
    assert {"users", "consents", "responses", "answers", "staff"} <= tables


async def test_write_before_open_is_refused(tmp_path) -> None:
    with pytest.raises(RuntimeError):
        await Database(tmp_path / "n.sqlite3").write(("SELECT 1", ()))


async def test_one_persons_quick_updates_are_handled_in_order(mini_settings: Settings) -> None:
    """Four taps arrive before the first is handled; each must see the one before it."""
    async with running_bot(mini_settings) as bot:
        user = bot.user(31)
        await consent(user, "uji")
        question = user.last
        rev = int(question["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[1])
        taps = [
            f"q:{rev}:c:kurir",
            f"q:{rev + 1}:t:gojek",
            f"q:{rev + 2}:t:grab",
            f"q:{rev + 3}:d:",
        ]
        await bot.deliver(*(user.callback_update(data, question) for data in taps))
        assert answers(mini_settings, 31) == {"kerja": "kurir", "platform": ["gojek", "grab"]}


async def test_a_flood_from_one_person_does_not_stall_others(mini_settings: Settings) -> None:
    async with running_bot(mini_settings) as bot:
        flooder, other = bot.user(41), bot.user(42)
        await consent(flooder, "uji")
        await consent(other, "uji")
        # /batal stores a confirmation each time: every one of these waits for a commit.
        flood = [flooder.message_update("/batal") for _ in range(600)]
        await bot.deliver(*flood, other.message_update("2"))
        replies = [int(c.params["chat_id"]) for c in bot.telegram.calls_to("sendMessage")]
        start = len(replies) - 601
        position = replies.index(42, start) - start
        assert position < 50, position  # answered among the first, not after the flood
        assert answers(mini_settings, 42) == {"kerja": "kurir"}
