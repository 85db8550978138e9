"""Nothing lost, nothing repeated: restarts, many people at once, writes that fail."""

from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
import threading
from datetime import timedelta
from importlib import resources
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.survey.actions import Action
from bot.core.survey.engine import Answer
from bot.storage.database import Database, DatabaseInUse, MigrationError, migrations
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.harness import running_bot
from handlers.buttons import SurveyTap
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
        shown = SurveyTap.unpack(question["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
        assert shown is not None
        rev = shown.rev
        taps = [
            SurveyTap(rev, Action.CHOOSE, "kurir"),
            SurveyTap(rev + 1, Action.TOGGLE, "gojek"),
            SurveyTap(rev + 2, Action.TOGGLE, "grab"),
            SurveyTap(rev + 3, Action.DONE),
        ]
        await bot.deliver(*(user.callback_update(tap.pack(), question) for tap in taps))
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


async def _hold_writer(db: Database) -> tuple[threading.Event, asyncio.Task[None]]:
    """Block the writer's thread, so that the writes queued next form one batch, in order."""
    gate, holding = threading.Event(), threading.Event()

    def hold(conn: sqlite3.Connection) -> None:
        holding.set()
        gate.wait(10)

    task = asyncio.create_task(db.transact(hold))
    await asyncio.to_thread(holding.wait, 10)
    return gate, task


async def _queued(task: asyncio.Task[object]) -> None:
    for _ in range(5):  # the repositories queue their write on their first step
        await asyncio.sleep(0)


async def test_sweep_after_an_answer_in_one_batch_keeps_the_answer(
    mini_settings: Settings,
) -> None:
    """The expiry sweep queued right behind an answer sees that answer: the response is no
    longer idle, and the acknowledged answer stays (the old group commit ran the sweep's DELETE
    before the answer's UPDATE and lost it)."""
    async with running_bot(mini_settings) as bot:
        user = bot.user(71)
        await consent(user, "uji")
        svc = bot.services
        session, _ = await svc.surveys.current(71)
        before = session.updated_at + timedelta(microseconds=1)  # idle until the answer
        answered = session.moved(
            answers={"kerja": Answer("kurir")}, cursor="platform", updated_at=bot.clock.now()
        )
        gate, holder = await _hold_writer(svc.db)
        save = asyncio.create_task(svc.surveys.responses.save(answered, ["kerja"], session.rev))
        await _queued(save)
        sweep = asyncio.create_task(svc.surveys.responses.expire_idle(before, bot.clock.now()))
        await _queued(sweep)
        gate.set()
        await asyncio.gather(holder, save)
        assert await sweep == []
    assert answers(mini_settings, 71) == {"kerja": "kurir"}
    assert [r["status"] for r in rows(mini_settings, "SELECT status FROM responses")] == [
        "in_progress"
    ]


async def test_an_answer_behind_the_sweep_is_not_stored_and_the_person_is_told(
    mini_settings: Settings,
) -> None:
    """The other order: the sweep closes the response first; the answer queued behind it must
    not land in the closed response, and the person hears that it had expired."""
    async with running_bot(mini_settings) as bot:
        user = bot.user(72)
        await consent(user, "uji")
        svc = bot.services
        gate, holder = await _hold_writer(svc.db)
        sweep = asyncio.create_task(
            svc.surveys.responses.expire_idle(bot.clock.now(), bot.clock.now())
        )
        await _queued(sweep)
        answer = asyncio.create_task(user.tap("Kurir"))
        for _ in range(50):  # the answer's write is queued behind the sweep's
            await asyncio.sleep(0.01)
        gate.set()
        await asyncio.gather(holder, answer)
        assert await sweep == [72]
        assert "Tidak ada survei yang sedang diisi" in user.text or "berakhir" in user.text
    assert answers(mini_settings, 72) == {}
    assert [r["status"] for r in rows(mini_settings, "SELECT status FROM responses")] == ["expired"]


async def test_a_stale_copy_never_overwrites_newer_answers(mini_settings: Settings) -> None:
    """Even with the one-process lock bypassed (its file deleted), two bots on one database
    cannot undo each other's confirmed answers: every write names the revision it was made
    from, and a bot holding an old copy re-reads instead of overwriting."""
    telegram = FakeTelegram()
    async with running_bot(mini_settings, telegram) as a:
        on_a = a.user(81)
        await consent(on_a, "uji")
        await on_a.tap("Kurir")  # a now caches the session at "platform"
        platform_question = copy.deepcopy(on_a.last)  # as the phone shows it, before edits
        lock = Path(f"{mini_settings.database_path.resolve()}.lock")
        await asyncio.to_thread(lock.unlink)
        async with running_bot(mini_settings, telegram) as b:
            on_b = b.user(81)
            await on_b.tap("Gojek", platform_question)
            await on_b.tap("Selesai")
            await on_b.send("5")  # b stored platform=[gojek] and hari=5
            stored = rows(mini_settings, "SELECT cursor, rev FROM responses")[0]
            # a still believes "platform" is on screen at the old revision
            await on_a.tap("Grab", platform_question)
            toast = telegram.calls_to("answerCallbackQuery")[-1].params["text"]
            assert "Sudah tercatat" in toast or "tidak aktif" in toast  # the stale-button word
            after = rows(mini_settings, "SELECT cursor, rev, pending FROM responses")[0]
            assert (after["cursor"], after["rev"]) == (stored["cursor"], stored["rev"])
            assert after["pending"] is None
    assert answers(mini_settings, 81) == {"kerja": "kurir", "platform": ["gojek"], "hari": 5}


async def test_a_second_open_of_the_same_database_is_refused(tmp_path: Path) -> None:
    first = Database(tmp_path / "one.sqlite3")
    await first.open()
    try:
        with pytest.raises(DatabaseInUse, match=r"one\.sqlite3"):
            await Database(tmp_path / "one.sqlite3").open()
    finally:
        await first.close()
    again = Database(tmp_path / "one.sqlite3")  # released at close
    await again.open()
    await again.close()


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        (["0001_initial.sql", "0002-events.sql"], "0002-events.sql"),
        (["0001_initial.sql", "2_events.sql"], "2_events.sql"),
        (["0001_initial.sql", "0001_again.sql"], "share 1"),
    ],
)
def test_a_misnamed_migration_stops_the_bot(tmp_path: Path, names: list[str], problem: str) -> None:
    for name in names:
        (tmp_path / name).write_text("SELECT 1;", encoding="utf-8")
    with pytest.raises(MigrationError, match=problem):
        migrations(tmp_path)


def test_the_shipped_migrations_are_all_found() -> None:
    shipped = resources.files("bot.storage").joinpath("migrations")
    files = sorted(e.name for e in shipped.iterdir() if e.name.endswith(".sql"))
    assert [name for _, name, _ in migrations()] == files
    assert [number for number, _, _ in migrations()] == list(range(1, len(files) + 1))


async def test_an_answer_stored_but_not_replied_to_is_shown_after_a_restart(
    mini_settings: Settings,
) -> None:
    """Killed after the answer was committed and before the reply went out: the update is
    still unhandled in the inbox, so the next start handles it again. It must not be applied
    twice, and the person must see where they are rather than wait for a reply forever."""
    telegram = FakeTelegram()
    async with running_bot(mini_settings, telegram) as first:
        user = first.user(91)
        await consent(user, "uji")
        await user.tap("Kurir")
        await user.tap("Tidak ada")
        await user.tap("Selesai")  # now at "hari"
        answer = user.message_update("5")
        await user.deliver(answer)
        sent_before = len(telegram.calls_to("sendMessage", 91))
    # Put the database in the state the kill would have left: the update not yet handled.
    conn = sqlite3.connect(mini_settings.database_path)
    with conn:
        conn.execute(
            "UPDATE inbox SET handled_at = NULL, person = ?, body = ? WHERE update_id = ?",
            (91, json.dumps(answer), answer["update_id"]),
        )
    conn.close()
    async with running_bot(mini_settings, telegram) as second:
        await second.services.intake.idle()
        user = second.user(91)
        assert len(telegram.calls_to("sendMessage", 91)) == sent_before + 1
        assert "km" in user.text  # the question after "hari", shown again
    assert answers(mini_settings, 91)["hari"] == 5
    responses = rows(mini_settings, "SELECT rev FROM responses")
    assert len(responses) == 1


async def test_a_read_sees_every_write_committed_before_it(tmp_path: Path) -> None:
    """Reads share one connection. A read another task has started and not yet fetched must
    not hold an old snapshot for the reads that come after it: the intake, reading the inbox
    right after a batch was stored, once saw nothing and left the batch waiting until the next
    update came (found by bench/events.py)."""
    db = Database(tmp_path / "reads.sqlite3")
    await db.open()
    try:
        await db.write(("CREATE TABLE t (n INTEGER)", ()))
        await db.write(*[("INSERT INTO t (n) VALUES (?)", (n,)) for n in range(3000)])
        done = False

        async def busy_reader() -> None:
            while not done:
                await db.fetchall("SELECT n FROM t WHERE n < 3000")
                await db.fetchone("SELECT n FROM t WHERE n < 3000")

        readers = [asyncio.create_task(busy_reader()) for _ in range(4)]
        stale = 0
        try:
            for n in range(10_000, 10_200):
                await db.write(("INSERT INTO t (n) VALUES (?)", (n,)))
                found = await db.fetchone("SELECT COUNT(*) FROM t WHERE n = ?", (n,))
                stale += found is None or found[0] != 1
        finally:
            done = True
            await asyncio.gather(*readers)
        assert stale == 0, f"{stale} of 200 reads missed a write committed before them"
    finally:
        await db.close()
