"""Survey answers per second through the whole bot, beside a bare python-telegram-bot echo bot.

Both run in this process against `FakeRequest(FakeTelegram())`, with the same respondents, the
same number of updates and the same concurrency. A survey answer is: update in, answer
committed to SQLite (temp file, WAL, synchronous=FULL as the bot sets it), reply out.

    python -m bench.throughput            (or: make bench)
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.storage import database
from bot.storage.database import Database
from bot.testing.fake_telegram import TEST_TOKEN, FakeRequest, FakeTelegram
from bot.testing.harness import FakeUser, running_bot, test_settings
from bot.update_processor import PerUserUpdateProcessor

RESPONDENTS = 200
ROUNDS = 25  # answers per respondent in the timed phase
QUESTIONS = 30  # more than ROUNDS: nobody reaches the review screen
REPS = 5
CONCURRENCY = PerUserUpdateProcessor().limit  # what the bot runs with
FIRST_USER = 500_000
TARGET = 0.7

Json = dict[str, Any]
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


@dataclass
class Commits:
    """BENCH-ONLY instrumentation: counts Database._apply calls (one per transaction)."""

    transactions: int = 0
    writes: int = 0
    busy: float = 0.0  # seconds inside _apply


def count_commits(db: Database) -> Commits:
    commits, apply = Commits(), db._apply

    async def counting(batch: Any) -> Any:
        start = time.perf_counter()
        try:
            return await apply(batch)
        finally:
            commits.transactions += 1
            commits.writes += len(batch)
            commits.busy += time.perf_counter() - start

    db._apply = counting  # type: ignore[method-assign]
    return commits


@dataclass
class Run:
    rate: float  # updates (answers) per second
    elapsed: float
    commits: Commits = field(default_factory=Commits)


def survey_yaml(kind: str) -> str:
    lines = [f"id: bench_{kind}", "title: {id: Bench, en: Bench}", "questions:"]
    for i in range(1, QUESTIONS + 1):
        lines += [f"  - id: q{i}", f"    type: {kind}", f"    text: {{id: Soal {i}, en: Q {i}}}"]
        lines += ["    min: 0", "    max: 1000"] if kind == "integer" else []
    return "\n".join(lines) + "\n"


async def timed(app: Application, updates: list[Json]) -> float:
    """Hand every update over at once and wait until all are handled (parsing is not timed)."""
    parsed = [Update.de_json(u, app.bot) for u in updates]
    # A live bot holds a getUpdates page (<= 100 updates), not thousands parsed in advance: keep
    # the bench's own backlog out of the collector's sight, for both bots alike.
    gc.collect()
    gc.freeze()
    try:
        start = time.perf_counter()
        for update in parsed:
            app.update_queue.put_nowait(update)
        await app.update_queue.join()
        return time.perf_counter() - start
    finally:
        gc.unfreeze()


def button(user: FakeUser, prefix: str) -> tuple[Json, str]:
    """The latest bot message with buttons, and its callback_data that starts with `prefix`."""
    shown = [m for m in user.messages if m.get("reply_markup")]
    message = max(shown, key=lambda m: m["message_id"])
    rows = message["reply_markup"]["inline_keyboard"]
    data = [
        b["callback_data"] for row in rows for b in row if b["callback_data"].startswith(prefix)
    ]
    if not data:
        raise SystemExit(f"bench: user {user.id} has no {prefix!r} button: {user.text!r}")
    return message, data[0]


def plan_typed(users: list[FakeUser]) -> list[Json]:
    """Round by round, one typed number per respondent: interleaved like a crowd."""
    return [
        u.message_update(str((r * 37 + i) % 1001))
        for r in range(ROUNDS)
        for i, u in enumerate(users)
    ]


def plan_taps(users: list[FakeUser]) -> list[Json]:
    # Each answer edits the question message and bumps the session's rev: q:<rev>:<y|n>:
    shown = [button(u, "q:") for u in users]
    revs = [int(data.split(":")[1]) for _, data in shown]
    return [
        u.callback_update(f"q:{revs[i] + r}:{'yn'[(r + i) % 2]}:", shown[i][0])
        for r in range(ROUNDS)
        for i, u in enumerate(users)
    ]


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message and update.message.text:
        await update.message.reply_text(update.message.text)


async def echo_shaped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An echo whose reply looks like a survey question: HTML and one inline button."""
    if update.message and update.message.text:
        n = update.update_id % QUESTIONS
        text = f"<i>Pertanyaan {n} dari {QUESTIONS}</i>\n<b>Soal {n}</b>\n\nKetik angka 0-1000."
        back = InlineKeyboardMarkup([[InlineKeyboardButton("◀️ Kembali", callback_data="q:1:b:")]])
        await update.message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=back)


async def run_echo(handler: Handler) -> Run:
    tg = FakeTelegram()
    builder = ApplicationBuilder().token(TEST_TOKEN).request(FakeRequest(tg))
    app = builder.get_updates_request(FakeRequest(tg)).concurrent_updates(CONCURRENCY).build()
    app.add_handler(MessageHandler(filters.TEXT, handler))
    await app.initialize()
    await app.start()
    try:
        updates = plan_typed([FakeUser(app, tg, FIRST_USER + i) for i in range(RESPONDENTS)])
        elapsed = await timed(app, updates)
    finally:
        await app.stop()
        await app.shutdown()
    if len(tg.calls_to("sendMessage")) != len(updates):
        raise SystemExit("bench: the echo bot did not answer every update")
    return Run(len(updates) / elapsed, elapsed)


async def run_survey(kind: str, surveys: Path, checks: dict[str, str]) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        settings = test_settings(Path(tmp), surveys_dir=surveys)
        async with running_bot(settings) as bot:
            db: Database = bot.services.db
            users = [bot.user(FIRST_USER + i) for i in range(RESPONDENTS)]
            await timed(bot.app, [u.message_update(f"/start bench_{kind}") for u in users])
            agree = [(u, *button(u, "cs:y:")) for u in users]
            await timed(bot.app, [u.callback_update(data, shown) for u, shown, data in agree])
            updates = (plan_typed if kind == "integer" else plan_taps)(users)
            # bench-only peek at the writer connection, to show the setting under test
            async with db._writer.execute("PRAGMA synchronous") as cursor:  # type: ignore[union-attr]
                synchronous = (await cursor.fetchone())[0]  # type: ignore[index]
            before, commits = len(bot.telegram.calls), count_commits(db)
            elapsed = await timed(bot.app, updates)
            calls = [c.method for c in bot.telegram.calls[before:]]
            refused = len(getattr(bot.telegram, "refusals", []))
        with sqlite3.connect(settings.database_path) as conn:
            stored = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    expected = RESPONDENTS * ROUNDS
    replies = {m: calls.count(m) for m in sorted(set(calls))}
    checks[kind] = (
        f"{kind}: database holds {stored} answers, expected {expected} ({RESPONDENTS} x "
        f"{ROUNDS}); journal_mode={mode}, synchronous={synchronous} (2 = FULL); "
        f"bot calls {replies}; refused by the fake: {refused}"
    )
    if (stored, mode, synchronous, refused) != (expected, "wal", 2, 0):
        print("\n".join(f"check:   {c}" for c in checks.values()))
        raise SystemExit(f"bench: FAILED check for the {kind} survey (see the last line)")
    return Run(len(updates) / elapsed, elapsed, commits)


async def one_commit_per_answer(surveys: Path, checks: dict[str, str]) -> Run:
    """BENCH-ONLY: the same bot with group commit switched off (a transaction per answer)."""
    batch = database.MAX_BATCH
    database.MAX_BATCH = 1
    try:
        return await run_survey("integer", surveys, {})
    finally:
        database.MAX_BATCH = batch


async def main() -> int:
    logging.basicConfig(level=logging.WARNING, force=True)
    checks: dict[str, str] = {}  # the last run of each kind; a failed check stops the bench
    with tempfile.TemporaryDirectory() as tmp:
        surveys = Path(tmp)
        for kind in ("integer", "yes_no"):
            (surveys / f"bench_{kind}.yaml").write_text(survey_yaml(kind), encoding="utf-8")
        jobs: dict[str, Callable[[], Awaitable[Run]]] = {
            "echo": lambda: run_echo(echo),
            "typed": lambda: run_survey("integer", surveys, checks),
            "shaped": lambda: run_echo(echo_shaped),
            "buttons": lambda: run_survey("yes_no", surveys, checks),
            "unbatched": lambda: one_commit_per_answer(surveys, checks),
        }
        results: dict[str, list[Run]] = {name: [] for name in jobs}
        for _ in range(REPS):  # alternate, so drift in machine speed hits all alike
            for name, job in jobs.items():
                results[name].append(await job())
    best = {k: sorted(v, key=lambda r: r.rate)[len(v) // 2] for k, v in results.items()}

    def line(label: str, name: str, unit: str = "answers/s", vs: str = "echo") -> str:
        runs = ", ".join(f"{r.rate:.0f}" for r in results[name])
        ratio = f"ratio {best[name].rate / best[vs].rate:.2f}" if name != vs else " " * 10
        return f"{label:<34}{best[name].rate:>6.0f} {unit}  {ratio}   (runs {runs})"

    print(
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"python-telegram-bot {telegram.__version__}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"params:  {RESPONDENTS} respondents x {ROUNDS} rounds = {RESPONDENTS * ROUNDS} updates "
        f"per run, concurrency {CONCURRENCY}, {QUESTIONS}-question surveys, median of {REPS}"
    )
    for check in checks.values():
        print(f"check:   {check}")
    print(line("echo baseline:", "echo", "updates/s"))
    print(line("survey (typed):", "typed"))
    print(line("survey (buttons):", "buttons"))
    print(line("  comparison: one commit per answer", "unbatched"))
    print(line("  diagnostic: echo, survey-shaped", "shaped", "updates/s"))
    print(line("  survey (typed) vs shaped echo", "typed", vs="shaped"))
    for name in ("typed", "buttons"):
        run, c = best[name], best[name].commits
        print(
            f"group commit ({name}): {c.transactions / run.elapsed:.0f} transactions/s for "
            f"{run.rate:.0f} answers/s ({c.writes / max(c.transactions, 1):.0f} writes per "
            f"transaction; {100 * c.busy / run.elapsed:.0f}% of the run inside a transaction) "
            "[bench-only counter around Database._apply]"
        )
    # Each survey run is paired with the echo run just before it: the median of those ratios
    # is steadier than a ratio of medians when the machine's speed drifts.
    paired = sorted(t.rate / e.rate for t, e in zip(results["typed"], results["echo"], strict=True))
    ratio = paired[len(paired) // 2]
    pairs = ", ".join(f"{r:.2f}" for r in paired)
    verdict = "meets" if ratio >= TARGET else "is BELOW"
    print(f"result:  typed/echo paired ratio {ratio:.2f} (median of {pairs}) {verdict} {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
