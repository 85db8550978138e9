"""`python -m bot` under faults: killed mid-backlog, killed mid-conversation, started twice on
one database, its token revoked while running, stopped with thousands of updates waiting.

As in `tests.test_process`, the unmodified bot runs in its own process against `FakeTelegram`
behind `LoopbackServer`; the same fake (the same chats, the same unconfirmed updates) stays up
across the bot's restarts, as Telegram would. Every wait polls a condition with a deadline, and
every process is killed in `finally`.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from bot.lifecycle import EXIT_CONFIG, EXIT_IN_USE, REJECTED_TOKEN
from bot.testing.fake_telegram import BOT_ID, TEST_TOKEN, FakeTelegram
from bot.testing.harness import FakeUser
from bot.testing.loopback import LoopbackServer
from tests.test_process import (
    EXIT_WAIT,
    MINI_SURVEY,
    SECRET,
    WAIT,
    bot_env,
    button,
    printed,
    read_db,
    showing,
    wait_until,
)

T = TypeVar("T")
FAST = "1000"  # messages per second: restarts that only have to catch up, quickly
CONCURRENCY = 256  # the intake's handlers in flight: the most a kill can make run twice
CATCH_UP = 90.0  # seconds for a restarted bot to work through a backlog of a thousand or more
STOP_LIMIT = 10.0  # seconds from SIGTERM to exit the issue allows (docker's kill deadline)

# Four typed answers in a row, each range apart from the others: an answer applied to the
# wrong question is refused or stored visibly wrong, never silently right.
NUMBERS_SURVEY = """\
id: angka
title: {id: "Angka", en: "Numbers"}
questions:
""" + "".join(
    f"""\
  - id: q{n}
    type: integer
    min: {10 * n}
    max: {10 * n + 9}
    text: {{id: "Q{n} angka", en: "Q{n} number"}}
"""
    for n in range(1, 5)
)
TYPED = {f"q{n}": 11 * n for n in range(1, 5)}  # 11, 22, 33, 44: each in its own range


@dataclass
class Running:
    proc: asyncio.subprocess.Process
    out: Path  # stdout
    err: Path  # stderr: logs and the one-line reasons

    async def until(self, condition: Callable[[], T | None], what: str, within: float = WAIT) -> T:
        found = await wait_until(condition, what, self.proc, self.err, within)
        assert found is not None  # wait_until returns only something truthy
        return found

    async def exit_code(self, within: float = EXIT_WAIT) -> int:
        return await asyncio.wait_for(self.proc.wait(), within)

    async def stop(self) -> float:
        """SIGTERM; the seconds it took to exit (status 0 asserted)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        self.proc.send_signal(signal.SIGTERM)
        code = await self.exit_code()
        assert code == 0, printed(self.err)
        return loop.time() - started

    async def kill(self) -> None:
        self.proc.kill()
        await self.proc.wait()


@asynccontextmanager
async def bot_process(tmp_path: Path, name: str, **settings: str) -> AsyncIterator[Running]:
    out, err = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
    # Files, not pipes: a full pipe would block the bot.
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=bot_env(**settings),
            stdout=stdout,
            stderr=stderr,
        )
    try:
        yield Running(proc, out, err)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def settings(server: LoopbackServer, db: Path, **more: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
        "TELEGRAM_API_URL": server.url,
        "DATABASE_PATH": str(db),
        **more,
    }


def surveys_dir(tmp_path: Path, **files: str) -> str:
    folder = tmp_path / "surveys"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return str(folder)


def people(telegram: FakeTelegram, count: int, first: int = 10_000) -> list[FakeUser]:
    # Only the update builders are used; they never touch the application.
    return [FakeUser(None, telegram, first + i) for i in range(count)]  # type: ignore[arg-type]


async def everyone_writes(bot: Running, telegram: FakeTelegram, crowd: list[FakeUser]) -> None:
    """Once the bot polls, each person sends /bantuan (one reply each), all at once; returns
    when the bot has stored every one (Telegram has none left unconfirmed)."""
    await bot.until(lambda: telegram.calls_to("getUpdates"), "the first getUpdates")
    for person in crowd:
        telegram.queue_update(person.message_update("/bantuan"))
    await bot.until(lambda: telegram.pending_update_count == 0, f"all {len(crowd)} stored")


def replies(telegram: FakeTelegram) -> Counter[int]:
    """How many messages the bot sent to each chat."""
    return Counter(int(c.params["chat_id"]) for c in telegram.calls_to("sendMessage"))


def pending_inbox(db: Path) -> Counter[int]:
    """Per person, the stored updates not yet handled. Read-only: after a kill the WAL is left
    as the next start will find it."""
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT person FROM inbox WHERE handled_at IS NULL").fetchall()
    finally:
        conn.close()
    return Counter(person for (person,) in rows)


def closed_cleanly(db: Path) -> bool:
    """SQLite deletes the -wal file when the last connection closes cleanly. Check before
    reading the file: a read-only connection (`read_db`, `pending_inbox`) leaves one behind."""
    return db.exists() and not Path(f"{db}-wal").exists()


def no_faults(telegram: FakeTelegram, server: LoopbackServer) -> None:
    refused = [(call.method, error.description) for call, error in telegram.refusals]
    assert not refused, refused[:5]
    assert not server.errors, server.errors[:5]


async def test_killed_mid_backlog_everyone_is_answered_after_restart(tmp_path: Path) -> None:
    """300 people write at once; SIGKILL after a few dozen replies; the restart answers the
    rest, and repeats only the replies whose handlers were cut off mid-way."""
    db = tmp_path / "bot.sqlite3"
    telegram = FakeTelegram()
    crowd = people(telegram, 300)
    everyone = {p.id for p in crowd}
    async with LoopbackServer(telegram) as server:
        # Default pace (29 a second): 300 replies take ten seconds, so a backlog builds.
        async with bot_process(tmp_path, "first", **settings(server, db)) as first:
            await everyone_writes(first, telegram, crowd)
            await first.until(lambda: replies(telegram).total() >= 30, "a few dozen replies")
            # From here Telegram delivers the replies but its answers stall, so the handlers
            # that send them are still in flight at the kill: the crash that repeats a reply.
            telegram.hold_answers("sendMessage")
            held_from = len(telegram.calls)
            await first.until(lambda: replies(telegram).total() >= 40, "ten replies held")
            await first.kill()
            telegram.release("sendMessage")
        before = replies(telegram)
        stored = pending_inbox(db)
        # Nobody fell between the two: each person was answered or is still in the inbox.
        assert set(before) | set(stored) == everyone
        assert stored.total() > 200, "the kill came after the backlog drained; it proves nothing"

        restarted_at = len(telegram.calls)
        async with bot_process(
            tmp_path, "second", **settings(server, db, MAX_MESSAGES_PER_SECOND=FAST)
        ) as second:
            await second.until(
                lambda: set(replies(telegram)) >= everyone, "a reply for everyone", CATCH_UP
            )
            await second.until(lambda: not pending_inbox(db), "the inbox to be handled")
            await second.stop()
        no_faults(telegram, server)
    assert closed_cleanly(db)

    after = replies(telegram)
    assert set(after) == everyone
    twice = {chat for chat, n in after.items() if n > 1}
    held = {
        int(c.params["chat_id"])
        for c in telegram.calls[held_from:restarted_at]
        if c.method == "sendMessage"
    }
    print(f"\nkilled after {before.total()} replies, {len(held)} of them unconfirmed; ", end="")
    print(f"{len(twice)} of 300 people answered twice")
    # Exactly the handlers in flight at the kill ran again (at most the intake's concurrency),
    # and only they: those whose reply went out while their update was not yet recorded as
    # handled (the held ones, and on a busy machine a few whose answer came back just before
    # the kill). A reply whose update was recorded handled is never repeated.
    cut_off = {chat for chat in before if chat in stored}
    assert twice == cut_off
    assert held <= cut_off
    assert 0 < len(cut_off) <= CONCURRENCY
    assert all(n <= 2 for n in after.values())


@pytest.mark.parametrize("kill_at", [1, 2, 3, 4], ids=lambda k: f"kill-during-reply-{k}")
async def test_typed_ahead_answers_survive_a_kill(tmp_path: Path, kill_at: int) -> None:
    """A person types all four answers before the bot replies to the first; the bot is killed
    while the reply to answer `kill_at` is on its way (Telegram has acted, the bot has not
    heard back). After the restart each answer is stored under its own question."""
    db = tmp_path / "bot.sqlite3"
    telegram = FakeTelegram()
    user = FakeUser(None, telegram, 424242)  # type: ignore[arg-type]
    numbers = surveys_dir(tmp_path, angka=NUMBERS_SURVEY)

    def sent() -> int:
        return replies(telegram)[user.id]

    async with LoopbackServer(telegram) as server:
        env = settings(server, db, SURVEYS_DIR=numbers, MAX_MESSAGES_PER_SECOND=FAST)
        async with bot_process(tmp_path, "first", **env) as first:
            telegram.queue_update(user.message_update("/start angka"))
            consent, data = await first.until(
                lambda: button(telegram, user.id, "cs:y:"), "the consent buttons"
            )
            telegram.queue_update(user.callback_update(data, consent))
            await first.until(lambda: showing(telegram, user.id, "Q1 angka"), "question 1")

            base = sent()
            telegram.hold_answers("sendMessage", after=kill_at - 1)
            for value in TYPED.values():  # typed ahead: all four queued before any reply
                telegram.queue_update(user.message_update(str(value)))
            await first.until(lambda: sent() == base + kill_at, f"reply {kill_at} to be sent")
            await first.kill()
            telegram.release("sendMessage")

        # Answer `kill_at` was committed before its reply, but its handler never finished:
        # it and every later answer wait in the inbox.
        assert pending_inbox(db) == {user.id: 5 - kill_at}
        assert read_db(db)[1] == {f"q{n}": TYPED[f"q{n}"] for n in range(1, kill_at + 1)}

        async with bot_process(tmp_path, "second", **env) as second:
            await second.until(lambda: not pending_inbox(db), "the typed answers to be handled")
            await second.stop()
        no_faults(telegram, server)

    assert closed_cleanly(db)
    responses, answers = read_db(db)
    assert responses == [("angka", "in_progress")]
    assert answers == TYPED
    messages = telegram.bot_messages(user.id)
    # No answer met the wrong question: that would have been refused out of range.
    assert not [m["text"] for m in messages if "⚠️" in m["text"]]
    review = button(telegram, user.id, "q:", ":ok:")
    last = max(messages, key=lambda m: m["message_id"])
    assert review is not None and review[0] is last, "the review is shown last"


async def test_second_process_on_the_same_database_is_refused(tmp_path: Path) -> None:
    """A second bot on the same file exits 3 with one line, untouched; the first carries on."""
    db = tmp_path / "data" / "bot.sqlite3"
    telegram = FakeTelegram()
    asker = FakeUser(None, telegram, 5151)  # type: ignore[arg-type]
    async with LoopbackServer(telegram) as server:
        async with bot_process(tmp_path, "first", **settings(server, db)) as first:
            await first.until(lambda: telegram.calls_to("getUpdates"), "the first getUpdates")
            # Spelled differently (relative to its cwd): the lock is on the file, not the text.
            spelled = "data/../data/bot.sqlite3"
            async with bot_process(tmp_path, "second", **settings(server, Path(spelled))) as second:
                code = await second.exit_code()
            assert code == EXIT_IN_USE, printed(second.err)
            refusal = printed(second.err).splitlines()
            assert len(refusal) == 1, refusal
            assert spelled in refusal[0]
            assert printed(second.out) == ""
            # Refused before anything else: it never met Telegram.
            assert len(telegram.calls_to("getMe")) == 1

            telegram.queue_update(asker.message_update("/bantuan"))
            await first.until(lambda: replies(telegram)[asker.id], "the first bot to answer")
            assert first.proc.returncode is None
            await first.stop()
        no_faults(telegram, server)
    assert closed_cleanly(db)


async def test_token_revoked_mid_run_stops_in_one_line(tmp_path: Path) -> None:
    """Telegram starts answering 401 mid-conversation: exit 2 within seconds, one line that
    names the setting and not the secret, no traceback, the database closed cleanly."""
    db = tmp_path / "bot.sqlite3"
    telegram = FakeTelegram()
    user = FakeUser(None, telegram, 777)  # type: ignore[arg-type]
    async with LoopbackServer(telegram) as server:
        env = settings(
            server,
            db,
            SURVEYS_DIR=surveys_dir(tmp_path, mini=MINI_SURVEY),
            MAX_MESSAGES_PER_SECOND=FAST,
            # DEBUG makes the leak check meaningful: every library logs the most it can.
            LOG_LEVEL="DEBUG",
        )
        async with bot_process(tmp_path, "bot", **env) as bot:
            telegram.queue_update(user.message_update("/start mini"))
            consent, data = await bot.until(
                lambda: button(telegram, user.id, "cs:y:"), "the consent buttons"
            )
            telegram.queue_update(user.callback_update(data, consent))
            first, data = await bot.until(
                lambda: button(telegram, user.id, "q:", ":c:umkm"), "question 1"
            )
            tap = user.callback_update(data, first)
            telegram.queue_update(tap)
            await bot.until(lambda: showing(telegram, user.id, "Q2 umur"), "question 2")

            # Wait for the long poll that confirms the tap: the next message rides on it (it
            # was let in before the revocation), then every call, the reply to that message
            # and the next poll, meets the revoked token.
            def polling_past_tap() -> bool:
                offset = telegram.calls_to("getUpdates")[-1].params.get("offset")
                return int(offset or 0) > tap["update_id"]

            await bot.until(polling_past_tap, "the long poll after the tap")
            server.token = f"{BOT_ID}:revoked"
            revoked = asyncio.get_running_loop().time()
            telegram.queue_update(user.message_update("42"))
            code = await bot.exit_code()
            took = asyncio.get_running_loop().time() - revoked
        no_faults(telegram, server)

    output = printed(bot.out) + printed(bot.err)
    print(f"\nexited {took:.2f} s after the token was revoked")
    assert code == EXIT_CONFIG, output
    assert took < STOP_LIMIT
    assert "getUpdates" in output, "DEBUG logging was not on; the leak check proves nothing"
    assert SECRET not in output
    assert "Traceback" not in output, output
    reasons = [line for line in output.splitlines() if "TELEGRAM_BOT_TOKEN" in line]
    assert reasons == [REJECTED_TOKEN], reasons
    assert printed(bot.err).splitlines()[-1] == REJECTED_TOKEN

    assert closed_cleanly(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    responses, answers = read_db(db)
    assert responses == [("mini", "in_progress")]
    # The "42" that came with the revocation was stored: applied, or waiting in the inbox.
    assert answers in ({"peran": "umkm"}, {"peran": "umkm", "umur": 42}), answers
    if "umur" not in answers:
        assert pending_inbox(db) == {user.id: 1}


async def test_sigterm_with_a_large_backlog_exits_promptly_and_loses_nothing(
    tmp_path: Path,
) -> None:
    """SIGTERM with over a thousand updates waiting: exit 0 within the deadline, the backlog
    left in the inbox, and the next start answers everyone."""
    db = tmp_path / "bot.sqlite3"
    telegram = FakeTelegram()
    crowd = people(telegram, 1200)
    everyone = {p.id for p in crowd}
    async with LoopbackServer(telegram) as server:
        # Default pace: 1,200 replies would take forty seconds; the stop cannot wait for them.
        async with bot_process(tmp_path, "first", **settings(server, db)) as first:
            await everyone_writes(first, telegram, crowd)
            await first.until(lambda: replies(telegram), "the first replies")
            took = await first.stop()
        print(f"\nexited {took:.2f} s after SIGTERM")
        assert took < STOP_LIMIT
        assert closed_cleanly(db)
        before, stored = replies(telegram), pending_inbox(db)
        assert set(before) | set(stored) == everyone
        assert stored.total() > 600, "the backlog drained before the stop; it proves nothing"

        async with bot_process(
            tmp_path, "second", **settings(server, db, MAX_MESSAGES_PER_SECOND=FAST)
        ) as second:
            # A backlog of over a thousand: seconds on a quiet machine, longer on a busy one.
            await second.until(
                lambda: set(replies(telegram)) >= everyone, "a reply for everyone", CATCH_UP
            )
            await second.until(lambda: not pending_inbox(db), "the inbox to be handled")
            await second.stop()
        no_faults(telegram, server)

    after = replies(telegram)
    twice = sorted(chat for chat, n in after.items() if n > 1)
    print(f"answered {before.total()} before the stop; {len(twice)} answered twice")
    assert set(after) == everyone
    # A repeat needs a handler cut off after its reply went out: at most those in flight.
    assert len(twice) <= CONCURRENCY
    assert set(twice) <= set(before)
    assert closed_cleanly(db)


async def test_token_revoked_mid_backlog_nobody_is_left_unanswered(tmp_path: Path) -> None:
    """The token is revoked while a backlog is being answered, then fixed: after the restart
    everyone has their reply (what could not be sent stayed in the inbox)."""
    db = tmp_path / "bot.sqlite3"
    telegram = FakeTelegram()
    crowd = people(telegram, 200)
    everyone = {p.id for p in crowd}
    async with LoopbackServer(telegram) as server:
        async with bot_process(tmp_path, "first", **settings(server, db)) as first:
            await everyone_writes(first, telegram, crowd)
            await first.until(lambda: replies(telegram).total() >= 10, "the first replies")
            server.token = f"{BOT_ID}:revoked"
            assert await first.exit_code() == EXIT_CONFIG, printed(first.err)

        server.token = TEST_TOKEN  # a new token from @BotFather, put in .env
        async with bot_process(
            tmp_path, "second", **settings(server, db, MAX_MESSAGES_PER_SECOND=FAST)
        ) as second:
            await second.until(lambda: not pending_inbox(db), "the inbox to be handled", CATCH_UP)
            await second.stop()
    unanswered = everyone - set(replies(telegram))
    assert not unanswered, f"{len(unanswered)} of 200 never answered"
